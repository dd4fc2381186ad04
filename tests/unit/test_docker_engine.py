"""The pieces of cht-install's Docker client that read Docker's streams, however they are
cut, and find `docker login`'s credentials for a pull."""

from __future__ import annotations

import base64
import json
import os
import random
import struct
from pathlib import Path

import pytest

from installer.host.docker_engine import _frames, _json_lines, registry_auth


def cut(data: bytes, seed: int) -> list[bytes]:
    """``data`` in random pieces, as a socket may hand it over."""
    rng, pieces, at = random.Random(seed), [], 0
    while at < len(data):
        step = rng.randint(1, 9)
        pieces.append(data[at:at + step])
        at += step
    return pieces


def test_a_multiplexed_stream_is_read_frame_by_frame_however_it_is_cut() -> None:
    frames = [(1, b"out one\n"), (2, b"err\n"), (1, b""), (1, b"x" * 70000)]
    data = b"".join(struct.pack(">BxxxL", kind, len(body)) + body for kind, body in frames)
    for seed in range(20):
        assert [f for f in _frames(iter(cut(data, seed))) if f[1]] == [
            f for f in frames if f[1]]


def test_a_pulls_json_objects_are_read_however_the_stream_cuts_them() -> None:
    items = [{"status": "Pulling fs layer", "id": "abc"},
             {"status": "Downloading", "progressDetail": {"current": 5, "total": 10}},
             {"error": "manifest unknown: é"}]
    data = "\r\n".join(json.dumps(item, ensure_ascii=False) for item in items).encode()
    for seed in range(20):
        assert list(_json_lines(iter(cut(data, seed)))) == items


def login(folder: Path, auths: dict[str, object]) -> None:
    (folder / "config.json").write_text(json.dumps({"auths": auths}))


def decoded(header: str | None) -> dict[str, str]:
    assert header is not None
    return dict(json.loads(base64.urlsafe_b64decode(header)))


def test_docker_logins_credentials_go_with_a_pull_from_that_registry(tmp_path: Path) -> None:
    token = base64.b64encode(b"health:s3cret:with:colons").decode()
    login(tmp_path, {"mirror.example.org:5000": {"auth": token}})
    assert decoded(registry_auth("mirror.example.org:5000/medicmobile/medic-os", tmp_path)) == {
        "username": "health", "password": "s3cret:with:colons",
        "serveraddress": "mirror.example.org:5000"}
    assert registry_auth("medicmobile/medic-os", tmp_path) is None  # Docker Hub: none saved
    assert registry_auth("other.example.org/medicmobile/medic-os", tmp_path) is None


def test_docker_hubs_credentials_are_found_under_dockers_own_key(tmp_path: Path) -> None:
    login(tmp_path, {"https://index.docker.io/v1/": {
        "auth": base64.b64encode(b"me:pw").decode()}})
    assert decoded(registry_auth("medicmobile/medic-os", tmp_path))["username"] == "me"


def test_no_login_or_an_unreadable_one_sends_no_credentials(tmp_path: Path) -> None:
    assert registry_auth("medicmobile/medic-os", tmp_path) is None
    (tmp_path / "config.json").write_text("{not json")
    assert registry_auth("medicmobile/medic-os", tmp_path) is None
    login(tmp_path, {"https://index.docker.io/v1/": {"auth": "%%%"}})
    assert registry_auth("medicmobile/medic-os", tmp_path) is None


def helper_program(folder: Path, name: str, answers: dict[str, dict[str, str]]) -> None:
    """A docker-credential-NAME program as Docker's credential helpers behave: `get` reads
    the server on its input and prints its credentials, or fails when it has none."""
    program = folder / f"docker-credential-{name}"
    program.write_text(
        "#!/usr/bin/env python3\n"
        "import json, sys\n"
        f"answers = {answers!r}\n"
        "server = sys.stdin.read().strip()\n"
        "if sys.argv[1:] != ['get'] or server not in answers:\n"
        "    print('credentials not found in native keychain'); sys.exit(1)\n"
        "print(json.dumps(answers[server]))\n")
    program.chmod(0o755)


def test_a_credential_helper_is_asked_as_docker_asks_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    helper_program(tmp_path, "vault", {"mirror.example.org:5000": {
        "ServerURL": "mirror.example.org:5000", "Username": "health", "Secret": "s3cret"}})
    helper_program(tmp_path, "desktop", {"https://index.docker.io/v1/": {
        "ServerURL": "https://index.docker.io/v1/", "Username": "<token>", "Secret": "tok"}})
    (tmp_path / "config.json").write_text(json.dumps({
        "credHelpers": {"mirror.example.org:5000": "vault"}, "credsStore": "desktop",
        "auths": {"other.example.org": {"auth": base64.b64encode(b"me:pw").decode()}}}))
    assert decoded(registry_auth("mirror.example.org:5000/medicmobile/medic-os", tmp_path)) == {
        "username": "health", "password": "s3cret", "serveraddress": "mirror.example.org:5000"}
    assert decoded(registry_auth("medicmobile/medic-os", tmp_path)) == {
        "identitytoken": "tok", "serveraddress": "https://index.docker.io/v1/"}
    # the store has nothing for this one: config.json's own entry, as Docker falls back
    assert decoded(registry_auth("other.example.org/cht/x", tmp_path))["username"] == "me"
    assert registry_auth("third.example.org/cht/x", tmp_path) is None


def test_a_credential_helper_that_is_not_installed_sends_nothing(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"credsStore": "no-such-helper"}))
    assert registry_auth("medicmobile/medic-os", tmp_path) is None
