"""os.supported: this OS, release and architecture have a Docker recipe."""

from __future__ import annotations

from installer.platform import SUPPORTED_ARCHES
from installer.recipes import Refusal
from installer.step import Context, Finding, StepError, blocked, ok, warning
from installer.steps.docker import resolve_for


class OsSupported:
    """This OS, release and processor have a way to install Docker and run the line."""

    id = "os.supported"
    title = "Operating system is supported"

    def probe(self, ctx: Context) -> Finding:
        p = ctx.platform
        name = p.name or f"{p.id} {p.version}"
        refusal = ctx.line.arch_refusal(p.arch)
        if refusal is not None:
            return refusal
        if p.arch not in SUPPORTED_ARCHES:
            return blocked(
                f"{p.arch} processors are not supported by the CHT images",
                "Use a 64-bit x86 (x86_64) or ARM (aarch64) server.",
            )
        found = resolve_for(ctx)
        if isinstance(found, Refusal):
            fix = found.fix
            if found.overridable:
                fix += (" Experts may go on at their own risk: `sudo cht-install "
                        "--allow-unsupported`.")
            return blocked(found.reason, fix)
        extras = [label for flag, label in ((p.wsl, f"WSL {p.wsl}"),
                                            (p.container, "container")) if flag]
        note = f" ({', '.join(extras)})" if extras else ""
        if "--allow-unsupported" in found.note:
            return warning(f"{found.note}", "You chose this; CHT's support may not help here.")
        return ok(f"{name}, {p.arch}{note}; Docker from {found.name}")

    def apply(self, ctx: Context) -> None:
        raise StepError("the operating system cannot be changed by the installer")
