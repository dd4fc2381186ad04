"""Finding who holds a port, with a real listening socket."""

from __future__ import annotations

import os
import socket

import psutil

from installer.lines.table import line_for
from installer.ports import PortHolder, holders, unit_of


def test_the_process_listening_on_a_port_is_named() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        found = holders((port,))
    assert len(found) == 1
    assert found[0].pid == os.getpid()
    assert found[0].name == psutil.Process().name()
    assert f"port {port} is used by" in found[0].describe()


def test_a_free_port_has_no_holder() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert holders((port,)) == []


def test_cht_running_is_blocked_by_a_program_on_its_port(tmp_path: object) -> None:
    from pathlib import Path
    from typing import Any

    from installer.answers import from_mapping
    from installer.host import RealHost
    from installer.lines.cht3.steps import ServicesRunning
    from installer.paths import Paths
    from installer.platform import detect
    from installer.step import Context

    class DockerDown(RealHost):
        def docker(self) -> Any | None:
            return None  # as when the daemon is stopped: its proxies are gone too

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        config = from_mapping({"hostname": "h.example", "https_port": port})
        root = Path(str(tmp_path))
        ctx = Context(host=DockerDown(root / "log"), config=config, paths=Paths.under(root),
                      platform=detect(), emit=lambda event: None, line=line_for(config))
        finding = ServicesRunning().probe(ctx)
    assert finding.status.value == "blocked"
    assert f"port {port} is used by {psutil.Process().name()} (pid {os.getpid()})" in (
        finding.reason)
    assert "--https-port" in finding.fix
    # this test's own process is no service: the fix is to stop it, not a systemctl unit
    assert f"`kill {os.getpid()}`" in finding.fix and "systemctl" not in finding.fix


def test_a_service_is_named_by_its_unit_from_the_cgroup_a_process_by_its_pid() -> None:
    # /proc/PID/cgroup as recorded on Ubuntu 24.04 (cgroup v2) and CentOS 7 (v1)
    nginx_v2 = "0::/system.slice/nginx.service\n"
    apache_v1 = ("11:devices:/system.slice/httpd.service\n"
                 "1:name=systemd:/system.slice/httpd.service\n")
    shell_v2 = "0::/user.slice/user-1000.slice/session-3.scope\n"
    user_service = "0::/user.slice/user-1000.slice/user@1000.service/app.slice/x.scope\n"
    assert unit_of(nginx_v2) == "nginx.service"
    assert unit_of(apache_v1) == "httpd.service"
    assert unit_of(shell_v2) is None and unit_of(user_service) is None and unit_of("") is None
    assert PortHolder(443, 812, "nginx", "nginx.service").how_to_stop() == (
        "`systemctl disable --now nginx.service`")
    assert PortHolder(443, 99, "python3").how_to_stop() == (
        "`kill 99` (python3 was started by hand, not as a service)")
