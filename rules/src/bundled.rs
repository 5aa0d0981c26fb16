//! `extensions/bundled.txt`, the one list of the extensions built into every host: read here
//! for the Rust side (the engine library's build script, `cargo xtask`), which writes it out
//! for the page (`target/wasm/bundled.json`).

/// One bundled extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundled {
    /// The name users load it by, and its file's (`NAME.wasm`).
    pub name: String,
    /// Its cargo package.
    pub package: String,
    /// Granted the clock without being asked (`clock`: it reads the time as part of what it is).
    pub grants_clock: bool,
}

/// The list's lines: `NAME PACKAGE [GRANTS...]`, blank lines and `#` comments skipped.
pub fn parse(list: &str) -> Result<Vec<Bundled>, String> {
    list.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let mut words = line.split_whitespace();
            match (words.next(), words.next()) {
                (Some(name), Some(package)) => {
                    Ok(Bundled { name: name.to_owned(), package: package.to_owned(), grants_clock: words.any(|grant| grant == "clock") })
                }
                _ => Err(format!("`{line}` should be `NAME PACKAGE [GRANTS]`")),
            }
        })
        .collect()
}

/// The list as the page reads it: `[{"name": ..., "grantsClock": ...}, ...]`.
pub fn to_json(list: &[Bundled]) -> String {
    let entries: Vec<String> = list
        .iter()
        .map(|bundled| format!("{{\"name\": {}, \"grantsClock\": {}}}", crate::json_quoted(&bundled.name), bundled.grants_clock))
        .collect();
    format!("[{}]\n", entries.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_become_entries() {
        let list = parse("# comment\n\nuuid uuid-ext clock\n md5  md5-ext \n").unwrap();
        assert_eq!(list[0], Bundled { name: "uuid".into(), package: "uuid-ext".into(), grants_clock: true });
        assert_eq!(list[1], Bundled { name: "md5".into(), package: "md5-ext".into(), grants_clock: false });
        assert_eq!(to_json(&list), "[{\"name\": \"uuid\", \"grantsClock\": true}, {\"name\": \"md5\", \"grantsClock\": false}]\n");
        assert!(parse("lonely\n").unwrap_err().contains("NAME PACKAGE"));
    }
}
