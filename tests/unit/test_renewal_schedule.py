"""The renewal schedule: a systemd timer where systemd runs, else a cron entry."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

from installer.answers import from_mapping
from installer.host import PlanHost
from installer.lines.table import line_for
from installer.paths import Paths
from installer.platform import detect
from installer.step import Context
from installer.steps.acme import renewal_files

OS_RELEASE = Path(__file__).parent.parent / "data/os-release/debian-12"


def context(tmp_path: Path, systemd: bool) -> Context:
    config = from_mapping({"hostname": "cht.example.org",
                           "tls": {"mode": "letsencrypt", "email": "ops@example.org"}})
    platform = replace(detect(OS_RELEASE), systemd=systemd)
    return Context(host=PlanHost(None), config=config, paths=Paths.under(tmp_path),
                   platform=platform, emit=lambda event: None, line=line_for(config))


def test_without_systemd_a_cron_entry_runs_renew_cert_twice_a_day(tmp_path: Path) -> None:
    files = renewal_files(context(tmp_path, systemd=False))
    assert list(files) == [str(tmp_path / "etc/cron.d/cht-install")]
    entry = list(files.values())[0].splitlines()[-1]
    minute, hours, *rest = entry.split()
    assert minute.isdigit() and re.fullmatch(r"\d+,\d+", hours) and rest[:4] == ["*", "*", "*",
                                                                                 "root"]
    assert f"renew-cert --root {tmp_path} >" in entry  # the command first, as it is read


def test_with_systemd_a_timer_and_a_oneshot_service(tmp_path: Path) -> None:
    files = renewal_files(context(tmp_path, systemd=True))
    unit_dir = tmp_path / "etc/systemd/system"
    service = files[str(unit_dir / "cht-install-renew.service")]
    timer = files[str(unit_dir / "cht-install-renew.timer")]
    assert "Type=oneshot" in service and "renew-cert" in service
    assert "OnCalendar=*-*-* 03,15:17:00" in timer and "WantedBy=timers.target" in timer
    assert shutil.which("systemd-analyze"), "systemd-analyze (Debian's systemd) is needed"
    for path, content in files.items():
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(content)
    verify = subprocess.run(["systemd-analyze", "verify", *files], capture_output=True,
                            text=True, check=False)
    assert "cht-install-renew" not in verify.stderr, verify.stderr
