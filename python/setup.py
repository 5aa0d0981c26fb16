"""Builds libsqlink (the loadable extension) from this repository and puts it in the package.

`pip install ./python` runs `cargo xtask build`, which builds the bundled extensions and the
library (a no-op when they are built). Set SQLINK_LIBRARY to the path of a built
libsqlink to package that file instead.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

REPOSITORY = Path(__file__).resolve().parent.parent
LIBRARY = {"darwin": "libsqlink.dylib", "win32": "sqlink.dll"}.get(sys.platform, "libsqlink.so")


def built_library() -> Path:
    given = os.environ.get("SQLINK_LIBRARY")
    if given:
        return Path(given)
    if not (REPOSITORY / "loadable" / "Cargo.toml").is_file():
        sys.exit("sqlink: build from a checkout of the sqlink repository, or set SQLINK_LIBRARY")
    subprocess.run(["cargo", "xtask", "build"], cwd=REPOSITORY, check=True)
    return REPOSITORY / "target" / "release" / LIBRARY


class BuildWithLibrary(build_py):
    def run(self):
        super().run()
        library = built_library()
        if not library.is_file():
            sys.exit(f"sqlink: {library} was not built")
        target = Path(self.build_lib) / "sqlink" / LIBRARY
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(library, target)


class PlatformDistribution(Distribution):
    """The wheel holds a native library, so it is tagged for this platform."""

    def has_ext_modules(self):
        return True


class AnyPythonWheel(bdist_wheel):
    """libsqlink is loaded by SQLite, not imported by Python: one wheel serves every Python 3
    of the platform (`py3-none-PLATFORM`)."""

    def get_tag(self):
        _, _, platform = super().get_tag()
        return "py3", "none", platform


setup(
    cmdclass={"build_py": BuildWithLibrary, "bdist_wheel": AnyPythonWheel},
    distclass=PlatformDistribution,
)
