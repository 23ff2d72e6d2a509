"""Package list only; everything else is in pyproject.toml.

The data folders stay at the repository root (fixed layout) and ship inside the wheel as
hil/data/<folder>/ through `package_dir`; pyproject's `packages.find` cannot add such mapped
packages, so the list is computed here (every hil package is found, none is listed by hand).
"""

from setuptools import find_packages, setup

DATA_FOLDERS = ("dbc", "rigs", "calibrations", "stages")  # = hil.data.FOLDERS

setup(
    packages=[*find_packages(include=["hil", "hil.*"]), *(f"hil.data.{name}" for name in DATA_FOLDERS)],
    package_dir={f"hil.data.{name}": name for name in DATA_FOLDERS},
)
