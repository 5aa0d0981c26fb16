"""The wheel `cargo xtask wheel` builds (target/wheel/), installed as a user installs it: into
a fresh virtual environment, with no Rust on the PATH, of Debian's Python (whose sqlite3
loads extensions: `sqlink.load`) and of pyenv's (whose sqlite3 cannot: `sqlink.connect`
with sqlean.py). `cargo xtask test` builds the wheel before this suite runs.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
WHEELS = REPOSITORY / "target" / "wheel"
DEBIAN_PYTHON = "/usr/bin/python3"
RUST_PROGRAMS = ("cargo", "rustc", "rustup")

# Run by the fresh environment's Python: loads md5 and reports what answered.
USE_THE_PACKAGE = """
import json, sqlite3, sys, sqlink
if sys.argv[1] == "load":
    conn = sqlite3.connect(":memory:")
    names = sqlink.load(conn, "md5")
else:
    conn = sqlink.connect(":memory:")
    names = [row[0] for row in conn.execute("SELECT sqlink_load('md5')")]
print(json.dumps({
    "names": names,
    "md5": conn.execute("SELECT md5('abc')").fetchone()[0],
    "loaded": [e["name"] for e in sqlink.extensions(conn)],
    "module": type(conn).__module__,
    "library": sqlink.loadable_path(),
}))
"""

# The same Python before sqlean.py is installed: both ways in must say what to install.
WITHOUT_SQLEAN = """
import json, sqlite3, sqlink
errors = []
for attempt in (lambda: sqlink.connect(":memory:"), lambda: sqlink.load(sqlite3.connect(":memory:"))):
    try:
        attempt()
        errors.append(None)
    except RuntimeError as error:
        errors.append(str(error))
