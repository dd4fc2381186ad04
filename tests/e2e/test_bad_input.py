"""Bad input never changes the host: every bad answer, given to the real command on a
real server, is refused before the first change, naming the field."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.bad_answers import BAD_ANSWERS, answers_for
from tests.e2e.conftest import cht_install


def host_state(client: Any) -> tuple[object, ...]:
    containers = sorted((c.name, c.id, c.status) for c in client.containers.list(all=True))
    images = sorted(i.id for i in client.images.list())
    volumes = sorted(v.name for v in client.volumes.list())
    packages = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Status}\\n"],
                              capture_output=True, text=True, check=True).stdout
    return containers, images, volumes, packages


def test_every_bad_answer_is_refused_and_nothing_changes(
    healthy: Path, docker_client: Any, tmp_path: Path
) -> None:
    before = host_state(docker_client)
    saved = (healthy / "etc/cht-install/answers.yml").read_bytes()
    refused = []
    for index, (field, fragment, expected) in enumerate(BAD_ANSWERS):
        answers = tmp_path / f"answers-{index}.yml"
        answers.write_text(yaml.safe_dump(answers_for(fragment)))
        root = tmp_path / f"server-{index}"
        run = cht_install("--yes", "--answers", str(answers), "--root", str(root))
        assert run.returncode == 2, (field, run.output)
        assert f"bad answer: {field}: " in run.output and expected in run.output, run.output
        assert "Traceback" not in run.output, run.output
        assert not root.exists(), f"{field}: the bad answer left files behind"
        refused.append(field)
        # the same bad answer on the installed server: its saved answers stay as they were
        repair = cht_install("--yes", "--answers", str(answers), "--root", str(healthy))
        assert repair.returncode == 2, repair.output
    assert (healthy / "etc/cht-install/answers.yml").read_bytes() == saved
    assert host_state(docker_client) == before
    assert len(refused) == len(BAD_ANSWERS)
