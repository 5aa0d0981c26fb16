//! The example extensions as built components: load each with wasmtime, read its
//! metadata, and call every function with good, NULL and wrong-type arguments.

use sqlink_host::bindings::{Error, Value};
use sqlink_host::cache::ComponentCache;
use sqlink_host::embedded;
use sqlink_host::extension::{Extension, ExtensionEngine};

fn load(name: &str) -> Extension {
    let engine = ExtensionEngine::new(ComponentCache::disabled()).unwrap();
    let bytes = embedded::extension(name).expect("built by `cargo xtask build`");
    let sandbox = embedded::sandbox(name);
    Extension::load(&engine, bytes, sandbox).unwrap()
}

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

/// Call scalar `name` by its metadata id.
fn call(ext: &mut Extension, name: &str, args: &[Value]) -> Result<Value, Error> {
    let id = ext.info().scalars.iter().find(|f| f.name == name).unwrap_or_else(|| panic!("no {name}")).id;
    ext.call_scalar(id, args)
}

fn ok_text(result: Result<Value, Error>) -> String {
    match result {
        Ok(Value::Text(s)) => s,
        other => panic!("expected text, got {other:?}"),
    }
}

fn mismatch(result: Result<Value, Error>, expected: &str) {
    match result {
        Err(e) => {
            assert_eq!(e.code, 20, "SQLITE_MISMATCH: {}", e.message);
            assert_eq!(e.message, expected);
        }
        Ok(v) => panic!("expected an error, got {v:?}"),
    }
}

#[test]
fn md5_metadata_and_calls() {
    let mut ext = load("md5");
    let info = ext.info().clone();
    assert_eq!(info.name, "md5");
    let md5 = info.scalars.iter().find(|f| f.name == "md5").unwrap();
    assert_eq!(md5.arity, 1);
    assert!(md5.flags.contains(sqlink_host::bindings::FunctionFlags::DETERMINISTIC));
    assert!(md5.doc.contains("MD5"), "{}", md5.doc);

    assert_eq!(ok_text(call(&mut ext, "md5", &[text("abc")])), "900150983cd24fb0d6963f7d28e17f72");
    assert_eq!(ok_text(call(&mut ext, "md5", &[Value::Blob(b"abc".to_vec())])), "900150983cd24fb0d6963f7d28e17f72");
    assert_eq!(ok_text(call(&mut ext, "md5", &[text("")])), "d41d8cd98f00b204e9800998ecf8427e");
    assert_eq!(call(&mut ext, "md5", &[Value::Null]).unwrap(), Value::Null);
    // Numbers are hashed as their SQLite text, as md5('1') and md5('1.5').
    assert_eq!(ok_text(call(&mut ext, "md5", &[Value::Integer(1)])), "c4ca4238a0b923820dcc509a6f75849b");
    assert_eq!(ok_text(call(&mut ext, "md5", &[Value::Real(1.5)])), "6008647277c4454cecd97d33c069f0ca");
}

#[test]
fn snake_styles() {
    let mut ext = load("snake");
    let names: Vec<_> = ext.info().scalars.iter().map(|f| f.name.clone()).collect();
    for expected in [
        "to_snake_case",
        "to_kebab_case",
        "to_lower_camel_case",
        "to_upper_camel_case",
        "to_shouty_snake_case",
        "to_title_case",
        "to_train_case",
    ] {
        assert!(names.contains(&expected.to_owned()), "{expected} missing from {names:?}");
    }
    let cases = [
        ("to_snake_case", "HelloWorld", "hello_world"),
        ("to_kebab_case", "HelloWorld", "hello-world"),
        ("to_lower_camel_case", "hello_world", "helloWorld"),
        ("to_upper_camel_case", "hello_world", "HelloWorld"),
        ("to_shouty_snake_case", "HelloWorld", "HELLO_WORLD"),
        ("to_title_case", "hello_world", "Hello World"),
        ("to_train_case", "hello_world", "Hello-World"),
    ];
    for (function, input, output) in cases {
        assert_eq!(ok_text(call(&mut ext, function, &[text(input)])), output, "{function}({input})");
        assert_eq!(call(&mut ext, function, &[Value::Null]).unwrap(), Value::Null, "{function}(NULL)");
        // A blob converts to text only when it is UTF-8.
        let from_blob = ok_text(call(&mut ext, function, &[Value::Blob(input.as_bytes().to_vec())]));
        assert_eq!(from_blob, output, "{function} of {input} as a blob");
        mismatch(call(&mut ext, function, &[Value::Blob(vec![0xff])]), &format!("{function}(): argument 1 must be text, got blob"));
    }
}

#[test]
fn uuid_versions_and_round_trips() {
    let mut ext = load("uuid");
    let info = ext.info().clone();
    for name in ["uuid", "uuid4", "uuid7"] {
        let f = info.scalars.iter().find(|f| f.name == name).unwrap();
        assert_eq!(f.arity, 0);
        assert!(!f.flags.contains(sqlink_host::bindings::FunctionFlags::DETERMINISTIC), "{name} must not be deterministic");
    }
    let v4 = ok_text(call(&mut ext, "uuid4", &[]));
    assert_eq!(v4.len(), 36);
    assert_eq!(&v4[14..15], "4", "{v4}");
    assert!(matches!(&v4[19..20], "8" | "9" | "a" | "b"), "variant nibble of {v4}");
    assert_ne!(ok_text(call(&mut ext, "uuid", &[])), ok_text(call(&mut ext, "uuid", &[])));

    let v7 = ok_text(call(&mut ext, "uuid7", &[]));
    assert_eq!(&v7[14..15], "7", "{v7}");
    let ts = match call(&mut ext, "uuid7_timestamp_ms", &[text(&v7)]).unwrap() {
        Value::Integer(ts) => ts,
        other => panic!("{other:?}"),
    };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    assert!((now - ts).abs() < 60_000, "timestamp {ts} vs now {now}");
    assert_eq!(call(&mut ext, "uuid7_timestamp_ms", &[text(&v4)]).unwrap(), Value::Null, "v4 has no timestamp");

    let blob = match call(&mut ext, "uuid_blob", &[text(&v4.to_uppercase())]).unwrap() {
        Value::Blob(b) => b,
        other => panic!("{other:?}"),
    };
    assert_eq!(blob.len(), 16);
    assert_eq!(ok_text(call(&mut ext, "uuid_str", &[Value::Blob(blob.clone())])), v4);
    assert_eq!(call(&mut ext, "uuid_blob", &[Value::Blob(blob.clone())]).unwrap(), Value::Blob(blob));
    assert_eq!(ok_text(call(&mut ext, "uuid_str", &[text(&v4.replace('-', ""))])), v4);

    // Invalid input gives NULL, as in sqlean.
    for bad in [text("nope"), Value::Blob(vec![1, 2, 3]), Value::Integer(7), Value::Real(0.5), Value::Null] {
        for f in ["uuid_str", "uuid_blob", "uuid7_timestamp_ms"] {
            assert_eq!(call(&mut ext, f, std::slice::from_ref(&bad)).unwrap(), Value::Null, "{f}({bad:?})");
        }
    }
}

#[test]
fn wrong_arity_is_an_error_not_a_trap() {
    let mut ext = load("md5");
    let err = call(&mut ext, "md5", &[]).unwrap_err();
    assert_eq!(err.message, "md5(): expected 1 arguments, got 0");
    // The instance is still usable.
    assert_eq!(ok_text(call(&mut ext, "md5", &[text("a")])), "0cc175b9c0f1b6a831c399e269772661");
}
