//! The documented examples of sqlean's text module, and the edge cases that decide how
//! sqlean's C arithmetic is followed. The differential tests (python/tests/
//! test_catalog_text.py) compare everything with sqlean itself.

use sqlink_sdk::codes;

use super::*;

fn t(s: &str) -> Value {
    Value::Text(s.into())
}

fn i(n: i64) -> Value {
    Value::Integer(n)
}

fn ok(result: Result<Value, Error>) -> Value {
    result.unwrap_or_else(|e| panic!("unexpected error: {}", e.message))
}

#[test]
fn substrings_and_slicing() {
    assert_eq!(ok(text_substring2(&t("hello world"), &i(7))), t("world"));
    assert_eq!(ok(text_substring3(&t("hello world"), &i(7), &i(5))), t("world"));
    assert_eq!(ok(text_substring3(&t("hello"), &i(-1), &i(3))), t("h"), "positions before 1 count");
    assert_eq!(ok(text_slice2(&t("hello world"), &i(7))), t("world"));
    assert_eq!(ok(text_slice3(&t("hello world"), &i(7), &i(12))), t("world"));
    assert_eq!(ok(text_slice2(&t("hello world"), &i(-5))), t("world"));
    assert_eq!(ok(text_slice3(&t("hello world"), &i(-5), &i(-2))), t("wor"));
    assert_eq!(ok(text_left(&t("hello world"), &i(5))), t("hello"));
    assert_eq!(ok(text_left(&t("hello world"), &i(-6))), t("hello"));
    assert_eq!(ok(text_right(&t("hello world"), &i(5))), t("world"));
    assert_eq!(ok(text_right(&t("hello world"), &i(-6))), t("world"));
    assert_eq!(ok(text_substring2(&t("日本語"), &i(2))), t("本語"));
}

#[test]
fn positions_follow_sqleans_32_bit_arithmetic() {
    let min = i(1 << 31); // sqlite3_value_int reads 2^31 as -2^31
    assert_eq!(ok(text_right(&t("hello"), &min)), t("hello"));
    assert_eq!(ok(text_left(&t("hello"), &min)), t(""));
    assert_eq!(ok(text_substring3(&t("hello"), &min, &i(3))), t(""));
    assert_eq!(ok(text_slice2(&t("hello"), &min)), t("hello"));
    assert_eq!(ok(text_slice3(&t("hello"), &i(2), &min)), t(""));
    let max = i(i64::from(i32::MAX));
    assert_eq!(ok(text_right(&t("hello"), &max)), t("hello"));
    assert_eq!(ok(text_slice3(&t("hello"), &i(2), &max)), t("ello"));
    assert_eq!(ok(text_right(&t("hello"), &i(-2147483647))), t(""));
    assert_eq!(ok(text_substring2(&t("hello"), &i((1 << 32) + 2))), t("ello"));
}

#[test]
fn argument_errors_and_nulls() {
    let null = Value::Null;
    assert_eq!(ok(text_substring2(&null, &t("x"))), Value::Null, "a NULL string wins over a bad start");
    assert_eq!(text_substring2(&t("a"), &Value::Real(2.0)).unwrap_err().message, "start parameter should be integer");
    assert_eq!(text_substring2(&t("a"), &t("2")).unwrap_err().message, "start parameter should be integer");
    assert_eq!(text_substring3(&t("a"), &i(1), &i(-1)).unwrap_err().message, "length parameter should >= 0");
    assert_eq!(text_split(&t("a"), &t(","), &i(0)).unwrap_err().message, "part parameter should not be 0");
    assert_eq!(text_join(&[t(",")]).unwrap_err().message, "expected at least 2 parameters");
    assert_eq!(text_concat(&[]).unwrap_err().message, "expected at least 1 parameter");
    assert_eq!(text_trim(&[t("a"), t("b"), t("c")]).unwrap_err().message, "expected 1 or 2 parameters");
    assert_eq!(text_lpad(&[t("a")]).unwrap_err().message, "expected 2 or 3 parameters");
    assert_eq!(text_lpad(&[t("a"), t("x"), null.clone()]).unwrap_err().message, "length parameter should be integer");
    assert_eq!(ok(text_lpad(&[t("a"), i(2), null.clone()])), Value::Null);
    assert_eq!(ok(text_trim(&[t("a"), null.clone()])), Value::Null);
    assert_eq!(ok(text_index(&t("a"), &null)), Value::Null);
}

