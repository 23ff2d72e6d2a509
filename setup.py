"""Package list and the optional compiled plant; everything else is in pyproject.toml.

The data folders stay at the repository root (fixed layout) and ship inside the wheel as
hil/data/<folder>/ through `package_dir`; pyproject's `packages.find` cannot add such mapped
packages, so the list is computed here (every hil package is found, none is listed by hand).

A wheel (`bdist_wheel`, what `pip install .` and `pip wheel .` build) carries the plant models
(hil/models/plant, pure typed step functions: most of a virtual run's CPU) compiled by mypyc when
mypyc and a C compiler are there; the .py sources ship too, and any failure to compile gives the
pure wheel instead. HIL_MYPYC=0 turns it off. Editable installs and plain clones always run the
pure Python (no extension left next to the sources to go stale).
"""

from __future__ import annotations

import os
import sys
from glob import glob
from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.bdist_wheel import bdist_wheel

DATA_FOLDERS = ("dbc", "rigs", "calibrations", "stages")  # = hil.data.FOLDERS
COMPILED = sorted(glob("hil/models/plant/*.py"))
GROUP = "hil_plant"  # mypyc's shared runtime module: hil_plant__mypyc.<abi>.so at the wheel's root


def _say(text: str) -> None:
    print(f"d7xr-hil: {text}", file=sys.stderr)


def _mypyc_extensions() -> list[object]:
    """The compiled plant, or [] (turned off, no mypyc, or mypyc refused the sources)."""
    if os.environ.get("HIL_MYPYC", "1") == "0":
        _say("HIL_MYPYC=0: pure Python wheel")
        return []
    try:
        from mypyc.build import mypycify  # noqa: PLC0415 - only a wheel build needs it
    except ImportError:
        _say("mypyc not installed: pure Python wheel")
        return []
    try:
        return list(mypycify(COMPILED, opt_level="3", group_name=GROUP))
    except (Exception, SystemExit) as exc:  # mypyc reports type errors by exiting
        _say(f"mypyc could not translate the plant ({exc!r}): pure Python wheel")
        return []


class MaybeCompiledWheel(bdist_wheel):
    """bdist_wheel that compiles the plant first and falls back to the pure wheel on any error."""

    def finalize_options(self) -> None:
        if "bdist_wheel" in self.distribution.commands and not self.distribution.ext_modules:
            self.distribution.ext_modules = _mypyc_extensions()
        super().finalize_options()  # a wheel with extensions gets the platform's tag

    def run(self) -> None:
        if self.distribution.ext_modules:
            try:
                self.run_command("build_ext")
            except (Exception, SystemExit) as exc:  # no compiler, a compile or link error
                _say(f"compiling the plant failed ({exc!r}): pure Python wheel")
                self._go_pure()
        else:
            self._go_pure()
        super().run()

    def _go_pure(self) -> None:
        """No extension in this wheel, including any left in build/ by an earlier compiled build."""
        build_ext = self.get_finalized_command("build_ext")
        build_ext.extensions = []
        self.distribution.ext_modules = []
        self.root_is_pure = True
        for lib in {self.get_finalized_command("build").build_lib, build_ext.build_lib}:
            for pattern in ("hil/**/*.so", "hil/**/*.pyd", f"{GROUP}__mypyc*"):
                for stale in Path(lib).glob(pattern):
                    stale.unlink()


setup(
    packages=[*find_packages(include=["hil", "hil.*"]), *(f"hil.data.{name}" for name in DATA_FOLDERS)],
    package_dir={f"hil.data.{name}": name for name in DATA_FOLDERS},
    cmdclass={"bdist_wheel": MaybeCompiledWheel},
)
