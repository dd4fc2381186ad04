"""cht-install's own Docker client against the real daemon, beside the Docker SDK asked the
same on the same containers: the same answers, the same failures."""

from __future__ import annotations

import io
import tarfile
from typing import Any

import pytest

from installer.host.docker_api import docker_errors
from installer.host.docker_engine import DockerError, Engine
from tests.e2e.conftest import Installed

SOCKET = "unix:///var/run/docker.sock"


@pytest.fixture(scope="module")
def engine(fresh_install: Installed) -> Engine:
    return Engine(SOCKET)


def test_a_container_looked_up_and_listed_is_the_one_docker_inspects(
        engine: Engine, docker_client: Any) -> None:
    ours, theirs = engine.containers.get("medic-os"), docker_client.containers.get("medic-os")
    assert (ours.name, ours.status, ours.attrs["Id"]) == (
        theirs.name, theirs.status, theirs.attrs["Id"])
    label = {"label": "com.docker.compose.project=cht"}
    assert sorted(c.name for c in engine.containers.list(all=True, filters=label)) == sorted(
        c.name for c in docker_client.containers.list(all=True, filters=label)) == [
        "haproxy", "medic-os"]
    assert engine.volumes.get("medic-data").attrs["Mountpoint"] == \
        docker_client.volumes.get("medic-data").attrs["Mountpoint"]


def test_logs_come_without_the_streams_framing_whole_or_streamed(
        engine: Engine, docker_client: Any) -> None:
    ours = engine.containers.get("medic-os")
    theirs = docker_client.containers.get("medic-os")
    whole = ours.logs()
    assert whole and whole == theirs.logs()[:len(whole)]  # more may have come since
    assert b"".join(ours.logs(stream=True, follow=False))[:len(whole)] == whole
    assert ours.logs(tail=2) == theirs.logs(tail=2)


def test_a_command_run_in_a_container_gives_its_code_output_and_errors_apart(
        engine: Engine) -> None:
    medic_os = engine.containers.get("medic-os")
    script = "printf out; printf err >&2; exit 3"
    assert medic_os.exec_run(["sh", "-c", script], demux=True) == (3, (b"out", b"err"))
    big = medic_os.exec_run(["sh", "-c", "head -c 300000 /dev/zero"], demux=True)
    assert big == (0, (b"\0" * 300000, None))  # many frames, put back together


def test_files_put_into_a_container_are_read_back_through_its_archive(
        engine: Engine, docker_client: Any) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("tmp/engine-test.txt")
        info.size = 5
        archive.addfile(info, io.BytesIO(b"hello"))
    assert engine.containers.get("medic-os").put_archive("/", buffer.getvalue())
    stream, stat = engine.api.get_archive("medic-os", "/tmp/engine-test.txt")
    ours = b"".join(stream)
    with tarfile.open(fileobj=io.BytesIO(ours)) as archive:
        member = archive.next()
        assert member is not None
        extracted = archive.extractfile(member)
        assert extracted is not None and extracted.read() == b"hello"
    assert stat["name"] == "engine-test.txt" and stat["size"] == 5
    theirs, their_stat = docker_client.api.get_archive("medic-os", "/tmp/engine-test.txt")
    assert (ours, stat) == (b"".join(theirs), their_stat)


def test_what_is_not_there_is_an_error_callers_catch(engine: Engine) -> None:
    for ask in (lambda: engine.containers.get("no-such-container"),
                lambda: engine.volumes.get("no-such-volume"),
                lambda: engine.images.get("no-such-image:1"),
                lambda: list(engine.api.pull("127.0.0.1:5000/medicmobile/no-such", tag="x"))):
        with pytest.raises(DockerError) as failed:
            ask()
        assert failed.value.status == 404 and isinstance(failed.value, docker_errors())


def test_a_pull_reports_its_progress_to_the_end(engine: Engine) -> None:
    items = list(engine.api.pull("127.0.0.1:5000/medicmobile/haproxy", tag="rc-1.17"))
    assert items and all(isinstance(item, dict) for item in items)
    assert "127.0.0.1:5000/medicmobile/haproxy:rc-1.17" in items[-1]["status"]


def test_a_daemon_that_is_not_there_is_an_error_callers_catch(tmp_path: Any) -> None:
    with pytest.raises(docker_errors()):
        Engine(f"unix://{tmp_path}/no-docker.sock").ping()
