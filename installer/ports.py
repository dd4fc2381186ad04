"""Who listens on a TCP port (e.g. nginx or apache already on 80/443)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psutil

DOCKER_PROXIES = ("docker-proxy", "dockerd")  # CHT's own published ports


@dataclass(frozen=True)
class PortHolder:
    port: int
    pid: int | None
    name: str
    unit: str | None = None  # the systemd unit it runs under, when it is a service

    def describe(self) -> str:
        who = f"{self.name} (pid {self.pid})" if self.pid else self.name
        return f"port {self.port} is used by {who}"

    def how_to_stop(self) -> str:
        """A command that stops it: the service's, or the process's when it is no service."""
        if self.unit:
            return f"`systemctl disable --now {self.unit}`"
        if self.pid:
            return f"`kill {self.pid}` ({self.name} was started by hand, not as a service)"
        return f"stop the program on port {self.port} (`ss -ltnp` names it)"


def unit_of(cgroup: str) -> str | None:
    """The systemd service a process belongs to, from /proc/PID/cgroup; None when none
    (started from a shell, a container, or no systemd)."""
    for line in cgroup.splitlines():
        path = line.rsplit(":", 1)[-1]
        services = [part for part in path.split("/") if part.endswith(".service")]
        if services and not services[-1].startswith(("user@", "session-")):
            return services[-1]
    return None


def read_cgroup(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cgroup").read_text()
    except OSError:
        return ""


def holders(ports: tuple[int, ...]) -> list[PortHolder]:
    """Processes other than Docker's listening on any of ``ports``."""
    found: list[PortHolder] = []
    try:
        connections = psutil.net_connections(kind="tcp")
    except psutil.AccessDenied:
        return found
    for conn in connections:
        if conn.status != psutil.CONN_LISTEN or not conn.laddr or conn.laddr.port not in ports:
            continue
        name = "another program"
        if conn.pid:
            try:
                name = psutil.Process(conn.pid).name()
            except psutil.Error:
                pass
        unit = unit_of(read_cgroup(conn.pid)) if conn.pid else None
        holder = PortHolder(conn.laddr.port, conn.pid, name, unit)
        if name not in DOCKER_PROXIES and holder not in found:
            found.append(holder)
    return found
