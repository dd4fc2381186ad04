"""Before the first byte of a pull: the registry's name resolves, and Docker's disk has room
for about three times the images' compressed size."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from installer.answers import from_mapping
from installer.lines.table import line_for
from installer.paths import Paths
from installer.platform import detect
from installer.step import Context, StepError
from installer.steps.images import preflight, pull_error


class Engine:
    def __init__(self, root: Path) -> None:
        self.root = root

    def info(self) -> dict[str, str]:
        return {"DockerRootDir": str(self.root)}


class Host:
    """Only what the pre-flight reads: DNS, the registry's sizes and Docker's root."""

    live = True

    def __init__(self, root: Path, size: int, addresses: list[str],
                 platforms: list[str] | None) -> None:
        self.engine, self.size, self.addresses = Engine(root), size, addresses
        self.platforms = platforms

    def resolve(self, name: str) -> list[str]:
        return self.addresses

    def docker(self) -> Any:
        return self.engine

    def image_download_size(self, image: str) -> int:
        return self.size

    def image_platforms(self, image: str) -> list[str] | None:
        return self.platforms


def check(tmp_path: Path, size: int, addresses: list[str], registry: str,
          platforms: list[str] | None = None) -> list[str]:
    logged: list[str] = []
    host = Host(tmp_path, size, addresses, platforms)
    config = from_mapping({"hostname": "cht.example.org", "registry": registry})
    ctx = Context(host=host,  # type: ignore[arg-type]
                  config=config, paths=Paths.under(tmp_path), platform=detect(None, None),
                  emit=lambda event: logged.append(str(getattr(event, "text", ""))),
                  line=line_for(config))
    preflight(ctx, [ctx.config.image_ref(ctx.config.images.medic_os)])
    return logged


def test_room_for_three_times_the_download_passes(tmp_path: Path) -> None:
    logged = check(tmp_path, 1_000_000, ["10.0.0.5"], "mirror.example.org:5000")
    assert any("the images need about 3.0 MB" in line for line in logged)


def test_too_little_room_stops_before_the_pull_with_both_numbers(tmp_path: Path) -> None:
    free = shutil.disk_usage(tmp_path).free
    with pytest.raises(StepError) as stopped:
        check(tmp_path, free // 2, ["10.0.0.5"], "mirror.example.org:5000")
    assert "the images need about" in stopped.value.reason
    assert f"on the disk holding {tmp_path}" in stopped.value.reason
    assert "docker system prune" in stopped.value.fix


def test_an_image_built_for_another_processor_stops_before_the_pull(tmp_path: Path) -> None:
    assert check(tmp_path, 1000, ["10.0.0.5"], "m.example.org:5000", ["linux/amd64"]) != []
    assert check(tmp_path, 1000, ["10.0.0.5"], "m.example.org:5000", None) != []  # unknown
    with pytest.raises(StepError) as stopped:
        check(tmp_path, 1000, ["10.0.0.5"], "m.example.org:5000", ["linux/arm64", "linux/arm"])
    assert "is built for linux/arm64, linux/arm only" in stopped.value.reason
    assert "this server is x86_64 (amd64)" in stopped.value.reason


def test_a_registry_name_that_does_not_resolve_stops_before_the_pull(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(StepError) as stopped:
        check(tmp_path, 1, [], "mirror.example.org:5000")
    assert "mirror.example.org does not resolve (DNS)" in stopped.value.reason
    # behind a proxy the proxy resolves it: no DNS here is no reason to stop
    monkeypatch.setenv("https_proxy", "http://proxy.lan:3128")
    assert check(tmp_path, 1, [], "mirror.example.org:5000") != []
    monkeypatch.setenv("no_proxy", ".example.org")  # unless the proxy is not used for it
    with pytest.raises(StepError, match="does not resolve"):
        check(tmp_path, 1, [], "mirror.example.org:5000")


def test_pull_errors_are_told_in_words() -> None:
    import http.client

    from installer.host.docker_engine import DockerError

    refused = 'Get "http://10.0.0.5:5000/v2/": dial tcp: connect: connection refused'
    assert pull_error(DockerError(500, refused), "10.0.0.5:5000") == (
        "nothing answers at 10.0.0.5:5000 (connection refused)")
    assert "closed the connection" in pull_error(
        Exception('Get "http://r/v2/": EOF'), "r")
    assert pull_error(http.client.IncompleteRead(b"", 10), "r") == (
        "the connection to Docker broke off mid-answer")


def test_a_registry_with_its_own_ca_is_asked_trusting_the_ca_docker_trusts(
        tmp_path: Path) -> None:
    from installer.registry import trusted

    assert trusted("mirror.example:5443", tmp_path) is True  # no CA: the system's
    ca = tmp_path / "mirror.example:5443" / "ca.crt"
    ca.parent.mkdir()
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    assert trusted("mirror.example:5443", tmp_path) == str(ca)
    assert trusted("mirror.example", tmp_path) is True  # Docker's folder names the port
