"""WAL databases from the REPL beside Debian's sqlite3 shell, on the same disk.

1. Autocommit inserts per second into a WAL database (synchronous=NORMAL and FULL), each
   shell fed the same script on stdin.
2. Reads per second (autocommit point queries, each its own read transaction) while one
   writer (Python's sqlite3, another process) commits continuously.

Each figure is the best of several runs; a shell's start-up is measured with an empty script
of the same kind and subtracted. Usage: python3 bench/wal.py [--quick]
"""

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SQLINK = os.path.join(ROOT, "target", "release", "sqlink")
SQLITE3 = shutil.which("sqlite3") or "/usr/bin/sqlite3"
QUICK = "--quick" in sys.argv
RUNS = 2 if QUICK else 5
INSERTS = 1000 if QUICK else 3000
READS = 10000 if QUICK else 30000


def run(shell, db, script):
    start = time.perf_counter()
    out = subprocess.run([shell, db], input=script, capture_output=True, text=True, cwd=os.path.dirname(db))
    elapsed = time.perf_counter() - start
    if out.returncode != 0 or out.stderr:
        raise SystemExit(f"{shell} failed: {out.stderr}")
    return elapsed


def fresh_db(directory, name, mode="WAL"):
    db = os.path.join(directory, name)
    for suffix in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA journal_mode={mode}")
    conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
    conn.executemany("INSERT INTO t(v) VALUES (?)", [(f"row {i}",) for i in range(1000)])
    conn.commit()
    conn.close()
    return db


def startup(shell, directory, empty):
    """The shell's start and end with a script that does no work: the best of three."""
    return min(run(shell, fresh_db(directory, "bench.db"), empty) for _ in range(3))


def best(shell, directory, script, empty):
    start = startup(shell, directory, empty)
    return min(run(shell, fresh_db(directory, "bench.db"), script) for _ in range(RUNS)) - start


def inserts(directory, synchronous):
    head = f"PRAGMA synchronous={synchronous};\n"
    script = head + "".join(f"INSERT INTO t(v) VALUES ('new {i}');\n" for i in range(INSERTS))
    rates = {shell: INSERTS / best(shell, directory, script, head) for shell in (SQLINK, SQLITE3)}
    return rates[SQLINK], rates[SQLITE3]


def reads_alone(directory, mode):
    """The same reads with nobody writing: what a statement costs in each shell."""
    script = "".join(f"SELECT v FROM t WHERE id = {1 + i % 1000};\n" for i in range(READS))
    rates = {}
    for shell in (SQLINK, SQLITE3):
        start = min(run(shell, fresh_db(directory, "bench.db", mode), "SELECT 1;\n") for _ in range(3))
        rates[shell] = READS / (min(run(shell, fresh_db(directory, "bench.db", mode), script) for _ in range(RUNS)) - start)
    return rates[SQLINK], rates[SQLITE3]


def reads_beside_a_writer(directory):
    script = "".join(f"SELECT v FROM t WHERE id = {1 + i % 1000};\n" for i in range(READS))
    rates = {}
    for shell in (SQLINK, SQLITE3):
        times = []
        start = startup(shell, directory, "SELECT 1;\n")
        for _ in range(RUNS):
            db = fresh_db(directory, "bench.db")
            stop = threading.Event()
            commits = [0]

            def write():
                conn = sqlite3.connect(db, timeout=60, isolation_level=None)
                conn.execute("PRAGMA synchronous=NORMAL")
                while not stop.is_set():
                    conn.execute("INSERT INTO t(v) VALUES ('w')")
                    commits[0] += 1
                conn.close()

            writer = threading.Thread(target=write)
            writer.start()
            time.sleep(0.1)
            times.append(run(shell, db, script) - start)
            stop.set()
            writer.join()
        rates[shell] = READS / min(times)
        print(f"  ({os.path.basename(shell)}: the writer committed {commits[0]:,} times during the last run)")
    return rates[SQLINK], rates[SQLITE3]


def main():
    if not os.path.exists(SQLINK):
        raise SystemExit("target/release/sqlink is missing: run `cargo xtask build`")
    directory = tempfile.mkdtemp(dir=os.path.join(ROOT, "target"))
    try:
        print(f"WAL from the REPL beside {SQLITE3} ({subprocess.run([SQLITE3, '--version'], capture_output=True, text=True).stdout.split()[0]}), best of {RUNS}, on {directory}")
        for synchronous in ("NORMAL", "FULL"):
            mine, theirs = inserts(directory, synchronous)
            print(f"autocommit inserts/s, synchronous={synchronous}: sqlink {mine:,.0f}, sqlite3 {theirs:,.0f}, ratio {theirs / mine:.2f}")
        for mode in ("DELETE", "WAL"):
            mine, theirs = reads_alone(directory, mode)
            print(f"point reads/s alone, journal_mode={mode}: sqlink {mine:,.0f}, sqlite3 {theirs:,.0f}, ratio {theirs / mine:.2f}")
        mine, theirs = reads_beside_a_writer(directory)
        print(f"point reads/s with one writer committing: sqlink {mine:,.0f}, sqlite3 {theirs:,.0f}, ratio {theirs / mine:.2f}")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