#[test]
fn search_and_match() {
    assert_eq!(ok(text_index(&t("hello yellow"), &t("ello"))), i(2));
    assert_eq!(ok(text_index(&t("hello yellow"), &t("x"))), i(0));
    assert_eq!(ok(text_last_index(&t("hello yellow"), &t("ello"))), i(8));
    assert_eq!(ok(text_last_index(&t("hello yellow"), &t("x"))), i(0));
    assert_eq!(ok(text_last_index(&t("abc"), &t(""))), i(3));
    assert_eq!(ok(text_last_index(&t(""), &t(""))), i(0));
    assert_eq!(ok(text_contains(&t("hello yellow"), &t("ello"))), i(1));
    assert_eq!(ok(text_contains(&t("hello yellow"), &t("x"))), i(0));
    assert_eq!(ok(text_has_prefix(&t("hello yellow"), &t("hello"))), i(1));
    assert_eq!(ok(text_has_prefix(&t("hello yellow"), &t("yellow"))), i(0));
    assert_eq!(ok(text_has_suffix(&t("hello yellow"), &t("hello"))), i(0));
    assert_eq!(ok(text_has_suffix(&t("hello yellow"), &t("yellow"))), i(1));
    assert_eq!(ok(text_count(&t("hello yellow"), &t("ello"))), i(2));
    assert_eq!(ok(text_count(&t("aaaa"), &t("aa"))), i(2));
    assert_eq!(ok(text_count(&t("hello yellow"), &t("x"))), i(0));
    assert_eq!(ok(text_like(&t("cóm_ está_"), &t("CÓMO ESTÁS"))), i(1));
    assert_eq!(ok(text_like(&t("ça%"), &t("Ça roule"))), i(1));
}

#[test]
fn like_percent_matches_any_run_of_characters() {
    let m = |p: &str, s: &str| like(&p.chars().collect::<Vec<_>>(), &s.chars().collect::<Vec<_>>());
    assert!(m("%a", "a") && m("a%b", "ab") && m("%", "") && m("a%", "a") && m("%%a", "xa") && m("a%%b", "ab"));
    assert!(m("%b", "ab") && m("_%", "a") && m("%l_o%", "hello") && m("ΣΑΣ", "σας"));
    assert!(!m("_", "") && !m("a", "ab") && !m("%x", "ab") && !m("a_", "a") && !m("", "a"));
}

#[test]
fn split_and_join() {
    assert_eq!(ok(text_split(&t("one|two|three"), &t("|"), &i(2))), t("two"));
    assert_eq!(ok(text_split(&t("one|two|three"), &t("|"), &i(-1))), t("three"));
    assert_eq!(ok(text_split(&t("one|two|three"), &t(";"), &i(2))), t(""));
    assert_eq!(ok(text_split(&t("a"), &t("abc"), &i(1))), t(""), "a separator longer than the string");
    assert_eq!(ok(text_split(&t("abc"), &t(""), &i(-1))), t("abc"));
    assert_eq!(ok(text_split(&t("a,b,,c"), &t(","), &i(1 << 31))), t(""));
    assert_eq!(ok(text_concat(&[t("one"), t("two"), t("three")])), t("onetwothree"));
    assert_eq!(ok(text_concat(&[t("one"), Value::Null, t("three")])), t("onethree"));
    assert_eq!(ok(text_concat(&[Value::Null, i(1), Value::Real(2.5)])), t("12.5"));
    assert_eq!(ok(text_join(&[t("|"), t("one"), t("two")])), t("one|two"));
    assert_eq!(ok(text_join(&[t("|"), t("one"), Value::Null, t("three")])), t("one|three"));
    assert_eq!(ok(text_join(&[Value::Null, t("one")])), Value::Null);
    assert_eq!(ok(text_repeat(&t("one"), &i(3))), t("oneoneone"));
    assert_eq!(ok(text_repeat(&t("ab"), &i(-1))), t(""));
    assert_eq!(ok(text_repeat(&t(""), &i(i64::from(i32::MAX)))), t(""));
    assert_eq!(text_repeat(&t("abc"), &i(i64::from(i32::MAX))).unwrap_err().code, codes::TOOBIG);
}

#[test]
fn results_end_at_the_first_nul_where_sqleans_do() {
    let blob = |b: &[u8]| Value::Blob(b.to_vec());
    assert_eq!(ok(text_concat(&[t("a"), blob(b"b\0z"), t("c")])), t("ab"));
    assert_eq!(ok(text_replace_all(&blob(b"ab\0b"), &t("b"), &t("x"))), t("ax"));
    assert_eq!(ok(text_reverse(&t("ab\0c"))), t("ba"));
    assert_eq!(ok(text_size(&blob(b"a\0bc"))), i(4));
    assert_eq!(ok(text_length(&blob(b"a\0bc"))), i(1));
    assert_eq!(ok(text_upper(&blob(b"a\0bc"))), t("A\0bc"), "case functions keep what follows the NUL");
    assert_eq!(ok(text_count(&blob(b"a\0b\0"), &blob(b"\0"))), i(2));
    assert_eq!(ok(text_repeat(&t("a\0b"), &i(3))), t("a"));
}

