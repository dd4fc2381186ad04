"""What `pip install .` (scripts/bootstrap's non-editable install) ships: every data file
beside the code is in its package's package-data, or an installed cht-install would fail
where the checkout works (found by the VM tier: cht-releases.tsv was left out)."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import tomllib

REPO = Path(__file__).parents[2]


def test_every_data_file_of_a_package_is_shipped_with_it() -> None:
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    shipped = setuptools.get("package-data", {})
    missing = []
    for package in setuptools["packages"]:
        folder = REPO / package.replace(".", "/")
        for path in folder.iterdir():
            if path.is_dir() or path.suffix in (".py", ".pyc"):
                continue
            if not any(fnmatch.fnmatch(path.name, pattern)
                       for pattern in shipped.get(package, [])):
                missing.append(str(path.relative_to(REPO)))
    assert missing == []
