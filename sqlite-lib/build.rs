//! Compiles the functions the sqlite3 shell builds into itself (generate_series, sha3,
//! decimal, ...) beside SQLite, from SQLite's own public-domain sources.
//!
//! Those sources are SQLite's `ext/misc/*.c`, which SQLite's amalgamation leaves out and
//! its `shell.c` carries inline, each between `Begin ext/misc/NAME.c` and `End ...`
//! markers. No crate ships a recent `shell.c`; the npm package below ships SQLite's
//! amalgamation with `shell.c` (3.53.4) for its own native build. It is fetched with npm
//! (pinned by version and the registry's integrity hash; its install scripts never run)
//! into OUT_DIR, and the chosen files are cut out of `shell.c` unchanged.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The npm package carrying SQLite's `shell.c`, its registry integrity, and where in it.
const PACKAGE: &str = "@appthreat/sqlite3@9.0.2";
const INTEGRITY: &str = "sha512-i/TUHpgZT210LsP47WSnOuUp8mCfJpuZ3VTiUYue54h4TR23NHbMJm8hbtD5Aq3CMjd5xg3+tTCRyvn0oEq32g==";
const TARBALL: &str = "appthreat-sqlite3-9.0.2.tgz";
const SHELL_C: &str = "package/deps/sqlite-amalgamation-3530400/shell.c";

/// The shell's built-in extensions the runtime carries, in the order the shell initializes
/// them, with their init functions. Left out: regexp.c (the catalog's `regexp` extension
/// provides `regexp()`), fileio.c and completion.c (files go through the catalog's
/// `fileio` and its grants; completion serves the shell's line editor). zipfile.c and
/// sqlar.c use zlib, which `libz-sys` compiles from its C sources.
const BUILT_INS: &[(&str, &str)] = &[
    ("sha1.c", "sqlite3_sha_init"),
    ("shathree.c", "sqlite3_shathree_init"),
    ("uint.c", "sqlite3_uint_init"),
    ("stmtrand.c", "sqlite3_stmtrand_init"),
    ("decimal.c", "sqlite3_decimal_init"),
    ("base64.c", "sqlite3_base64_init"),
    ("base85.c", "sqlite3_base85_init"),
    ("ieee754.c", "sqlite3_ieee_init"),
    ("series.c", "sqlite3_series_init"),
    ("zipfile.c", "sqlite3_zipfile_init"),
    ("sqlar.c", "sqlite3_sqlar_init"),
];

/// SQLite's VFS shims the shell registers once at start (not per connection), compiled the
/// same way: appendvfs.c (`apndvfs`, a database at the end of another file: `.open --append`,
/// `.backup --append`), registered by `shell_builtins::install`.
const VFS_SHIMS: &[&str] = &["appendvfs.c"];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    // Only the wasm runtime carries them; a host build of this crate (clippy on the host,
    // `cargo test --workspace`) compiles nothing.
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() != Ok("wasm32") {
        return;
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let shell_c = fetch_shell_c(&out);
    let shell = std::fs::read_to_string(&shell_c).unwrap_or_else(|e| panic!("reading {}: {e}", shell_c.display()));

    let mut source = String::from(PRELUDE);
    for file in VFS_SHIMS {
        source.push_str(section(&shell, &format!("ext/misc/{file}")));
    }
    for (file, _) in BUILT_INS {
        source.push_str(&section(&shell, &format!("ext/misc/{file}")).replace(SERIES_LIMIT.0, SERIES_LIMIT.1));
    }
    source.push_str(
        "\n/* Installed for every connection (sqlite3_auto_extension), as the shell does for its own. */\n\
         int sqlink_shell_builtins(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi){\n  int rc = SQLITE_OK;\n",
    );
    for (_, init) in BUILT_INS {
        source.push_str(&format!("  if( rc==SQLITE_OK ) rc = {init}(db, pzErrMsg, pApi);\n"));
    }
    source.push_str("  return rc;\n}\n");
    let generated = out.join("shell_builtins.c");
    std::fs::write(&generated, source).expect("writing shell_builtins.c");

    let include = std::env::var("DEP_SQLITE3_INCLUDE").expect("libsqlite3-sys (bundled) names its sqlite3.h");
    let zlib_include = std::env::var("DEP_Z_INCLUDE").expect("libz-sys (static) names its zlib.h");
    cc::Build::new()
        .file(&generated)
        .include(include)
        .include(zlib_include)
        // As SQLite itself is built: no assertions, which would abort the runtime.
        .define("NDEBUG", None)
        // Their own code, as SQLite ships it: silence what its style trips.
        .warnings(false)
        .flag("-Wno-unused-function")
        .compile("sqlink_shell_builtins");
}

