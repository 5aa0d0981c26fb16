"""Where one extension call's time goes, step by step: profiles `SELECT count(CALL) FROM t`
over 1,000,000 rows with `perf` and sorts the samples into the steps of a call.

Embedded path (the default: libsqlink in Python's sqlite3): SQLite, the host's glue,
entering the guest, lowering, lifting, the guest's allocator, its generated glue, the
function itself.

Runtime path (`--runtime`: `sqlink`, SQLite compiled to wasm): the same steps on both sides
of the host, since each call crosses twice (the runtime's `dispatch` import out to the
host, then the host into the extension). The runtime's wasm and the extension's are told
apart by when wasmtime registered their code: the runtime's before any `.load`.

Composed path (`--composed`: md5 and identity composed into the runtime with `sqlink compose`,
run by `sqlink --runtime`): one component, so the steps are told apart by the functions'
names: SQLite, the runtime's bridge, the router, the extension's glue, the function, the
allocators, and wasmtime's fused adapters between the parts (unnamed wasm).

python bench/call_steps.py [--runtime | --composed] "identity(x)" "md5(x)"   (with the
sqlink package installed and perf on PATH; BENCHMARKS.md, "Where a call's time goes", shows
runs)
"""

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
IDENTITY = str(ROOT / "target" / "wasm" / "test" / "identity.wasm")
SQLINK = str(ROOT / "target" / "release" / "sqlink")
ROWS = 1_000_000

# Patterns both paths' steps use: wasm's names are `wasm[N]::...` on the embedded path and
# carry their owner (`rt:`, `ext:`) on the runtime path.
KERNEL = r"^\[kernel|\[k\]"
ALLOCATOR = r"(dlmalloc|dlfree|malloc|free|realloc|rdl_alloc|rdl_dealloc|rust_alloc|rust_dealloc|dispose_chunk|tmalloc)"
FUNCTION = r"(md5|identity|Md5|compress)"
LOWERING = r"wasmtime.*(Lower|lower)"
ENTERING = r"wasmtime|cranelift|trampoline|catch_traps|setjmp|longjmp"
HOST_LIBC = r"libc.*(malloc|free|memmove|memcpy|_int_)"

# (step, pattern on "dso symbol"), first match wins.
STEPS = [
    ("kernel", KERNEL),
    ("guest: allocator (cabi_realloc, malloc, free)", r"wasm\[.*" + ALLOCATOR),
    ("guest: the function itself", r"wasm\[.*" + FUNCTION),
    ("guest: generated glue and SDK dispatch", r"wasm\["),
    ("wasmtime: lowering arguments", LOWERING),
    ("wasmtime: lifting results", r"wasmtime.*(Lift|lift)|from_utf8|Utf8Chunks"),
    ("wasmtime: entering and leaving the guest", ENTERING),
    ("host: glue (SQLite values, results, locks)", r"sqlink|rusqlite|pthread_mutex"),
    ("host: libc malloc, free, memcpy", HOST_LIBC),
    ("SQLite (scan and function dispatch)", r"libsqlite3|sqlite3"),
]

# The runtime path's steps, on names that `runtime_names` prefixed with the code's owner.
RUNTIME_STEPS = [
    ("kernel", KERNEL),
    ("runtime (wasm): allocator", r"rt:.*" + ALLOCATOR),
    ("runtime (wasm): bridge and generated glue", r"rt:.*(::|cabi|Utf8|utf8)"),
    ("runtime (wasm): SQLite (scan and function dispatch)", r"rt:"),
    ("extension (wasm): allocator", r"ext:.*" + ALLOCATOR),
    ("extension (wasm): the function itself", r"ext:.*" + FUNCTION),
    ("extension (wasm): generated glue and SDK dispatch", r"ext:"),
    ("wasmtime: lowering (arguments into the extension, results into the runtime)", LOWERING),
    ("wasmtime: lifting (the runtime's arguments, the extension's results)", r"wasmtime.*(Lift|lift|WasmStr|WasmList)|from_utf8|Utf8Chunks"),
    ("wasmtime: entering and leaving wasm (both crossings)", ENTERING),
    ("host: routing and values (sqlink)", r"sqlink_host|sqlink::|alloc::|core::"),
    ("host: libc malloc, free, memcpy", HOST_LIBC),
]


