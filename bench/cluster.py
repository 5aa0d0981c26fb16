"""Beyond one machine: write latency and reads per second through a three-node dqlite
cluster on 127.0.0.1, with and without an extension call in the statement (md5 over a 1 KB
value), beside a single native SQLite (Python's sqlite3, the same SQLite library the nodes
link, with libsqlink).

python bench/cluster.py [--quick]     (cargo xtask bench runs it; --quick: a few statements)

Through the cluster, statements go one line each through one `dqlite` shell session (the
go-dqlite client, one connection to the leader, as an application holds one); the shell runs
each in its own transaction (BEGIN, the statement, COMMIT: three round trips, and a write's
COMMIT waits for a majority of the nodes). A session of N statements is timed from start to
exit and a session of one statement is subtracted, so the client's start and connection are
not counted. The local SQLite runs the same statements one by one in autocommit, on a file
database in WAL mode with synchronous=OFF (what dqlite sets on its nodes' SQLite: durability
comes from the Raft log). Writes are sequential, so the write figure is the mean latency of
one write; reads are sequential too (one client).
"""

import hashlib
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "cluster"))

import sqlink_cluster  # noqa: E402

QUICK = "--quick" in sys.argv
WRITES = 40 if QUICK else 1000
READS = 100 if QUICK else 3000
ROUNDS = 1 if QUICK else 3


def value(i):
    """A 1 KB text, different per row (hex of a digest chain)."""
    seed = hashlib.sha256(str(i).encode()).hexdigest()
    return (seed * 17)[:1024]


def write_statements(first, count, call):
    statements = []
    for i in range(first, first + count):
        v = value(i)
        digest = f"md5('{v}')" if call else f"'{hashlib.md5(v.encode()).hexdigest()}'"
        statements.append(f"INSERT INTO kv (v, d) VALUES ('{v}', {digest})")
    return statements


def read_statements(count, rows, call, rng):
    column = "md5(v)" if call else "d"
    return [f"SELECT {column} FROM kv WHERE id = {rng.randrange(1, rows + 1)}" for _ in range(count)]


def session(cluster, statements, timeout=600):
    """Seconds to run `statements` in one dqlite shell session, start and exit included."""
    started = time.perf_counter()
    result = subprocess.run(
        [sqlink_cluster.DQLITE, "-s", cluster.servers(), "demo"],
        input="\n".join(statements) + "\n",
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0 or "Error" in result.stdout:
        raise RuntimeError(f"dqlite shell: {(result.stderr or result.stdout).strip()[-500:]}")
    return elapsed


def through_cluster(cluster, statements):
    """Seconds per statement, the session's start and connection subtracted."""
    base = min(session(cluster, statements[:1]) for _ in range(3))
    return max(session(cluster, statements) - base, 0.0) / (len(statements) - 1)


def local(conn, statements):
    started = time.perf_counter()
    for sql in statements:
        conn.execute(sql).fetchall()
    return (time.perf_counter() - started) / len(statements)


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def main():
    missing = sqlink_cluster.missing_tools()
    if missing:
        sys.exit(f"missing: {', '.join(missing)} (cargo xtask bench builds and installs them)")
    rng = random.Random(7)
    results = {}
    base = ROOT / "target" / "cluster"
    base.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-", dir=base) as directory:
        # The local SQLite: Python's sqlite3 with libsqlink autoloading md5, as the nodes.
        os.environ["SQLINK_AUTOLOAD"] = "md5"
        conn = sqlite3.connect(Path(directory) / "local.db", isolation_level=None)
        conn.enable_load_extension(True)
        conn.load_extension(str(sqlink_cluster.LIBSQLINK))
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("CREATE TABLE kv (id INTEGER PRIMARY KEY, v TEXT, d TEXT)")

        with sqlink_cluster.DqliteCluster(Path(directory) / "dqlite", autoload="md5?timeout_ms=100") as cluster:
            cluster.start()
            cluster.shell("CREATE TABLE kv (id INTEGER PRIMARY KEY, v TEXT, d TEXT)")
            rows = {"cluster": 0, "local": 0}
            for _ in range(ROUNDS):
                for call in (False, True):
                    # `+ 1`: the first statement is the one the subtracted session runs.
                    statements = write_statements(rows["cluster"] + 1, WRITES + 1, call)
                    results.setdefault(("cluster", "write", call), []).append(through_cluster(cluster, statements))
                    rows["cluster"] += WRITES + 1 + 3
                    statements = write_statements(rows["local"] + 1, WRITES, call)
                    results.setdefault(("local", "write", call), []).append(local(conn, statements))
                    rows["local"] += WRITES
            for _ in range(ROUNDS):
                for call in (False, True):
                    statements = read_statements(READS + 1, rows["local"], call, rng)
                    results.setdefault(("cluster", "read", call), []).append(through_cluster(cluster, statements))
                    results.setdefault(("local", "read", call), []).append(local(conn, statements[1:]))
            check = cluster.shell("SELECT count(*), sum(d = md5(v)) FROM kv")
        conn.close()

    print(
        f"Beyond one machine: 3 dqlite nodes on 127.0.0.1 (dqlite-demo, libsqlink autoloading md5) against one "
        f"native SQLite {sqlite3.sqlite_version} file; a 1 KB text value; {WRITES} sequential writes and {READS} "
        f"sequential reads per round, median of {ROUNDS} round(s)\n"
    )
    print("write: mean ms per write; read: reads per second; median of the rounds (lowest-highest)\n")
    print(f"{'':<32} {'3-node dqlite':>28} {'native SQLite':>28}")
    lines = [
        ("write", False, "INSERT (v, d) with d given"),
        ("write", True, "INSERT (v, d) with d = md5(v)"),
        ("read", False, "SELECT d WHERE id = ?"),
        ("read", True, "SELECT md5(v) WHERE id = ?"),
    ]

    def figure(kind, seconds):
        return seconds * 1e3 if kind == "write" else (1 / seconds if seconds else float("inf"))

    def shown(kind, value):
        return f"{value:.3f}" if kind == "write" else f"{value:,.0f}"

    for kind, call, label in lines:
        cells = []
        for where in ("cluster", "local"):
            rounds = [figure(kind, seconds) for seconds in results[(where, kind, call)]]
            spread = f" ({shown(kind, min(rounds))}-{shown(kind, max(rounds))})" if len(rounds) > 1 else ""
            cells.append(shown(kind, median(rounds)) + spread)
        print(f"{label:<32} {cells[0]:>28} {cells[1]:>28}")
    for kind in ("write", "read"):
        for where in ("cluster", "local"):
            extra = median(results[(where, kind, True)]) - median(results[(where, kind, False)])
            print(f"md5 over 1 KB adds, {kind} on {where}: {extra * 1e6:+.0f} us per statement")
    total, matching = check.split("|")
    print(f"\ncheck: {total} rows on the leader, {matching} of them with d = md5(v) computed there")


if __name__ == "__main__":
    main()
