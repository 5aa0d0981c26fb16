//! Case conversion with `heck`: `to_snake_case('HelloWorld')` is 'hello_world'; the `snake`
//! collation orders strings by that form. The functions are `strict`: NULL in, NULL out.

use std::cmp::Ordering;

use heck::{ToKebabCase, ToLowerCamelCase, ToShoutySnakeCase, ToSnakeCase, ToTitleCase, ToTrainCase, ToUpperCamelCase};
use sqlink_sdk::{export_extension, sqlite_collation, sqlite_scalar};

/// 'HelloWorld' → 'hello_world'.
#[sqlite_scalar(deterministic, innocuous, strict)]
pub fn to_snake_case(x: &str) -> String {
    x.to_snake_case()
}

/// 'HelloWorld' → 'hello-world'.
#[sqlite_scalar(deterministic, innocuous, strict)]
pub fn to_kebab_case(x: &str) -> String {
    x.to_kebab_case()
}

/// 'hello_world' → 'helloWorld'.
#[sqlite_scalar(deterministic, innocuous, strict)]
pub fn to_lower_camel_case(x: &str) -> String {
    x.to_lower_camel_case()
}

/// 'hello_world' → 'HelloWorld'.
#[sqlite_scalar(deterministic, innocuous, strict)]
pub fn to_upper_camel_case(x: &str) -> String {
    x.to_upper_camel_case()
}

/// 'HelloWorld' → 'HELLO_WORLD'.
#[sqlite_scalar(deterministic, innocuous, strict)]
pub fn to_shouty_snake_case(x: &str) -> String {
    x.to_shouty_snake_case()
}

/// 'hello_world' → 'Hello World'.
#[sqlite_scalar(deterministic, innocuous, strict)]
pub fn to_title_case(x: &str) -> String {
    x.to_title_case()
}

/// 'hello_world' → 'Hello-World'.
#[sqlite_scalar(deterministic, innocuous, strict)]
pub fn to_train_case(x: &str) -> String {
    x.to_train_case()
}

/// Compares strings by their snake_case form, so 'HelloWorld' = 'hello_world'.
#[sqlite_collation(name = "snake")]
pub fn snake(a: &str, b: &str) -> Ordering {
    a.to_snake_case().cmp(&b.to_snake_case())
}

export_extension! {
    name: "snake",
    scalars: [
        to_snake_case,
        to_kebab_case,
        to_lower_camel_case,
        to_upper_camel_case,
        to_shouty_snake_case,
        to_title_case,
        to_train_case,
    ],
    collations: [snake],
}

#[cfg(test)]
mod tests {
    use sqlink_sdk::Value;

    use super::*;

    #[test]
    fn every_style() {
        let s = "HelloWorld";
        assert_eq!(to_snake_case(s), "hello_world");
        assert_eq!(to_kebab_case(s), "hello-world");
        assert_eq!(to_lower_camel_case("hello_world"), "helloWorld");
        assert_eq!(to_upper_camel_case("hello_world"), "HelloWorld");
        assert_eq!(to_shouty_snake_case(s), "HELLO_WORLD");
        assert_eq!(to_title_case("hello_world"), "Hello World");
        assert_eq!(to_train_case("hello_world"), "Hello-World");
    }

    #[test]
    fn strict_gives_null_for_null_without_calling() {
        let call = __sqlink_scalar_to_snake_case.call;
        assert_eq!(call(&[Value::Null]), Ok(Value::Null));
        assert_eq!(call(&[Value::Text("HelloWorld".into())]), Ok(Value::Text("hello_world".into())));
        // A number converts to its text, as SQLite's own text functions take it.
        assert_eq!(call(&[Value::Integer(1)]), Ok(Value::Text("1".into())));
        assert!(call(&[Value::Blob(vec![0xff])]).is_err(), "a blob that is not UTF-8 is still an error");
    }

    #[test]
    fn snake_collation_equates_spellings_of_one_name() {
        assert_eq!(snake("HelloWorld", "hello_world"), Ordering::Equal);
        assert_eq!(snake("helloWorld", "hello-world"), Ordering::Equal);
        assert_eq!(snake("HELLO_WORLD", "Hello World"), Ordering::Equal);
        assert_eq!(snake("", ""), Ordering::Equal);
        // No tie-break on the original spelling.
        assert_eq!(snake("HelloWorld", "helloWorld"), Ordering::Equal);
    }

    #[test]
    fn snake_collation_orders_by_the_snake_case_form() {
        // Plain byte order would put 'Zebra' first; snake_case lowercases it.
        assert_eq!(snake("Zebra", "apple"), Ordering::Greater);
        assert_eq!(snake("apple", "Zebra"), Ordering::Less);
        // 'HelloWorld' is 'hello_world', which sorts before 'hello_world_again'
        // and after its prefix 'hello'.
        assert_eq!(snake("HelloWorld", "hello_world_again"), Ordering::Less);
        assert_eq!(snake("HelloWorld", "Hello"), Ordering::Greater);
        assert_eq!(snake("", "a"), Ordering::Less);
    }
}
