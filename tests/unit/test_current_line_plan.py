"""Dry-run plans of CHT's current line (cht_version 5.0.2) for a fresh machine of every
release in tests/data/os-release: the stack named, CHT's own files and images, compose v2."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.test_dry_run import OS_RELEASES, actions, dry_run

CURRENT_STEPS = [
    "os.supported", "cht.no-other-line", "hardware.enough", "packages.ready",
    "docker.repository", "docker.installed", "docker.proxy", "docker.running",
    "docker.enabled-at-boot",
    "docker.group", "compose.available", "cht.compose-file", "images.pulled", "cht.running",
    "tls.challenge-location", "tls.certificate", "tls.installed", "tls.renewal",
    "cht.answers-https", "cht.admin-password", "backup.scheduled", "alerts.scheduled",
    "os.automatic-updates",
]
BUILDS = "https://staging.dev.medicmobile.org/_couch/builds_4/medic:medic:5.0.2/docker-compose"


@pytest.mark.parametrize("release", sorted(p.name for p in OS_RELEASES.iterdir()))
def test_every_release_gets_a_plan_of_the_current_line(tmp_path: Path, release: str) -> None:
    _, plan = dry_run(tmp_path, release, "--cht-version", "5.0.2")
    assert plan["stack"]["line"] == "current" and plan["stack"]["version"] == "5.0.2"
    # 5.0.x ended on 26 May 2026 (CHT's release table): said as 3.x's end of life is
    assert plan["stack"]["end_of_life"] is True
    assert "CHT 5.0.x is past its end of life" in plan["stack"]["notice"]
    steps = {s["id"]: s for s in plan["steps"]}
    assert [s["id"] for s in plan["steps"]] == CURRENT_STEPS
    if steps["os.supported"]["status"] == "blocked":
        return  # no Docker recipe for it: said at the first step, as for 3.x
    assert steps["compose.available"]["status"] != "blocked", steps["compose.available"]
    fetched = [a["fetch"] for a in actions(plan, "cht.compose-file") if "fetch" in a]
    assert fetched[:2] == [f"{BUILDS}/cht-core.yml", f"{BUILDS}/cht-couchdb.yml"]
    env = [a for a in actions(plan, "cht.compose-file")
           if str(a.get("write", "")).endswith("upgrade-service/.env")]
    assert env and env[0]["mode"] == "0600"
    pulled = [a["pull"] for a in actions(plan, "images.pulled")]
    assert "public.ecr.aws/medic/cht-api:5.0.2" in pulled
    assert "public.ecr.aws/s5s3h4s7/cht-upgrade-service:latest" in pulled
    assert "medicmobile/medic-os:cht-3.9.0-rc.2" not in pulled


def test_debian_12s_own_docker_has_no_compose_v2_and_is_refused_with_the_fix(
        tmp_path: Path) -> None:
    code, plan = dry_run(tmp_path, "debian-12", "--cht-version", "5.0.2",
                         "--docker-source", "distro")
    compose = next(s for s in plan["steps"] if s["id"] == "compose.available")
    assert compose["status"] == "blocked" and code != 0
    assert "no longer supports" in compose["reason"]
    assert "docker.source: official" in compose["fix"]


@pytest.mark.parametrize("version", ["3.8.2", "3.17.0", "3.7.0-rc.1", "3.9.0"])
def test_any_3x_release_pulls_only_medic_oss_final_image_and_says_what_it_installs(
        tmp_path: Path, version: str) -> None:
    # medic-os images are tagged by medic-os release: medic-os:cht-3.17.0 does not exist
    _, plan = dry_run(tmp_path, "debian-12", "--cht-version", version)
    assert plan["stack"]["line"] == "3.x" and plan["stack"]["version"] == version
    pulled = [a["pull"] for a in actions(plan, "images.pulled")]
    assert pulled == ["medicmobile/medic-os:cht-3.9.0-rc.2", "medicmobile/haproxy:rc-1.17"]
    assert plan["stack"]["installs"] == "3.9.0"
    if version != "3.9.0":
        assert (f"installs CHT 3.9.0, and that is what cht-install installs: no medic-os "
                f"image holds CHT {version}") in plan["stack"]["notice"]
        assert "Upgrades page of CHT's admin app" in plan["stack"]["notice"]
    else:
        assert "no medic-os image" not in plan["stack"]["notice"]


def test_a_supported_release_is_said_to_be_supported(tmp_path: Path) -> None:
    _, plan = dry_run(tmp_path, "debian-12", "--cht-version", "5.2.0")
    assert plan["stack"]["end_of_life"] is False
    assert plan["stack"]["notice"].startswith("CHT 5.2.x is supported")
    assert plan["stack"]["release_table_read"] == "2026-12-02"
