//! Compile-time diagnostics of the SDK's macros: every misuse in `tests/ui` must fail with
//! an error pointing at the offending code (the expected output is in the `.stderr` files);
//! everything in `tests/pass` must compile and run.
//!
//! Regenerate the expected output after an intended change with
//! `TRYBUILD=overwrite cargo test -p sqlink-sdk-macros --test ui`, then read the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    t.pass("tests/pass/*.rs");
}
