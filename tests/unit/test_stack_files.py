"""The CHT compose file and .env rendered from the answers."""

from __future__ import annotations

from typing import Any

import yaml

from installer import answers
from installer.lines.cht3.files import password_from_env, render_compose, render_env


def compose(**data: Any) -> dict[str, Any]:
    config = answers.from_mapping({"hostname": "cht.example.org", **data})
    return yaml.safe_load(render_compose(config))  # type: ignore[no-any-return]


def test_compose_matches_chts_documented_3x_stack() -> None:
    stack = compose()
    medic, haproxy = stack["services"]["medic-os"], stack["services"]["haproxy"]
    assert medic["image"] == "medicmobile/medic-os:cht-3.9.0-rc.2"
    assert haproxy["image"] == "medicmobile/haproxy:rc-1.17"
    assert medic["ports"] == ["80:80", "443:443"]
    assert medic["volumes"] == haproxy["volumes"] == ["medic-data:/srv"]
    assert "DOCKER_NETWORK_NAME=haproxy" in medic["environment"]
    assert "DOCKER_COUCHDB_ADMIN_PASSWORD=${DOCKER_COUCHDB_ADMIN_PASSWORD}" in medic["environment"]
    assert "COUCHDB_HOST=medic-os" in haproxy["environment"]
    assert "HA_PASSWORD=${DOCKER_COUCHDB_ADMIN_PASSWORD}" in haproxy["environment"]
    assert medic["restart"] == haproxy["restart"] == "always"
    assert medic["networks"] == haproxy["networks"] == ["medic-net"]
    assert stack["volumes"] == {"medic-data": {"name": "medic-data"}}
    assert stack["networks"] == {"medic-net": {"name": "medic-net"}}


def test_ports_tags_mirror_and_host_path_are_settings() -> None:
    stack = compose(
        http_port=8080, https_port=8443, registry="127.0.0.1:5000", data="/srv/cht",
        images={"medic_os": "medicmobile/medic-os:cht-3.9.1", "haproxy": "medicmobile/haproxy:x"},
    )
    medic = stack["services"]["medic-os"]
    assert medic["ports"] == ["8080:80", "8443:443"]
    assert medic["image"] == "127.0.0.1:5000/medicmobile/medic-os:cht-3.9.1"
    assert medic["volumes"] == ["/srv/cht:/srv"]
    assert "volumes" not in stack


def test_password_lives_only_in_env_file() -> None:
    config = answers.from_mapping({"hostname": "h.example", "admin_password": "pw-0123456789"})
    assert "pw-0123456789" not in render_compose(config)
    assert password_from_env(render_env("pw-0123456789")) == "pw-0123456789"
    assert password_from_env("# nothing here\n") is None
