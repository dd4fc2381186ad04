"""scripts/test purges Docker and /var/lib/docker: on a machine with CHT's data it refuses,
unless told the machine is a throw-away test host."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.e2e.conftest import REPO, TESTENV, Installed


def without_permission() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("CHT_TESTS_MAY_DESTROY_DOCKER", None)
    return env


def test_the_test_command_refuses_on_a_host_with_chts_data(fresh_install: Installed) -> None:
    assert Path("/var/lib/docker/volumes/medic-data").is_dir()
    for argv in ([str(TESTENV), "check-safe"], [str(TESTENV), "purge-docker"],
                 [str(REPO / "scripts/test"), "--co"]):
        done = subprocess.run(argv, env=without_permission(), capture_output=True, text=True,
                              check=False, timeout=300)
        assert done.returncode == 3, (argv, done.stdout, done.stderr)
        assert "refusing to run the tests here" in done.stderr
        assert "the Docker volume medic-data (CHT's database)" in done.stderr
        assert "CHT_TESTS_MAY_DESTROY_DOCKER=yes" in done.stderr
    assert Path("/var/lib/docker/volumes/medic-data").is_dir()
    allowed = subprocess.run([str(TESTENV), "check-safe"], capture_output=True, text=True,
                             check=False, env={**without_permission(),
                                               "CHT_TESTS_MAY_DESTROY_DOCKER": "yes"})
    assert allowed.returncode == 0, allowed.stderr
