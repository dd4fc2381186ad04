"""scripts/test purges Docker and /var/lib/docker: on a machine with a CHT the tests did not
make it refuses before anything changes; the CHT the tests made themselves never stops them."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.e2e.conftest import REPO, TESTENV

VOLUME = Path("/var/lib/docker/volumes/medic-data")
MARK = Path("/var/lib/docker/.made-by-cht-install-tests")


def without_permission() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("CHT_TESTS_MAY_DESTROY_DOCKER", None)
    return env


def run(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), env=env or without_permission(), capture_output=True,
                          text=True, check=False, timeout=300)


@contextmanager
def mark_hidden() -> Iterator[None]:
    """Docker's data as on a real server: a CHT, no mark of the tests' purge."""
    hidden = MARK.with_name(MARK.name + ".hidden")
    MARK.rename(hidden)
    try:
        yield
    finally:
        hidden.rename(MARK)


def refused(*argv: str) -> str:
    done = run(*argv)
    assert done.returncode == 3, (argv, done.stdout, done.stderr)
    assert "refusing to run the tests here" in done.stderr
    assert "Nothing was changed" in done.stderr
    assert "CHT_TESTS_MAY_DESTROY_DOCKER=yes" in done.stderr
    return done.stderr


def test_the_cht_the_tests_made_does_not_stop_them(healthy: Path) -> None:
    assert VOLUME.is_dir() and MARK.is_file()
    done = run(str(TESTENV), "check-safe")
    assert done.returncode == 0, done.stderr


def test_a_cht_the_tests_did_not_make_stops_every_way_in_and_nothing_changes(
        healthy: Path) -> None:
    with mark_hidden():
        for argv in ([str(TESTENV), "check-safe"], [str(TESTENV), "purge-docker"],
                     [str(REPO / "scripts/test"), "--co"]):
            said = refused(*argv)
            assert "the Docker volume medic-data (CHT's database)" in said
            assert "a medic-os container" in said
        assert VOLUME.is_dir() and shutil.which("dockerd")
        allowed = run(str(TESTENV), "check-safe",
                      env={**without_permission(), "CHT_TESTS_MAY_DESTROY_DOCKER": "yes"})
        assert allowed.returncode == 0, allowed.stderr


def test_an_install_in_opt_cht_stops_them_whoever_made_docker(healthy: Path) -> None:
    # The tests write /opt/cht only under roots of their own: one here is somebody's.
    opt = Path("/opt/cht")
    assert not opt.exists(), "this machine has /opt/cht: the run should have refused at start"
    for name, words in (("docker-compose.yml", "a CHT 3.x install in /opt/cht"),
                        ("upgrade-service/.env", "a CHT 4.x/5.x install in /opt/cht")):
        (opt / name).parent.mkdir(parents=True, exist_ok=True)
        (opt / name).write_text("# left by test_testenv_safety\n")
        try:
            assert words in refused(str(TESTENV), "check-safe")
        finally:
            shutil.rmtree(opt)