#[test]
fn trim_and_pad() {
    assert_eq!(ok(text_ltrim(&[t("  hello")])), t("hello"));
    assert_eq!(ok(text_ltrim(&[t("273hello"), t("123456789")])), t("hello"));
    assert_eq!(ok(text_rtrim(&[t("hello  ")])), t("hello"));
    assert_eq!(ok(text_rtrim(&[t("hello273"), t("123456789")])), t("hello"));
    assert_eq!(ok(text_trim(&[t("  hello  ")])), t("hello"));
    assert_eq!(ok(text_trim(&[t("273hello273"), t("123456789")])), t("hello"));
    assert_eq!(ok(text_trim(&[t("xxhixx"), t("")])), t("xxhixx"));
    assert_eq!(ok(text_trim(&[t("   ")])), t(""));
    assert_eq!(ok(text_lpad(&[t("hello"), i(7)])), t("  hello"));
    assert_eq!(ok(text_lpad(&[t("hello"), i(7), t("*")])), t("**hello"));
    assert_eq!(ok(text_rpad(&[t("hello"), i(7)])), t("hello  "));
    assert_eq!(ok(text_rpad(&[t("hello"), i(7), t("*")])), t("hello**"));
    assert_eq!(ok(text_lpad(&[t("hello"), i(3)])), t("hel"));
    assert_eq!(ok(text_rpad(&[t("hello"), i(3)])), t("hel"));
    assert_eq!(ok(text_lpad(&[t("hi"), i(5), t("ab")])), t("abahi"));
    assert_eq!(ok(text_lpad(&[t("hi"), i(5), t("")])), t("hi"));
    assert_eq!(ok(text_lpad(&[t("日本"), i(5), t("🙂x")])), t("🙂x🙂日本"));
    assert_eq!(text_lpad(&[t("hi"), i(i64::from(i32::MAX))]).unwrap_err().code, codes::TOOBIG);
    assert_eq!(text_rpad(&[t("hi"), i(i64::from(i32::MAX)), t("🙂")]).unwrap_err().code, codes::TOOBIG);
    assert_eq!(ok(text_rpad(&[t("é"), i(4), t("🙂ab")])), t("é🙂ab"));
}

#[test]
fn change_case() {
    assert_eq!(ok(text_upper(&t("cómo estás"))), t("CÓMO ESTÁS"));
    assert_eq!(ok(text_lower(&t("CÓMO ESTÁS"))), t("cómo estás"));
    assert_eq!(ok(text_title(&t("cómo estás"))), t("Cómo Estás"));
    assert_eq!(ok(text_casefold(&t("ΣΑΣ ς"))), t("σασ σ"));
    assert_eq!(ok(text_upper(&Value::Real(1e100))), t("1.0E+100"));
    assert_eq!(ok(text_upper(&t("ɐb"))), t("ⱯB"), "a longer upper case form does not eat the next character");
}

#[test]
fn nocase_collation() {
    assert_eq!(text_nocase("cómo estás", "CÓMO ESTÁS"), Ordering::Equal);
    assert_eq!(text_nocase("a", "B"), Ordering::Less);
    assert_eq!(text_nocase("ab", "a"), Ordering::Greater);
    assert_eq!(text_nocase("\u{212A}", "k"), Ordering::Greater, "equal characters, but 3 bytes against 1");
    assert_eq!(text_nocase("a\0x", "a\0y"), Ordering::Equal, "sqlean stops at a NUL in the second");
}

#[test]
fn other_modifications() {
    assert_eq!(ok(text_replace_all(&t("hello"), &t("l"), &t("*"))), t("he**o"));
    assert_eq!(ok(text_replace_n(&t("hello"), &t("l"), &t("*"), &i(1))), t("he*lo"));
    assert_eq!(ok(text_replace_n(&t("abc"), &t("b"), &t("x"), &i(-1))), t("abc"));
    assert_eq!(ok(text_replace_all(&t("abc"), &t(""), &t("x"))), t("abc"));
    assert_eq!(ok(text_replace_all(&t("aaaa"), &t("aa"), &t("b"))), t("bb"));
    assert_eq!(ok(text_translate(&t("hello"), &t("ol"), &t("01"))), t("he110"));
    assert_eq!(ok(text_translate(&t("hello"), &t("ol"), &t("0"))), t("he0"));
    assert_eq!(ok(text_translate(&t("hello"), &t("lol"), &t("01"))), t("he001"));
    assert_eq!(ok(text_reverse(&t("hello"))), t("olleh"));
    assert_eq!(ok(text_reverse(&t("héllo"))), t("olléh"));
}

#[test]
fn string_properties() {
    assert_eq!(ok(text_length(&t("𐌀𐌁𐌂"))), i(3));
    assert_eq!(ok(text_size(&t("𐌀𐌁𐌂"))), i(12));
    assert_eq!(ok(text_bitsize(&t("one"))), i(24));
    assert_eq!(ok(text_length(&Value::Real(1e100))), i(8));
    assert_eq!(ok(text_size(&i(i64::MAX))), i(19));
    assert_eq!(ok(text_bitsize(&Value::Real(-2.25))), i(40));
}
