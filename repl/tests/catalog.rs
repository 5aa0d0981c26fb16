//! Every bundled extension loads and answers, in the REPL and embedded in a native SQLite,
//! with the query extensions/examples.txt gives for it (the other hosts' tests run the
//! same file). Each module's own behaviour is tested against sqlean.py in
//! python/tests/test_catalog_*.py.

mod common;

use rusqlite::Connection;
use sqlink_host::cache::ComponentCache;
use sqlink_host::embed::Extensions;
use sqlink_host::embedded;
use sqlink_host::extension::ExtensionEngine;

/// (module, query, expected value as text), as extensions/examples.txt lists them.
fn examples() -> Vec<(String, String, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../extensions/examples.txt");
    let text = std::fs::read_to_string(path).expect("extensions/examples.txt");
    text.lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(fields.len(), 3, "module, query and value, tab-separated: {line:?}");
            (fields[0].to_owned(), fields[1].to_owned(), fields[2].to_owned())
        })
        .collect()
}

#[test]
fn every_bundled_extension_has_an_example() {
    let covered: Vec<String> = examples().into_iter().map(|(module, _, _)| module).collect();
    let bundled: Vec<&str> = embedded::names().collect();
    assert_eq!(covered, bundled, "extensions/examples.txt names each bundled extension once, in the list's order");
}

#[test]
fn each_module_answers_in_the_repl() {
    let mut script = String::new();
    let mut expected = String::new();
    for (module, query, value) in examples() {
        // `md5` and `crypto` both define md5(): one at a time, as the conflict rule says.
        if module == "crypto" {
            script.push_str(".unload md5\n");
        }
        script.push_str(&format!(".load {module}\n{query};\n"));
        expected.push_str(&value);
        expected.push('\n');
    }
    let run = common::sqlink(&script);
    // A module naming functions this SQLite has (text's ltrim(), unicode's upper()) says
    // which it kept; nothing else may be on stderr.
    let errors: Vec<&str> = run.stderr.lines().filter(|line| !line.contains(": kept this SQLite's own ")).collect();
    assert_eq!(errors, Vec::<&str>::new());
    assert_eq!(run.stdout, expected);
    assert_eq!(run.code, 0);
}

#[test]
fn each_module_answers_embedded() {
    let mut extensions = Extensions::new(ExtensionEngine::new(ComponentCache::disabled()).unwrap());
    let conn = Connection::open_in_memory().unwrap();
    for (module, query, value) in examples() {
        // `md5` and `crypto` both define md5(): one at a time, as the conflict rule says.
        if module == "crypto" {
            extensions.unload(&conn, "md5").unwrap();
        }
        let bytes = embedded::extension(&module).expect("built by `cargo xtask build`");
        extensions.load(&conn, bytes, embedded::sandbox(&module), "bundled").unwrap_or_else(|e| panic!("{module}: {e}"));
        let answer: String = conn
            .query_row(&query, [], |row| {
                Ok(match row.get_ref(0)? {
                    rusqlite::types::ValueRef::Integer(i) => i.to_string(),
                    rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    other => format!("{other:?}"),
                })
            })
            .unwrap_or_else(|e| panic!("{module}: {query}: {e}"));
        assert_eq!(answer, value, "{module}: {query}");
    }
}
