"""releases.tsv is the one list: the catalog is made from it and the bootstrap agrees."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from installer.answers import DockerChoice
from installer.platform import detect
from installer.recipes import Recipe, resolve
from installer.recipes.catalog import (
    RELEASES,
    RELEASES_FILE,
    STAND_INS,
    SUPPORTED_HINT,
    read_releases,
    release_for,
)

REPO = Path(__file__).resolve().parents[2]
OS_RELEASES = sorted((REPO / "tests/data/os-release").iterdir())
ARCHES = ("x86_64", "aarch64", "armv7l")


def bootstrap_accepts(os_release: Path, arch: str) -> bool:
    done = subprocess.run([str(REPO / "scripts/bootstrap"), "--dry-run", "--os-release",
                           str(os_release), "--arch", arch],
                          capture_output=True, text=True, check=False)
    assert done.returncode in (0, 3), done.stderr
    return done.returncode == 0


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("os_release", OS_RELEASES, ids=[p.name for p in OS_RELEASES])
def test_the_bootstrap_plans_exactly_what_the_catalog_installs_with_a_python(
    os_release: Path, arch: str
) -> None:
    platform = detect(os_release, arch)
    release = release_for(platform)
    catalog = isinstance(resolve(platform, DockerChoice()), Recipe) and bool(
        release and release.python)
    assert bootstrap_accepts(os_release, arch) == catalog


def test_ubuntu_26_04_and_debian_13_are_supported_and_past_releases_say_since_when() -> None:
    for name in ("ubuntu-26.04", "debian-13"):
        found = resolve(detect(REPO / "tests/data/os-release" / name, "x86_64"), DockerChoice())
        assert isinstance(found, Recipe), name
    # Docker's pages still list 25.10 and Debian 11; their distributions no longer fix them.
    for name, why in (("ubuntu-20.04", "standard support ended in May 2025"),
                      ("ubuntu-25.10", "its nine months of support ended in July 2026"),
                      ("debian-11", "its long-term support ended on 2026-08-31")):
        past = resolve(detect(REPO / "tests/data/os-release" / name, "x86_64"),
                       DockerChoice())
        assert not isinstance(past, Recipe), name
        assert f"reached its end of life ({why}): it gets no security fixes" in past.reason
        refused = subprocess.run([str(REPO / "scripts/bootstrap"), "--dry-run",
                                  "--os-release", str(REPO / "tests/data/os-release" / name)],
                                 capture_output=True, text=True, check=False)
        assert refused.returncode == 3 and f"end of life ({why})" in refused.stderr


def test_the_supported_hint_names_every_release_in_the_file() -> None:
    assert SUPPORTED_HINT.startswith(
        "Supported releases: Ubuntu 22.04/24.04/26.04, Debian 12/13, ")
    for release in RELEASES:
        assert release.version in SUPPORTED_HINT.split(release.name, 1)[1].split(",")[0]


def test_every_stand_in_is_a_release_in_the_file() -> None:
    ids = {(r.id, r.suite or r.version) for r in RELEASES}
    for distro_id, codename, version in STAND_INS.values():
        assert (distro_id, codename or version) in ids


def test_a_line_with_a_column_missing_is_refused_with_its_number() -> None:
    text = "# a comment\n" + "\t".join(["apt"] * 10) + "\n"
    with pytest.raises(ValueError, match="releases.tsv line 2: 10 columns, not 11"):
        read_releases(text)


def test_the_file_ships_with_the_package() -> None:
    import tomllib

    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert RELEASES_FILE in setuptools["package-data"]["installer.recipes"]
    assert (REPO / "installer/recipes" / RELEASES_FILE).is_file()
