"""Every bundled extension loads and answers through libsqlink, in Python's sqlite3 and in
Debian's sqlite3 shell, with the query extensions/examples.txt gives for it (the REPL,
embed and the page run the same file)."""

import shutil
import sqlite3
import subprocess
import unittest
from pathlib import Path

import sqlink

EXAMPLES = Path(__file__).resolve().parents[2] / "extensions" / "examples.txt"


def examples():
    rows = []
    for line in EXAMPLES.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            module, query, value = line.split("\t")
            rows.append((module, query, value))
    return rows


class CatalogInPython(unittest.TestCase):
    def test_each_module_answers(self):
        for module, query, value in examples():
            with self.subTest(module=module):
                conn = sqlite3.connect(":memory:")
                sqlink.load(conn, module)
                self.assertEqual(str(conn.execute(query).fetchone()[0]), value, query)
                conn.close()


class CatalogInTheShell(unittest.TestCase):
    def test_each_module_answers(self):
        shell = shutil.which("sqlite3")
        if shell is None:
            self.fail("the sqlite3 shell is not installed (cargo xtask test installs it)")
        library = str(Path(sqlink.loadable_path()).with_suffix(""))
        script = [f".load {library}"]
        expected = []
        for module, query, value in examples():
            # md5 and crypto both define md5(): one at a time, as the conflict rule says.
            if module == "crypto":
                script.append("SELECT sqlink_unload('md5');")
                expected.append("md5")
            script += [f"SELECT sqlink_load('{module}');", f"{query};"]
            expected += [module, value]
        run = subprocess.run([shell, ":memory:"], input="\n".join(script) + "\n", capture_output=True, text=True, timeout=300)
        self.assertEqual(run.stderr, "")
        self.assertEqual(run.stdout.splitlines(), expected)


if __name__ == "__main__":
    unittest.main()