# The composed path's steps: every part is wasm of one component, named by its functions.
COMPOSED_STEPS = [
    ("kernel", KERNEL),
    ("wasm: allocators (cabi_realloc, malloc, free) of every part", r"wasm\[.*" + ALLOCATOR),
    ("router (wasm)", r"wasm\[.*sqlink_router"),
    ("extension (wasm): the function itself", r"wasm\[.*(md5_ext::md5|md5::|Md5|compress|identity_test)"),
    ("extension (wasm): generated glue and SDK dispatch", r"wasm\[.*(sqlink_sdk|md5_ext|identity)"),
    ("runtime (wasm): bridge and generated glue", r"wasm\[.*(dispatch_bridge|wit_bindgen|cabi|Utf8|utf8)"),
    ("runtime (wasm): SQLite (scan and function dispatch)", r"wasm\[.*sqlite3"),
    ("wasm: fused adapters and other unnamed code", r"wasm\[|wasm-|trampoline"),
    ("wasmtime: entering and leaving wasm", ENTERING),
    ("host (sqlink, libc)", r"sqlink|libc"),
]


def table(path):
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t(x TEXT)")
    conn.executemany("INSERT INTO t VALUES (?)", ((f"row {i}",) for i in range(ROWS)))
    conn.commit()
    conn.close()


def run(db, call):
    """The child perf records: load, warm up, then five scans."""
    import sqlink

    conn = sqlite3.connect(db)
    conn.execute("PRAGMA cache_size = -400000")
    sqlink.load(conn, "md5", IDENTITY)
    conn.execute(f"SELECT count({call}) FROM t").fetchone()
    start = time.perf_counter()
    for _ in range(5):
        conn.execute(f"SELECT count({call}) FROM t").fetchone()
    print(f"{(time.perf_counter() - start) / 5 / ROWS * 1e9:.0f}")


def steps(call, db, out):
    data = os.path.join(out, "perf.data")
    env = dict(os.environ, SQLINK_PERF_MAP="1")
    ns = subprocess.run(["perf", "record", "-F", "4000", "-o", data, sys.executable, __file__, "--child", db, call],
                        env=env, check=True, capture_output=True, text=True).stdout.split()[-1]
    print_shares(f"{call}: {ns} ns per row (under perf)", report_shares(data, STEPS, "other (Python, loader)"))


def report_shares(data, steps_table, default):
    report = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "dso,symbol", "--stdio", "-g", "none"],
                            check=True, capture_output=True, text=True).stdout
    shares = defaultdict(float)
    for line in report.splitlines():
        m = re.match(r"\s*([\d.]+)%\s+(\S+)\s+(.*)", line)
        if m:
            text = f"{m.group(2)} {m.group(3)}"
            step = next((name for name, pattern in steps_table if re.search(pattern, text)), default)
            shares[step] += float(m.group(1))
    return shares


def print_shares(title, shares):
    print(f"\n{title}, samples by step")
    for step, share in sorted(shares.items(), key=lambda s: -s[1]):
        print(f"  {share:5.1f}%  {step}")


class Repl:
    """`sqlink` over pipes: a statement's output is read up to a marker row."""

    def __init__(self, db, cache, options=()):
        # An empty compile cache: an extension loaded from a file is compiled in the process,
        # so perf's map names its functions (a cached one is mapped from a file instead).
        self.process = subprocess.Popen([SQLINK, *options, db], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
                                        env=dict(os.environ, SQLINK_PERF_MAP="1", SQLINK_CACHE_DIR=cache))

    def run(self, lines):
        self.process.stdin.write("".join(f"{line}\n" for line in lines) + "SELECT 'marker';\n")
        self.process.stdin.flush()
        out = []
        while (line := self.process.stdout.readline()) and line.strip() != "marker":
            out.append(line)
        return out

    def close(self):
        self.process.stdin.write(".quit\n")
        self.process.stdin.close()
        self.process.wait()


