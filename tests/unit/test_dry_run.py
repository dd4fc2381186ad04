"""The dry-run JSON contract, for fresh machines of several releases."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from cryptography import x509

from installer.answers import from_mapping
from installer.tls.selfsigned import generate

OS_RELEASES = Path(__file__).parent.parent / "data/os-release"
STEP_IDS = [
    "os.supported", "hardware.enough", "packages.ready", "docker.repository",
    "docker.installed", "docker.proxy", "docker.running",
    "docker.enabled-at-boot", "docker.group",
    "compose.available", "cht.compose-file", "images.pulled",
    "cht.running", "tls.challenge-location", "tls.certificate", "tls.installed",
    "tls.renewal", "cht.answers-https", "cht.complete-install", "cht.unneeded-services",
    "cht.admin-password", "backup.scheduled", "alerts.scheduled", "os.automatic-updates",
]


def dry_run(tmp_path: Path, release: str, *extra: str) -> tuple[int, dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-m", "installer.cli", "--dry-run", "--json", "--root", str(tmp_path),
         "--os-release", str(OS_RELEASES / release), "--hostname", "cht.example.org", *extra],
        capture_output=True, text=True, check=False,
    )
    return done.returncode, json.loads(done.stdout)


def actions(plan: dict[str, Any], step_id: str) -> list[dict[str, Any]]:
    return next(s["actions"] for s in plan["steps"] if s["id"] == step_id)  # type: ignore[no-any-return]


def test_plan_for_a_fresh_debian_12_lists_every_step_and_its_actions(tmp_path: Path) -> None:
    code, plan = dry_run(tmp_path, "debian-12", "--registry", "127.0.0.1:5000",
                         "--docker-source", "distro")
    assert code == 0
    assert plan["platform"]["id"] == "debian" and plan["platform"]["codename"] == "bookworm"
    assert [s["id"] for s in plan["steps"]] == STEP_IDS
    for step in plan["steps"]:
        assert set(step) == {"id", "title", "status", "reason", "fix", "repair", "actions"}
        assert step["status"] in ("ok", "needed", "warning", "blocked")
    runs = [a["run"] for a in actions(plan, "docker.installed")]
    # as the docs' one `apt-get update && apt-get install docker.io docker-compose`
    assert runs == [["apt-get", "update"],
                    ["apt-get", "install", "-y", "docker.io", "docker-compose"]]
    assert not [a for a in actions(plan, "compose.available") if "run" in a]
    writes = {a["write"]: a for a in actions(plan, "cht.compose-file")}
    env = writes[str(tmp_path / "opt/cht/.env")]
    assert env["mode"] == "0600" and "********" in env["content"]
    assert writes[str(tmp_path / "opt/cht/docker-compose.yml")]["mode"] == "0644"
    assert {"pull": "127.0.0.1:5000/medicmobile/medic-os:cht-3.9.0-rc.2"} in actions(
        plan, "images.pulled")
    assert {"run": ["/boot/svc-reload", "medic-core", "nginx"], "in": "medic-os"} in actions(
        plan, "tls.installed")
    # CHT's 3.x hosting guide's post-setup commands, as it gives them.
    assert [a["run"] for a in actions(plan, "cht.unneeded-services")] == [
        ["/boot/svc-disable", "medic-core", "openssh"], ["/boot/svc-disable", "medic-rdbms"],
        ["/boot/svc-disable", "medic-couch2pg"]]
    sed = actions(plan, "cht.complete-install")[-1]["run"]
    assert sed[-1] == "/srv/scripts/horticulturalist/postrun/horticulturalist"
    assert "--complete-install" in sed[-2]
    assert plan["stack"] == {"line": "3.x", "name": "CHT 3.x (medic-os)", "end_of_life": True,
                             "notice": plan["stack"]["notice"], "version": "3.9.0-rc.2",
                             "installs": "3.9.0"}
    assert "past its end of life" in plan["stack"]["notice"]
    assert not (tmp_path / "opt").exists(), "a dry run wrote to disk"


def test_ubuntu_22_04_and_its_derivatives_get_compose_v2(tmp_path: Path) -> None:
    for release in ("ubuntu-22.04", "linuxmint-21.3"):
        _, plan = dry_run(tmp_path, release, "--docker-source", "distro")
        assert ["apt-get", "install", "-y", "docker.io", "docker-compose-v2"] in [
            a["run"] for a in actions(plan, "docker.installed")]


def test_an_os_without_a_recipe_is_blocked_and_the_exit_code_says_so(tmp_path: Path) -> None:
    code, plan = dry_run(tmp_path, "alpine-3.20")
    assert code == 1
    first = plan["steps"][0]
    assert first["id"] == "os.supported" and first["status"] == "blocked" and first["fix"]


def test_an_unsupported_architecture_is_blocked(tmp_path: Path) -> None:
    for arch in ("armv7l", "aarch64"):
        code, plan = dry_run(tmp_path, "debian-12", "--arch", arch)
        first = plan["steps"][0]
        assert code == 1 and first["status"] == "blocked"
        assert "medic-os image is built for no other processor" in first["reason"]


def test_a_plan_for_a_fresh_machine_ignores_this_servers_saved_answers(tmp_path: Path) -> None:
    saved = tmp_path / "etc/cht-install/answers.yml"
    saved.parent.mkdir(parents=True)
    saved.write_text("hostname: saved.example.org\nhttp_port: 8080\ndocker:\n  source: distro\n")
    _, plan = dry_run(tmp_path, "ubuntu-22.04")
    runs = [a["run"] for a in actions(plan, "docker.installed")]
    assert ["apt-get", "install", "-y", "docker-ce", "docker-ce-cli", "containerd.io",
            "docker-buildx-plugin", "docker-compose-plugin"] in runs  # the contract's default
    compose = next(a for a in actions(plan, "cht.compose-file") if "compose" in a["write"])
    assert "- 80:80" in compose["content"] and "8080" not in compose["content"]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "installer.cli", *args],
                          capture_output=True, text=True, check=False)


def test_an_answers_file_that_is_not_text_is_refused_in_words(tmp_path: Path) -> None:
    binary = tmp_path / "answers.yml"
    binary.write_bytes(Path(sys.executable).read_bytes()[:4096])
    done = run_cli("--dry-run", "--answers", str(binary), "--root", str(tmp_path / "r"))
    assert done.returncode == 2
    assert "a text file in UTF-8 (this one is binary" in done.stderr + done.stdout
    assert "Traceback" not in done.stderr + done.stdout


def test_a_host_name_in_a_local_script_is_accepted_and_planned_in_its_idna_form(
        tmp_path: Path) -> None:
    code, _ = dry_run(tmp_path, "debian-12", "--hostname", "cht.exämple.org")
    assert code == 0
    config = from_mapping({"hostname": "cht.exämple.org"})
    assert config.hostname_ascii == "cht.xn--exmple-cua.org"
    cert = x509.load_pem_x509_certificate(generate(config.hostname_ascii, []).certificate_pem)
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["cht.xn--exmple-cua.org"]
    done = run_cli("--dry-run", "--root", str(tmp_path / "r"), "--hostname", "cht exämple.org",
                   "--os-release", str(OS_RELEASES / "debian-12"))
    assert done.returncode == 2 and "hostname" in done.stderr + done.stdout
