//! What `define` reads from SQL text itself: the parameters of a body (for a table's hidden
//! columns), and whether the text holds more than one statement. The connection's API
//! compiles and runs statements; it does not name parameters or return the text after the
//! first statement.

/// The parameters of `sql` as SQLite numbers them: `?NNN` is number NNN, a bare `?` the
/// number after the largest so far, and `:name`, `@name`, `$name` the number after the
/// largest so far the first time the name appears. Each entry is the parameter's name
/// without its prefix (`?N` for a numbered or bare one), at index number - 1; numbers no
/// parameter has are `?N` too.
pub fn parameters(sql: &str) -> Vec<String> {
    fn set(names: &mut Vec<Option<String>>, number: usize, name: Option<String>) {
        if names.len() < number {
            names.resize(number, None);
        }
        if names[number - 1].is_none() {
            names[number - 1] = name;
        }
    }
    let mut names: Vec<Option<String>> = Vec::new();
    for token in tokens(sql) {
        let Token::Parameter(text) = token else { continue };
        let (prefix, rest) = text.split_at(1);
        if prefix == "?" {
            let number = if rest.is_empty() { names.len() + 1 } else { rest.parse().unwrap_or(names.len() + 1) };
            if number > 0 {
                set(&mut names, number, None);
            }
        } else if !names.iter().any(|known| known.as_deref() == Some(rest)) {
            let number = names.len() + 1;
            set(&mut names, number, Some(rest.to_owned()));
        }
    }
    names.into_iter().enumerate().map(|(i, name)| name.unwrap_or_else(|| format!("?{}", i + 1))).collect()
}

/// Whether `sql` has anything but white space and comments after its first `;`.
pub fn has_second_statement(sql: &str) -> bool {
    let mut after_end = false;
    for token in tokens(sql) {
        match token {
            Token::End => after_end = true,
            Token::Other if after_end => return true,
            Token::Parameter(_) if after_end => return true,
            _ => {}
        }
    }
    false
}

#[derive(Debug, PartialEq)]
enum Token<'a> {
    Parameter(&'a str),
    /// A `;` outside strings, identifiers and comments.
    End,
    /// Anything else but white space and comments.
    Other,
}

/// The tokens that matter here, skipping strings, quoted identifiers and comments.
fn tokens(sql: &str) -> Vec<Token<'_>> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    // Up to (not including) the next `close` after `from`, doubled closers escaping.
    let skip_quoted = |from: usize, close: u8| {
        let mut j = from;
        while j < bytes.len() {
            if bytes[j] == close {
                if close != b']' && bytes.get(j + 1) == Some(&close) {
                    j += 2;
                    continue;
                }
                return j + 1;
            }
            j += 1;
        }
        bytes.len()
    };
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\'' | b'"' | b'`' => {
                i = skip_quoted(i + 1, b);
                out.push(Token::Other);
            }
            b'[' => {
                i = skip_quoted(i + 1, b']');
                out.push(Token::Other);
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = sql[i..].find('\n').map_or(bytes.len(), |n| i + n + 1);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = sql[i + 2..].find("*/").map_or(bytes.len(), |n| i + 2 + n + 2);
            }
            b';' => {
                out.push(Token::End);
                i += 1;
            }
            b'?' => {
                let mut j = i + 1;
                while j < bytes.len() && bytes[j].is_ascii_digit() {
                    j += 1;
                }
                out.push(Token::Parameter(&sql[i..j]));
                i = j;
            }
            b':' | b'@' | b'$' if bytes.get(i + 1).is_some_and(|&next| word(next)) => {
                let mut j = i + 1;
                while j < bytes.len() && (word(bytes[j]) || (b == b'$' && bytes[j] == b':' && bytes.get(j + 1) == Some(&b':'))) {
                    j += if bytes[j] == b':' { 2 } else { 1 };
                }
                out.push(Token::Parameter(&sql[i..j]));
                i = j;
            }
            _ if b.is_ascii_whitespace() => i += 1,
            _ if word(b) => {
                while i < bytes.len() && word(bytes[i]) {
                    i += 1;
                }
                out.push(Token::Other);
            }
            _ => {
                i += 1;
                out.push(Token::Other);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_numbered_as_sqlite_numbers_them() {
        assert_eq!(parameters(":n * (:n + 1) / 2"), ["n"]);
        assert_eq!(parameters("substr(:s, :start, :len)"), ["s", "start", "len"]);
        assert_eq!(parameters("? + ? + @x + ?5"), ["?1", "?2", "x", "?4", "?5"]);
        assert_eq!(parameters("':a' || \":b\" || [c:d] -- :e\n || /* :f */ $g"), ["g"]);
        assert_eq!(parameters("1"), Vec::<String>::new());
    }

    #[test]
    fn a_second_statement_is_seen_outside_strings_and_comments() {
        assert!(has_second_statement("select 1; select 2"));
        assert!(!has_second_statement("select ';x'; -- done\n /* ; */ "));
        assert!(!has_second_statement("select 1"));
    }
}