def runtime_names(map_path, runtime_lines):
    """Prefix each wasm function in perf's map with its owner: `rt:` for the runtime's code
    (registered before any `.load`), `ext:` for an extension's."""
    with open(map_path) as f:
        lines = f.read().splitlines()
    runtime = {line.split(" ", 1)[0] for line in lines[:runtime_lines]}
    with open(map_path, "w") as f:
        for line in lines:
            addr, size, name = line.split(" ", 2)
            f.write(f"{addr} {size} {'rt' if addr in runtime else 'ext'}:{name}\n")


def record_scans(repl, call, data):
    """Five scans in `repl` under perf (into `data`), then the session ends: each one's seconds."""
    perf = subprocess.Popen(["perf", "record", "-F", "4000", "-o", data, "-p", str(repl.process.pid)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    timed = repl.run([".timer on", *[f"SELECT count({call}) FROM t;"] * 5, ".timer off"])
    perf.send_signal(subprocess.signal.SIGINT)
    perf.wait()
    repl.close()
    return [float(line.split()[3]) for line in timed if line.startswith("Run Time:")]


def runtime_steps(call, db, out):
    data = os.path.join(out, "perf.data")
    cache = os.path.join(out, "cache")
    shutil.rmtree(cache, ignore_errors=True)
    repl = Repl(db, cache)
    repl.run([])
    map_path = f"/tmp/perf-{repl.process.pid}.map"
    with open(map_path) as f:
        runtime_lines = len(f.read().splitlines())
    repl.run([".load md5", f".load {IDENTITY}", "PRAGMA cache_size = -400000;", f"SELECT count({call}) FROM t;"])
    runs = record_scans(repl, call, data)
    runtime_names(map_path, runtime_lines)
    shares = report_shares(data, RUNTIME_STEPS, "other (the REPL, loader)")
    os.remove(map_path)
    print_shares(f"{call} in the runtime: {min(runs) / ROWS * 1e9:.0f} ns per row (best of 5 under perf)", shares)


def composed_steps(call, db, out):
    """Path (d): the same scans in a runtime with md5 and identity composed in."""
    data = os.path.join(out, "perf.data")
    cache = os.path.join(out, "cache")
    shutil.rmtree(cache, ignore_errors=True)
    app = os.path.join(out, "app.wasm")
    subprocess.run([SQLINK, "compose", "--host", "--with", f"md5,{IDENTITY}", "-o", app], check=True, capture_output=True)
    repl = Repl(db, cache, ["--runtime", app])
    repl.run(["PRAGMA cache_size = -400000;", f"SELECT count({call}) FROM t;"])
    runs = record_scans(repl, call, data)
    shares = report_shares(data, COMPOSED_STEPS, "other (the REPL, loader)")
    os.remove(f"/tmp/perf-{repl.process.pid}.map")
    print_shares(f"{call} composed: {min(runs) / ROWS * 1e9:.0f} ns per row (best of 5 under perf)", shares)


def main():
    if sys.argv[1:2] == ["--child"]:
        run(sys.argv[2], sys.argv[3])
        return
    args = sys.argv[1:]
    path = steps
    if "--runtime" in args:
        path = runtime_steps
    elif "--composed" in args:
        path = composed_steps
    calls = [a for a in args if a not in ("--runtime", "--composed")] or ["identity(x)", "md5(x)"]
    with tempfile.TemporaryDirectory() as out:
        db = os.path.join(out, "t.db")
        table(db)
        for call in calls:
            path(call, db, out)


if __name__ == "__main__":
    main()
