"""cht.complete-install and cht.unneeded-services: the commands CHT's 3.x hosting page has
operators run once medic-os is set up, as idempotent steps."""

from __future__ import annotations

from installer.lines.cht3 import facts as cht3
from installer.step import Context, Finding, StepError, broken, needed, ok

MEDIC_OS = "medic-os"
BOOTSTRAP_GRACE = 5.0


def bootstrapped(ctx: Context) -> bool:
    return ctx.host.container_read(MEDIC_OS, cht3.BOOTSTRAPPED) is not None


class CompleteInstall:
    """A restart of medic-os never installs CHT again (--complete-install).

    As the docs' `sed -i 's/--install=3.9.0/--complete-install/g' ...` on
    horticulturalist's postrun.
    """

    id = "cht.complete-install"
    title = "CHT is not installed again at each restart"

    def probe(self, ctx: Context) -> Finding:
        script = ctx.host.container_read(MEDIC_OS, cht3.HORTI_POSTRUN)
        if script is None:
            return needed(f"medic-os is not set up yet ({cht3.HORTI_POSTRUN} not found)")
        commands = "\n".join(line for line in script.decode(errors="replace").splitlines()
                             if not line.lstrip().startswith("#"))  # a comment runs nothing
        found = cht3.INSTALL_FLAG.search(commands)
        if found is None:
            return ok("medic-os's start script only finishes CHT's install at a restart "
                      "(it does not install CHT again)")
        return needed(
            f"medic-os's start script would install CHT {found.group(1)} again at each "
            "restart (horticulturalist is told --install)",
            f"cht-install changes it to {cht3.COMPLETE_FLAG}, as CHT's hosting guide says.")

    def apply(self, ctx: Context) -> None:
        if not ctx.host.wait_until(lambda: bootstrapped(ctx), BOOTSTRAP_GRACE,
                                   "CHT to have installed itself"):
            raise StepError("CHT has not finished installing itself yet, so its start script "
                            "must keep --install for now",
                            "Run cht-install again once CHT answers on HTTPS.")
        script = ctx.host.container_read(MEDIC_OS, cht3.HORTI_POSTRUN)
        if script is None:  # a plan for a medic-os not running yet: the docs' command
            sed = f"s/--install=[^ ']*/{cht3.COMPLETE_FLAG}/"
            result = ctx.host.container_exec(MEDIC_OS, ["sed", "-i", sed, cht3.HORTI_POSTRUN])
            if not result.ok:
                raise StepError(f"{cht3.HORTI_POSTRUN} is missing in medic-os",
                                "Recreate the container: `docker rm -f medic-os`, then re-run.")
            return
        changed = cht3.INSTALL_FLAG.sub(cht3.COMPLETE_FLAG, script.decode())
        ctx.log(f"{cht3.HORTI_POSTRUN}: --install=... -> {cht3.COMPLETE_FLAG}")
        ctx.host.container_put(MEDIC_OS, {cht3.HORTI_POSTRUN: (changed.encode(), 0o755)})


def enabled_unneeded(ctx: Context) -> list[tuple[str, str | None]]:
    """(package, service) of the unneeded services that are not disabled; for a plan of a
    medic-os not yet running, the docs' commands (None: the whole package)."""
    scripts = ctx.host.container_tree(MEDIC_OS, cht3.SCRIPTS)
    if scripts is None:
        return list(cht3.UNNEEDED_SERVICES)
    return still_enabled(ctx, scripts)


def still_enabled(ctx: Context, scripts: list[str]) -> list[tuple[str, str | None]]:
    """(package, service) of the unneeded services not disabled, by medic-os's scripts
    (``scripts``: the paths in its scripts' folder) and supervisor's marks (one read of
    each package's)."""
    left: list[tuple[str, str | None]] = []
    for package, service in cht3.UNNEEDED_SERVICES:
        run = cht3.SERVICES_DIR.format(package=package)[len(cht3.SCRIPTS) + 1:] + "/"
        names = [service] if service is not None else [
            path[len(run):] for path in scripts
            if path.startswith(run) and "/" not in path[len(run):]]
        status = cht3.STATUS_DIR.format(package=package)
        marks = set(ctx.host.container_list(MEDIC_OS, status) or ()) if names else set()
        left.extend((package, name) for name in names if f"{name}.disabled" not in marks)
    return left


class UnneededServices:
    """openssh, medic-rdbms and medic-couch2pg are disabled in medic-os.

    As the docs' `/boot/svc-disable medic-core openssh && /boot/svc-disable medic-rdbms
    && ...`.
    """

    id = "cht.unneeded-services"
    title = "Services CHT does not need are off"

    def probe(self, ctx: Context) -> Finding:
        scripts = ctx.host.container_tree(MEDIC_OS, cht3.SCRIPTS)
        if scripts is None:
            return needed("medic-os is not set up yet")
        left = still_enabled(ctx, scripts)
        if not left:
            return ok("openssh, medic-rdbms and medic-couch2pg are disabled in medic-os")
        names = ", ".join(f"{p}/{s or '*'}" for p, s in left)
        if ctx.host.container_read(MEDIC_OS, cht3.BOOTSTRAPPED) is not None and any(
                (p, s) == ("medic-core", "openssh") for p, s in left):
            return broken(f"{names} enabled in medic-os (openssh is an SSH server inside "
                          "the container: needless attack surface)",
                          "cht-install disables them again (/boot/svc-disable).")
        return needed(f"{names} still enabled in medic-os",
                      "cht-install disables them, as CHT's hosting guide says.")

    def apply(self, ctx: Context) -> None:
        for package, service in enabled_unneeded(ctx):
            # svc-disable fails for a service named that is already disabled: name only
            # the ones still enabled.
            argv = ["/boot/svc-disable", package, *([service] if service else [])]
            result = ctx.host.container_exec(MEDIC_OS, argv)
            if not result.ok:
                raise StepError(f"medic-os could not disable {package}/{service or '*'}: "
                                f"{result.tail(2)}",
                                f"Run `docker exec medic-os {' '.join(argv)}` to see why.")