/// The one change to SQLite's code: generate_series under `ORDER BY value DESC LIMIT N`
/// with an ascending step (3.52 and 3.53) puts the last value past the first in the wrong
/// direction, so the series never reaches it (an assertion, or rows until the integers run
/// out). Applied where the line is as quoted; a newer version that fixed it is used as is.
const SERIES_LIMIT: (&str, &str) = (
    "pCur->iTerm = add64(pCur->iBase, (iLimit - 1)*pCur->iStep);",
    "pCur->iTerm = pCur->bDesc ? sub64(pCur->iBase, (iLimit - 1)*pCur->iStep)\n                             : add64(pCur->iBase, (iLimit - 1)*pCur->iStep);",
);

/// What the shell defines before the sections (its integer types and helpers); they include
/// `sqlite3ext.h` only when built as loadable extensions, which these are not.
const PRELUDE: &str = "#include <stdlib.h>\n#include <string.h>\n#include <stdio.h>\n#include <assert.h>\n\
#include <math.h>\n#include <stdint.h>\n#include <ctype.h>\n#include <stdarg.h>\n#include \"sqlite3.h\"\n\
typedef sqlite3_int64 i64;\ntypedef sqlite3_uint64 u64;\ntypedef unsigned int u32;\ntypedef unsigned short int u16;\n\
typedef unsigned char u8;\n#define UNUSED_PARAMETER(x) (void)(x)\n#define ArraySize(X) (int)(sizeof(X)/sizeof(X[0]))\n\
#define deliberate_fall_through __attribute__((fallthrough));\n\
#define SQLITE_EXTENSION_INIT1\n#define SQLITE_EXTENSION_INIT2(X) (void)(X)\n";

/// The text of `file` as `shell.c` carries it.
fn section<'a>(shell: &'a str, file: &str) -> &'a str {
    let begin = format!("/************************* Begin {file} ******************/\n");
    let end = format!("/************************* End {file} ********************/");
    let start = shell.find(&begin).unwrap_or_else(|| panic!("shell.c has no {file}")) + begin.len();
    let stop = start + shell[start..].find(&end).unwrap_or_else(|| panic!("shell.c does not end {file}"));
    &shell[start..stop]
}

/// `shell.c`, fetched once into `out`.
fn fetch_shell_c(out: &Path) -> PathBuf {
    let shell_c = out.join(SHELL_C);
    if shell_c.exists() {
        return shell_c;
    }
    let packed = Command::new("npm")
        .args(["pack", PACKAGE, "--json", "--ignore-scripts", "--pack-destination"])
        .arg(out)
        .output()
        .unwrap_or_else(|e| panic!("SQLite's shell sources come from npm ({PACKAGE}): running npm: {e}; install Node.js and npm"));
    let report = String::from_utf8_lossy(&packed.stdout);
    assert!(packed.status.success(), "npm pack {PACKAGE} failed: {}", String::from_utf8_lossy(&packed.stderr));
    assert!(report.contains(INTEGRITY), "npm pack {PACKAGE}: not the pinned package (integrity {INTEGRITY}): {report}");
    let status = Command::new("tar").arg("-xzf").arg(out.join(TARBALL)).arg("-C").arg(out).arg(SHELL_C).status().expect("running tar");
    assert!(status.success(), "extracting {SHELL_C} from {TARBALL}");
    shell_c
}
