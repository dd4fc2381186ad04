"""The answers-file contract: defaults, validation naming the field, no secrets saved."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from installer import answers
from installer.answers import AnswersError


def test_defaults_match_the_documented_contract() -> None:
    config = answers.from_mapping({"hostname": "cht.example.org"})
    assert (config.http_port, config.https_port, config.data) == (80, 443, "volume")
    assert config.images.medic_os == "medicmobile/medic-os:cht-3.9.0-rc.2"
    assert config.images.haproxy == "medicmobile/haproxy:rc-1.17"
    assert config.tls.mode == "self-signed"
    assert config.docker.source == "official"
    assert config.accept_warnings is False


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"hostname": "-bad-.example"}, "hostname"),
        ({"hostname": "a" * 64 + ".org"}, "hostname"),
        ({"hostname": "cht.example.org", "http_port": 0}, "http_port"),
        ({"hostname": "cht.example.org", "https_port": 70000}, "https_port"),
        ({"hostname": "cht.example.org", "http_port": 8443, "https_port": 8443}, "https_port"),
        ({"hostname": "cht.example.org", "tls": {"mode": "letsencrpyt"}}, "tls.mode"),
        ({"hostname": "cht.example.org", "tls": {"email": "nobody"}}, "tls.email"),
        ({"hostname": "cht.example.org", "registry": "not a host"}, "registry"),
        ({"hostname": "cht.example.org", "images": {"haproxy": "no-tag"}}, "images.haproxy"),
        ({"hostname": "cht.example.org", "data": "relative/path"}, "data"),
        ({"hostname": "cht.example.org", "hostnmae": "typo"}, "hostnmae"),
        ({"hostname": "cht.example.org", "tls": {"mdoe": "own"}}, "tls.mdoe"),
        ({"hostname": "cht.example.org", "admin_password": "short"}, "admin_password"),
        ({"hostname": "cht.example.org", "docker": {"source": "snap"}}, "docker.source"),
        ({"hostname": "cht.example.org", "docker": {"repo_url": "ftp://x"}}, "docker.repo_url"),
        ({"hostname": "cht.example.org", "docker": {"key_fingerprint": "ABC"}},
         "docker.key_fingerprint"),
        ({"hostname": "cht.example.org", "docker": {"group_user": "Bad User"}},
         "docker.group_user"),
        ({"hostname": "cht.example.org", "docker": {"lock_timeout": -1}}, "docker.lock_timeout"),
        ({"hostname": "cht.example.org", "allow_unsupported": "yes"}, "allow_unsupported"),
    ],
)
def test_a_bad_answer_names_its_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(AnswersError) as error:
        answers.from_mapping(data)
    assert error.value.field == field
    assert field in str(error.value)


def test_saved_answers_round_trip_without_secrets(tmp_path: Path) -> None:
    config = answers.from_mapping({
        "hostname": "cht.example.org", "admin_password": "s3cret-pass-word",
        "registry": "127.0.0.1:5000", "https_port": 8443,
    })
    text = answers.dump(config)
    assert "s3cret-pass-word" not in text
    path = tmp_path / "answers.yml"
    path.write_text(text)
    again = answers.load(path)
    assert again.registry == "127.0.0.1:5000" and again.https_port == 8443
    assert again.admin_password is None
    assert set(yaml.safe_load(text)) == set(answers.InstallConfig.__dataclass_fields__)


def test_image_references_go_through_the_mirror_when_one_is_set() -> None:
    config = answers.from_mapping({"hostname": "h.example", "registry": "10.0.0.5:5000"})
    wanted = "10.0.0.5:5000/medicmobile/haproxy:rc-1.17"
    assert config.image_ref("medicmobile/haproxy:rc-1.17") == wanted
