use super::*;

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

fn substr(source: &str, pattern: &str) -> Option<String> {
    regexp_substr(&text(source), &text(pattern)).unwrap()
}

fn replace(source: &str, pattern: &str, replacement: &str) -> Value {
    regexp_replace(&text(source), &text(pattern), &text(replacement)).unwrap()
}

#[test]
fn docs_examples() {
    assert_eq!(regexp_operator(&text("[0-9]+"), &text("the year is 2021")), Ok(1));
    assert_eq!(regexp_like(&text("the year is 2021"), &text("[0-9]+")), Ok(1));
    assert_eq!(regexp_like(&text("the year is 2021"), &text("2k21")), Ok(0));
    assert_eq!(substr("the year is 2021", "[0-9]+").as_deref(), Some("2021"));
    assert_eq!(substr("the year is 2021", "2k21"), None);
    let capture = |n| regexp_capture_group(&text("years is 2021"), &text(r"\d\d(\d\d)"), &Value::Integer(n)).unwrap();
    assert_eq!(capture(0).as_deref(), Some("2021"));
    assert_eq!(capture(1).as_deref(), Some("21"));
    assert_eq!(replace("the year is 2021", "[0-9]+", "2050"), text("the year is 2050"));
    assert_eq!(replace("the year is 2021", "2k21", "2050"), text("the year is 2021"));
    assert_eq!(replace("the year is 2021", "([0-9]+)", "$1 or 2050"), text("the year is 2021 or 2050"));
    assert_eq!(substr("the YEAR is 2021", "year"), None);
    assert_eq!(substr("the YEAR is 2021", "(?i)year").as_deref(), Some("YEAR"));
    assert_eq!(regexp_like(&text("abcdef"), &text("b.d")), Ok(1));
    assert_eq!(regexp(Some(r"1\d*7$"), Some("1237")), Ok(Some(1)), "for Rust callers");
    assert_eq!(regexp(Some("x"), None), Ok(Some(0)));
}

#[test]
fn nulls_as_sqlean_has_them() {
    assert_eq!(regexp_like(&Value::Null, &text("a")), Ok(0));
    assert_eq!(regexp_like(&Value::Null, &Value::Null), Ok(0));
    assert_eq!(regexp_operator(&text("a"), &Value::Null), Ok(0));
    assert!(regexp_operator(&Value::Null, &text("a")).is_err());
    assert!(regexp_like(&text("a"), &Value::Null).is_err());
    assert_eq!(regexp_substr(&Value::Null, &Value::Null), Ok(None));
    assert_eq!(regexp_capture_group(&Value::Null, &text("a"), &text("x")), Ok(None));
    assert!(regexp_capture_group(&text("a"), &text("a"), &Value::Real(1.0)).is_err());
    assert!(regexp_capture_group(&text("a"), &text("a"), &Value::Null).is_err());
    assert_eq!(regexp_replace(&Value::Null, &text("a"), &text("b")), Ok(Value::Null));
    assert_eq!(regexp_replace(&text("a"), &text("("), &Value::Null), Ok(text("a")), "a NULL replacement: before the pattern is read");
    assert!(regexp_replace(&text("a"), &Value::Null, &Value::Null).is_err());
}

#[test]
fn numbers_blobs_and_nuls() {
    assert_eq!(regexp_substr(&Value::Integer(12345), &text("3.")), Ok(Some("34".into())));
    assert_eq!(regexp_like(&Value::Real(1.5), &text(r"\.")), Ok(1));
    assert_eq!(regexp_replace(&Value::Integer(123), &text("x"), &text("y")), Ok(Value::Integer(123)), "unchanged keeps its type");
    assert_eq!(regexp_replace(&Value::Real(1.5), &text("5"), &text("7")), Ok(text("1.7")));
    assert_eq!(regexp_replace(&Value::Blob(b"abc".to_vec()), &text("z"), &text("y")), Ok(text("abc")), "a blob comes back as text");
    assert_eq!(regexp_replace(&Value::Blob(vec![0x61, 0xff]), &text("a"), &text("b")), Ok(Value::Blob(vec![0x61, 0xff])));
    assert_eq!(regexp_like(&Value::Blob(vec![0x61, 0xff]), &text("a")), Ok(0), "not UTF-8: no match");
    let nul = Value::Blob(b"a\0b".to_vec());
    assert_eq!(regexp_like(&nul, &text("b")), Ok(0), "the text ends at the NUL");
    assert_eq!(regexp_replace(&nul, &text("a"), &text("c")), Ok(text("c")));
    assert_eq!(regexp_like(&text("ab"), &text("a\0b")), Ok(1), "so does the pattern");
    assert!(regexp_like(&text("a"), &Value::Blob(vec![0xff])).is_err());
}

