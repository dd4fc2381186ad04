"""Debian 11 as a real server (a qemu guest): past its end of life, it is refused at the
README's first command, saying why, before anything on the server changes."""

from __future__ import annotations

from pathlib import Path

from tests.vm.conftest import guest_of
from tests.vm.egress import Egress
from tests.vm.helpers import only_with_all

# The refusal itself is decided from os-release, which the unit tests check for every
# release; booting Debian 11 proves it at the README's first command.
pytestmark = only_with_all("a release cht-install refuses")

def test_debian_11_is_refused_with_the_reason_and_nothing_changes(
        services: None, egress: Egress, checkout: Path, tmp_path: Path) -> None:
    with guest_of("bullseye", "plain", tmp_path / "bullseye", egress) as guest:
        before = guest.ssh("dpkg-query -W -f '${Package}\\n' | sort | sha256sum").stdout
        guest.copy(checkout, "cht-install.tar.gz")
        guest.ssh("mkdir -p cht-install && tar xzf cht-install.tar.gz -C cht-install")
        run = guest.ssh("cd cht-install && sudo scripts/run --yes --hostname cht.vm.test",
                        check=False)
        assert run.returncode == 3, run.stdout + run.stderr
        assert "reached its end of life (its long-term support ended on 2026-08-31)" in (
            run.stderr)
        assert "Supported: Ubuntu 22.04/24.04/26.04, Debian 12/13" in run.stderr
        after = guest.ssh("dpkg-query -W -f '${Package}\\n' | sort | sha256sum").stdout
        assert after == before  # no package installed or removed
        gone = guest.ssh("ls -d /opt/cht-install /opt/cht /usr/local/bin/cht-install "
                         "/etc/cht-install 2>&1 || true").stdout
        assert gone.count("No such file or directory") == 4, gone
