"""sqlink in Python's sqlite3: SQLite extensions built as sandboxed WebAssembly components.

    import sqlite3, sqlink
    conn = sqlite3.connect(":memory:")
    sqlink.load(conn, "md5")
    conn.execute("SELECT md5('abc')").fetchone()

`load` loads libsqlink (the loadable extension in this package) into the connection, then
the extensions named: a bundled one (uuid, md5, snake, stats, regexp, crypto, text, unicode, fuzzy, math, time, ipaddr, fileio), a name found on
SQLINK_PATH, or the path of a .wasm component. In SQL the same is
`SELECT sqlink_load('md5')`, `sqlink_unload('md5')` and `sqlink_extensions()`.

In a Python whose sqlite3 cannot load extensions (some self-built ones, macOS's), `connect`
opens the connection with sqlean.py's sqlite3-compatible module instead
(`pip install 'sqlink[sqlean]'`):

    conn = sqlink.connect(":memory:")
    sqlink.load(conn, "md5")
"""

import json
import sqlite3
import sys
from pathlib import Path

__all__ = ["load", "unload", "extensions", "loadable_path", "connect", "dbapi_module"]

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
        raise RuntimeError(_CANNOT_LOAD)
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
    # The connection's own module's error (DB-API's Connection.OperationalError): sqlean's
    # connections raise sqlean's.
    except getattr(conn, "OperationalError", sqlite3.OperationalError):
        return False


def _loading_enabled(conn: sqlite3.Connection) -> bool:
    # SQLite has no call that reads the setting, but its load_extension() refuses only when
    # loading is off, and given NULL it loads nothing.
    try:
        conn.execute("SELECT load_extension(NULL)")
        return True
    except getattr(conn, "DatabaseError", sqlite3.DatabaseError):
        return False


_CANNOT_LOAD = (
    "this Python's sqlite3 cannot load extensions (it was built without "
    "--enable-loadable-sqlite-extensions): install sqlean.py, a sqlite3-compatible module "
    "that can (`pip install 'sqlink[sqlean]'`), and open connections with sqlink.connect()"
)


def connect(database, *args, **kwargs):
    """A DB-API connection to `database` with libsqlink loaded, ready for `load(conn, "md5")`
    or `SELECT sqlink_load('md5')`. It comes from `dbapi_module()`: the standard `sqlite3`
    where it can load extensions, else sqlean.py's. The other arguments go to that module's
    `connect`; its exceptions are also the connection's attributes (`conn.OperationalError`).
    """
    conn = dbapi_module().connect(database, *args, **kwargs)
    try:
        load(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def dbapi_module():
    """The sqlite3-compatible module `connect` uses: the standard `sqlite3` where it can load
    extensions, else sqlean.py's `sqlean` (the optional dependency `sqlink[sqlean]`)."""
    if hasattr(sqlite3.Connection, "enable_load_extension"):
        return sqlite3
    try:
        import sqlean
    except ImportError:
        raise RuntimeError(_CANNOT_LOAD) from None
    return sqlean