#[test]
fn captures_count_to_the_last_group_that_took_part() {
    let capture = |pattern: &str, n| regexp_capture_group(&text("abc"), &text(pattern), &Value::Integer(n)).unwrap();
    assert_eq!(capture("(b)", -1), None);
    assert_eq!(capture("(b)", 5), None);
    assert_eq!(capture("(z)?(b)", 1).as_deref(), Some(""), "unset, but a later group is set");
    assert_eq!(capture("(b)(z)?", 2), None);
    assert_eq!(regexp_capture_whole(&text("key=value"), &text(r"\w+")).unwrap().as_deref(), Some("key"));
}

#[test]
fn replacements_pcre_style() {
    assert_eq!(replace("axxb", "x*", "-"), text("-a--b-"));
    assert_eq!(replace("aaa", "a*?", "-"), text("-------"));
    assert_eq!(replace("héllo", "", "-"), text("-h-é-l-l-o-"));
    assert_eq!(replace("a\n", "$", "<"), text("a<\n<"));
    assert_eq!(replace("a\n", "(?m)^", ">"), text(">a\n"));
    assert_eq!(replace("abc", "(b)|(z)", "[$2]"), text("abc"), "an unset group: unchanged");
    assert_eq!(replace("abc", "b", "$2"), text("abc"), "no such group: unchanged");
    assert_eq!(replace("abc", "(b)", r"\U$1x\E"), text("aBXc"));
    assert_eq!(replace("straße", "(ß)", r"\U$1"), text("straẞe"));
    assert_eq!(replace("2024-01-31", r"(\d+)-(\d+)-(\d+)", "$3.$2.$1"), text("31.01.2024"));
    let long = "a".repeat(2000);
    assert_eq!(replace(&long, "a", "bb"), text(&"b".repeat(4000)), "no output limit");
}

#[test]
fn pcre_syntax() {
    assert_eq!(regexp_like(&text("ab"), &text("(?<=a)b")), Ok(1));
    assert_eq!(regexp_like(&text("abab"), &text(r"^(ab)\1$")), Ok(1));
    assert_eq!(regexp_like(&text("aab"), &text("(?>a+)b")), Ok(1));
    assert_eq!(regexp_like(&text("a\n"), &text("a$")), Ok(1));
    assert_eq!(regexp_like(&text("a\n\n"), &text("a$")), Ok(0));
    assert_eq!(regexp_like(&text("x{"), &text("x{")), Ok(1));
    assert_eq!(regexp_like(&text("<a>"), &text(r"\<a\>")), Ok(1));
    assert_eq!(regexp_like(&text("²"), &text(r"^\w$")), Ok(1));
    assert_eq!(regexp_like(&text("é"), &text("^[[:alpha:]]$")), Ok(1));
    assert_eq!(regexp_like(&text("a]"), &text("[]a]+")), Ok(1));
    assert_eq!(regexp_like(&text("a.b"), &text(r"\Qa.b\E")), Ok(1));
    assert_eq!(regexp_like(&text("axb"), &text(r"\Qa.b\E")), Ok(0));
    let err = regexp_like(&text("x"), &text("(")).unwrap_err();
    assert!(err.message.starts_with("regexp_like(): invalid regular expression '(': "), "{}", err.message);
    assert!(regexp_like(&text("x"), &text(r"[\d-z]")).is_err());
}

fn matches(text: &str, pattern: &str) -> Vec<(String, i64, i64)> {
    regexp_matches(Some(text.into()), Some(pattern.into())).unwrap().map(Result::unwrap).collect()
}

#[test]
fn matches_stream_with_character_positions() {
    assert_eq!(matches("a1 bb22 ccc333", r"\d+"), [("1".into(), 2, 3), ("22".into(), 6, 8), ("333".into(), 12, 15)]);
    assert_eq!(matches("größe 12", r"\d+"), [("12".into(), 7, 9)], "positions count characters, not bytes");
    assert_eq!(matches("axxb", "x*"), [("".into(), 1, 1), ("xx".into(), 2, 4), ("".into(), 4, 4), ("".into(), 5, 5)]);
    assert_eq!(matches("abc", r"\d"), []);
    assert_eq!(regexp_matches(None, Some("x".into())).unwrap().count(), 0);
    assert_eq!(regexp_matches(Some("x".into()), None).unwrap().count(), 0);
    assert!(regexp_matches(Some("x".into()), Some("(".into())).is_err());
}
