"""Who listens on a TCP port (e.g. nginx or apache already on 80/443)."""

from __future__ import annotations

from dataclasses import dataclass

import psutil

DOCKER_PROXIES = ("docker-proxy", "dockerd")  # CHT's own published ports


@dataclass(frozen=True)
class PortHolder:
    port: int
    pid: int | None
    name: str

    def describe(self) -> str:
        who = f"{self.name} (pid {self.pid})" if self.pid else self.name
        return f"port {self.port} is used by {who}"


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
        holder = PortHolder(conn.laddr.port, conn.pid, name)
        if name not in DOCKER_PROXIES and holder not in found:
            found.append(holder)
    return found
