//! Strings in double quotes with backslash escapes. As JSON writes them: the same as the
//! page's `JSON.stringify` (so messages naming a bad name read alike in every host) and as
//! sqlite3's shell writes text in `-json` mode (which the REPL's `.mode json` matches); with
//! other escapes for control characters, as the REPL's `.show` writes C strings.

/// `text` in double quotes, with `"`, `\\` and control characters escaped as JSON does
/// (`\b`, `\f`, `\n`, `\r`, `\t`, others `\u00XX`); everything else as it is.
pub fn json_quoted(text: &str) -> String {
    quoted_with(text, |c| match c {
        '\u{8}' => String::from("\\b"),
        '\u{c}' => String::from("\\f"),
        c => format!("\\u{:04x}", u32::from(c)),
    })
}

/// `text` in double quotes with backslash escapes for `"`, `\\`, newline, carriage return and
/// tab, and other control characters (below U+0020) as `control` writes them.
fn quoted_with(text: &str, control: impl Fn(char) -> String) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&control(c)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::json_quoted;

    #[test]
    fn escapes_as_json_does() {
        assert_eq!(json_quoted("a\u{8}\u{c}\u{1}\t\n\r\"\\é\u{7f}"), "\"a\\b\\f\\u0001\\t\\n\\r\\\"\\\\é\u{7f}\"");
        assert_eq!(json_quoted(""), r#""""#);
    }
}
