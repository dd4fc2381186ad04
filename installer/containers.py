"""What both CHT lines ask of their containers: when one last started, its last log lines,
whether it is crash-looping, and whether another program holds CHT's ports."""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any

from installer.host.docker_api import docker_errors
from installer.ports import holders
from installer.step import Context, Finding, blocked

CRASH_LOOK_GAP = 2.0  # seconds between two looks at a container's restart count


def last_start(attrs: dict[str, Any]) -> dt.datetime | None:
    """When a container last started (Docker's State.StartedAt), for reading its log since."""
    started = str(attrs["State"].get("StartedAt", ""))[:19]
    try:
        return dt.datetime.strptime(started, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=dt.timezone.utc)
    except ValueError:
        return None


def last_lines(container: Any, count: int = 3) -> str:
    """A container's last distinct log lines, for a message: without timestamps or
    terminal escapes, each on its own indented line."""
    try:
        raw = container.logs(tail=count * 4).decode(errors="replace")
    except docker_errors():
        return "  | (its logs could not be read)"
    lines: list[str] = []
    for line in raw.splitlines():
        line = re.sub(r"\x1b\[[0-9;]*m|^\[\d{4}/\d\d/\d\d [\d:]{8}\] ", "", line).strip()
        if line:
            lines = [seen for seen in lines if seen != line] + [line]
    return "\n".join(f"  | {line}" for line in lines[-count:]) or "  | (it printed nothing)"


def crash_loop(client: Any, name: str, baseline: int | None = None) -> str | None:
    """Why ``name`` is crash-looping (Docker restarting it, or its restart count moving
    between two looks), with its last log lines; None when it is not (or no Docker)."""
    if client is None:
        return None
    try:
        first = client.containers.get(name)
    except docker_errors():
        return None
    state = first.attrs["State"]
    count = int(first.attrs.get("RestartCount") or 0)
    looping = bool(state.get("Restarting"))
    if not looping and baseline is not None:
        looping = count > baseline
    elif not looping and count > 0:
        time.sleep(CRASH_LOOK_GAP)
        try:
            again = client.containers.get(name)
        except docker_errors():
            return None
        looping = (int(again.attrs.get("RestartCount") or 0) != count
                   or again.attrs["State"].get("StartedAt") != state.get("StartedAt")
                   or bool(again.attrs["State"].get("Restarting")))
    if not looping:
        return None
    return (f"container {name} stops as soon as it starts (Docker has restarted it {count} "
            f"times); its last log lines:\n{last_lines(first)}")


CRASH_FIX = ("A re-run does not fix this by itself: read `docker logs {name}` and fix what "
             "it reports (often too little memory or disk space, or damaged data), then run "
             "cht-install again.")


def restart_count(client: Any, name: str) -> int:
    """How many times Docker has restarted ``name`` (0 when absent, or no Docker)."""
    if client is None:
        return 0
    try:
        return int(client.containers.get(name).attrs.get("RestartCount") or 0)
    except docker_errors(ValueError):
        return 0


def ports_taken(ctx: Context) -> Finding | None:
    """Blocked when another program listens on CHT's ports (medic-os could not start)."""
    if not ctx.host.live:
        return None
    taken = holders((ctx.config.http_port, ctx.config.https_port))
    if not taken:
        return None
    stop = "; ".join(h.how_to_stop() for h in taken)
    return blocked(
        "; ".join(h.describe() for h in taken) + ", and CHT needs it",
        f"Stop it ({stop}), or give CHT other ports ([[http_port]] / [[https_port]]), then "
        "run cht-install again.",
    )


def cut_recreations(ctx: Context, names: list[str]) -> list[str]:
    """Containers compose left when it was cut short while recreating one of ``names``: it
    renames the old one to ID_NAME before it makes the new one, and a kill or a power cut
    in between leaves it, and then every `compose up` fails on the name."""
    listed = ctx.host.query(["docker", "ps", "-a", "--format", "{{.Names}}"])
    if not listed.ok:
        return []
    wanted = "|".join(re.escape(name) for name in names)
    pattern = re.compile(rf"^[0-9a-f]{{12}}_(?:{wanted})$")
    return [name for name in listed.stdout.split() if pattern.match(name)]


def remove_cut_recreations(ctx: Context, names: list[str]) -> None:
    """Remove what a cut-short recreation left (never a volume), so that compose can run."""
    for leftover in cut_recreations(ctx, names):
        ctx.log(f"{leftover} was left by a recreation that was cut short: removing it (its "
                "volumes stay)")
        ctx.host.container_remove(leftover)