print(json.dumps(errors))
"""


def the_wheel() -> Path:
    wheels = sorted(WHEELS.glob("sqlink-*.whl"))
    if len(wheels) != 1:
        raise AssertionError(f"expected one wheel in {WHEELS}, found {len(wheels)}: run `cargo xtask wheel`")
    return wheels[0]


def environment_without_rust(venv: Path) -> dict:
    """This process's environment with the venv first on the PATH and no folder holding a
    Rust tool (nor Cargo's variables), so installing must not build anything; without
    sqlean.py's switches either (`sqlean.extensions.enable_all()` in this process sets
    SQLEAN_ENABLE, which would give the fresh Python sqlean's own md5)."""
    folders = [f for f in os.environ.get("PATH", "").split(os.pathsep) if f and not any(shutil.which(p, path=f) for p in RUST_PROGRAMS)]
    path = os.pathsep.join([str(venv / "bin"), *folders])
    assert not any(shutil.which(p, path=path) for p in RUST_PROGRAMS), path
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CARGO", "RUSTUP", "SQLINK_", "SQLEAN_", "PYTHON", "VIRTUAL_ENV"))}
    return {**env, "PATH": path, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def loads_extensions(python: str) -> bool:
    probe = "import sqlite3, sys; sys.exit(0 if hasattr(sqlite3.Connection, 'enable_load_extension') else 3)"
    return subprocess.run([python, "-c", probe], capture_output=True).returncode == 0


def pyenv_python_that_cannot_load() -> str:
    """The pyenv Python of this machine's image (3.11.7, the default `python3`), whose
    sqlite3 was built without extension loading: pyenv's own choice first, then its
    installed versions, newest first (3.8 or newer, as the package requires)."""
    candidates = []
    if shutil.which("pyenv"):
        found = subprocess.run(["pyenv", "which", "python3"], capture_output=True, text=True)
        if found.returncode == 0:
            candidates.append(found.stdout.strip())
    roots = [os.environ.get("PYENV_ROOT"), str(Path.home() / ".pyenv")]
    for root in filter(None, roots):
        versions = sorted(Path(root, "versions").glob("3.*/bin/python3"), key=lambda p: [int(n) for n in re.findall(r"\d+", p.parent.parent.name)], reverse=True)
        candidates.extend(str(p) for p in versions)
    newer_than_3_7 = "import sys; sys.exit(sys.version_info < (3, 8))"
    for python in candidates:
        if subprocess.run([python, "-c", newer_than_3_7], capture_output=True).returncode == 0 and not loads_extensions(python):
            return python
    raise AssertionError(
        "found no pyenv Python whose sqlite3 cannot load extensions (looked at `pyenv which python3`, "
        f"$PYENV_ROOT and ~/.pyenv/versions: {candidates or 'nothing'}); this test needs one, as the machine image has"
    )


class FreshEnvironment:
    """A new virtual environment of `base` in a temporary folder, with no Rust on its PATH.
    It has no pip of its own (ensurepip takes seconds): this suite's pip installs into it."""

    def __init__(self, test: unittest.TestCase, base: str):
        self.test = test
        folder = tempfile.TemporaryDirectory(prefix="sqlink-wheel-")
        test.addCleanup(folder.cleanup)
        self.folder = Path(folder.name)
        self.venv = self.folder / "venv"
        self.env = environment_without_rust(self.venv)
        self.run(base, "-m", "venv", "--without-pip", str(self.venv))
        self.python = str(self.venv / "bin" / "python")

    def run(self, *args) -> str:
        # In the temporary folder, so that python/sqlink of the checkout is not importable.
        done = subprocess.run(args, cwd=self.folder, env=self.env, capture_output=True, text=True, timeout=300)
        self.test.assertEqual(done.returncode, 0, f"{' '.join(args)}:\n{done.stdout}{done.stderr}")
        return done.stdout

    def pip_install(self, *args):
        self.run(sys.executable, "-m", "pip", "--python", self.python, "install", "--quiet", "--only-binary", ":all:", *args)

    def script(self, source: str, *args):
        return json.loads(self.run(self.python, "-c", source, *args))

    def check_md5(self, how: str, module: str):
        answer = self.script(USE_THE_PACKAGE, how)
        self.test.assertEqual(answer["names"], ["md5"])
        self.test.assertEqual(answer["md5"], "900150983cd24fb0d6963f7d28e17f72")
        self.test.assertEqual(answer["loaded"], ["md5"])
        self.test.assertEqual(answer["module"], module)
        # The library the wheel installed, not the checkout's.
        self.test.assertTrue(Path(answer["library"]).is_relative_to(self.venv), answer["library"])


class Wheel(unittest.TestCase):
    def test_auditwheel_accepts_its_manylinux_tag(self):
        wheel = the_wheel()
        shown = subprocess.run([sys.executable, "-m", "auditwheel", "show", str(wheel)], capture_output=True, text=True)
        self.assertEqual(shown.returncode, 0, shown.stderr)
        report = " ".join(shown.stdout.split())
        consistent = re.search(r'is consistent with the following platform tag: "([^"]+)"', report)
        self.assertIsNotNone(consistent, report)
        tag = consistent.group(1)
        self.assertTrue(tag.startswith("manylinux_"), tag)
        # Every Python 3 of the platform: SQLite loads the library, Python does not.
        self.assertTrue(wheel.name.endswith(f"-py3-none-{tag}.whl"), (wheel.name, tag))

    def test_debian_python_loads_md5_with_no_rust_on_the_path(self):
        self.assertTrue(loads_extensions(DEBIAN_PYTHON), f"{DEBIAN_PYTHON}'s sqlite3 should load extensions")
        fresh = FreshEnvironment(self, DEBIAN_PYTHON)
        # No index: the wheel is all there is to install.
        fresh.pip_install("--no-index", str(the_wheel()))
        fresh.check_md5("load", "sqlite3")
        fresh.check_md5("connect", "sqlite3")

    def test_pyenv_python_connects_through_sqlean(self):
        fresh = FreshEnvironment(self, pyenv_python_that_cannot_load())
        fresh.pip_install(str(the_wheel()))
        connect_error, load_error = fresh.script(WITHOUT_SQLEAN)
        for error in (connect_error, load_error):
            self.assertIsNotNone(error)
            self.assertIn("cannot load extensions", error)
            self.assertIn("pip install 'sqlink[sqlean]'", error)
        # The optional dependency, as the errors say.
        fresh.pip_install(f"sqlink[sqlean] @ {the_wheel().as_uri()}")
        fresh.check_md5("connect", "sqlean.dbapi2")


if __name__ == "__main__":
    unittest.main()
