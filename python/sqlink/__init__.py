"""sqlink in Python's sqlite3: SQLite extensions built as sandboxed WebAssembly components.

    import sqlite3, sqlink
    conn = sqlite3.connect(":memory:")
    sqlink.load(conn, "md5")
    conn.execute("SELECT md5('abc')").fetchone()

`load` loads libsqlink (the loadable extension in this package) into the connection, then
the extensions named: a bundled one (uuid, md5, snake, stats, regexp, crypto, text, unicode, fuzzy, math, time, ipaddr, fileio), a name found on
SQLINK_PATH, or the path of a .wasm component. In SQL the same is
`SELECT sqlink_load('md5')`, `sqlink_unload('md5')` and `sqlink_extensions()`.
"""

import json
import sqlite3
import sys
from pathlib import Path

__all__ = ["load", "unload", "extensions", "loadable_path"]

_LIBRARY = {"darwin": "libsqlink.dylib", "win32": "sqlink.dll"}.get(sys.platform, "libsqlink.so")


def loadable_path() -> str:
    """The path of libsqlink, for `conn.load_extension` or the sqlite3 shell's `.load`."""
    return str(Path(__file__).resolve().parent / _LIBRARY)


def load(conn: sqlite3.Connection, *extensions: str, **grants) -> list:
    """Load libsqlink into `conn` (once), then each extension; returns their names.

    `grants` are the sandbox's options for these extensions, as the sqlink shell's flags:
    allow_dir (a path or a list of paths), allow_env, allow_clock (booleans),
    timeout_ms, memory_mib (integers). They are the program's to give: SQL's own
    `sqlink_load()` may only narrow the sandbox unless the program lets the connection's
    SQL load extensions, so `load` enables extension loading for its own statements and
    restores the connection's setting after. An extension may not replace the connection's
    own functions (SQLite's `upper`, or the program's): SQLite refuses that while a
    statement runs, and loading runs in one.
    """
    # Without the switch (a sqlite3 built without extension loading), libsqlink may still be
    # there, put into every connection by the operator (SQLINK_AUTOLOAD and the preload shim).
    switch = hasattr(conn, "enable_load_extension")
    if not switch and not _has_sqlink(conn):
        raise RuntimeError(
            "this Python's sqlite3 cannot load extensions "
            "(it was built without --enable-loadable-sqlite-extensions)"
        )
    was_enabled = switch and _loading_enabled(conn)
    if switch:
        conn.enable_load_extension(True)
    try:
        if not _has_sqlink(conn):
            conn.load_extension(loadable_path())
        options = json.dumps(grants) if grants else None
        return [conn.execute("SELECT sqlink_load(?, ?)", (name, options)).fetchone()[0] for name in extensions]
    finally:
        if switch:
            conn.enable_load_extension(was_enabled)


def unload(conn: sqlite3.Connection, name: str) -> None:
    """Unload extension `name` from `conn`."""
    conn.execute("SELECT sqlink_unload(?)", (name,))


def extensions(conn: sqlite3.Connection) -> list:
    """What is loaded on `conn`: each extension's name, version, source, contract (the
    sqlite:extension version it was built against and the interfaces of it it exports) and
    functions."""
    return json.loads(conn.execute("SELECT sqlink_extensions()").fetchone()[0])


def _has_sqlink(conn: sqlite3.Connection) -> bool:
    try:
        conn.execute("SELECT sqlink_extensions()")
        return True
    except sqlite3.OperationalError:
        return False


def _loading_enabled(conn: sqlite3.Connection) -> bool:
    # SQLite has no call that reads the setting, but its load_extension() refuses only when
    # loading is off, and given NULL it loads nothing.
    try:
        conn.execute("SELECT load_extension(NULL)")
        return True
    except sqlite3.DatabaseError:
        return False
