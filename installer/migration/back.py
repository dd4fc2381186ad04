"""The ways out of a migration: back to the 3.x site exactly as it was (the current line's
containers removed, 3.x's answers, restart policies and containers back), and the finish
(3.x's containers removed once the new site is proven; its data volume and backup kept)."""

from __future__ import annotations

from collections.abc import Callable

from installer.host.docker_api import docker_errors
from installer.lines.current import facts as current
from installer.lines.current.upgrade import running_version
from installer.migration import note, site
from installer.migration.steps import old_running, run
from installer.step import Context, StepError

BACK_WITHIN = 900.0  # medic-os starting again (its own boot: CouchDB, API, nginx)
PROJECTS = (current.PROJECT, current.UPGRADE_PROJECT)


def new_containers(ctx: Context) -> list[str]:
    """The current line's containers here (CHT's services and its upgrade service); never
    medic-os or haproxy, although cht-install's 3.x compose project is named cht too."""
    client = ctx.host.docker()
    if client is None:
        return []
    found = []
    for project in PROJECTS:
        try:
            listed = client.containers.list(
                all=True, filters={"label": f"com.docker.compose.project={project}"})
        except docker_errors():
            continue
        found += [str(container.name) for container in listed
                  if container.name not in site.OLD_CONTAINERS]
    return found


def back(ctx: Context, old_version: str, repair: Callable[[], bool],
         phase: str = note.STARTED) -> None:
    """The 3.x site as it was: the current line's containers removed (the copy of the data
    and the new .env kept), 3.x's answers and restart policies back, medic-os and haproxy
    started and answering over HTTPS again; ``repair`` (3.x's own install steps) when they
    are not all there. ``phase``: STARTED after a failed step (a re-run goes on), BACK
    when the operator chose to go back."""
    kept = note.of(ctx)
    for name in new_containers(ctx):
        ctx.host.container_remove(name)
    if kept.answers:
        ctx.host.write_file(ctx.paths.answers, kept.answers, 0o600)
    here = old_running(ctx) or {}
    for name, policy in kept.restart.items():
        if name in here:
            run(ctx, ["docker", "update", f"--restart={policy}", name], f"give {name} its "
                "restart policy back")
    if all(name in here for name in site.OLD_CONTAINERS):
        run(ctx, ["docker", "start", *site.OLD_CONTAINERS], "start CHT 3.x")
    elif not repair():
        raise StepError("CHT 3.x's containers were gone and could not be made again",
                        "Run `sudo cht-install` (the saved answers are 3.x's again; its data "
                        "volume is kept): it repairs the 3.x site.")
    if not ctx.host.wait_until(lambda: running_version(ctx) == old_version, BACK_WITHIN,
                               "CHT 3.x to answer again"):
        raise StepError(f"CHT 3.x was started again but does not answer over HTTPS within "
                        f"{BACK_WITHIN:.0f} s", "Run `sudo cht-install` (the saved answers "
                        "are 3.x's again): it repairs the 3.x site.")
    note.keep(ctx, copied=False, verified=False, phase=phase)


def finish(ctx: Context) -> list[str]:
    """--finish: medic-os and haproxy removed (never the medic-data volume); the names of
    those removed (none when CHT's upgrade service removed them already: it starts CHT with
    `up -d --remove-orphans` in project cht, the project cht-install's 3.x compose file has
    too)."""
    removed = []
    for name in (old_running(ctx) or {}):
        ctx.host.container_remove(name)
        removed.append(name)
    note.keep(ctx, phase=note.FINISHED)
    return removed
