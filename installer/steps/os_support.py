"""os.supported: this OS and architecture have a Docker recipe."""

from __future__ import annotations

from installer.platform import SUPPORTED_ARCHES
from installer.recipes import recipe_for
from installer.step import Context, Finding, StepError, blocked, ok


class OsSupported:
    id = "os.supported"
    title = "Operating system is supported"

    def probe(self, ctx: Context) -> Finding:
        p = ctx.platform
        name = p.name or f"{p.id} {p.version}"
        if p.arch not in SUPPORTED_ARCHES:
            return blocked(
                f"{p.arch} processors are not supported by the CHT images",
                "Use a 64-bit x86 (x86_64) or ARM (aarch64) server.",
            )
        if recipe_for(p, ctx.config.docker.source) is None:
            return blocked(
                f"{name} is not supported by this version of cht-install",
                "Use Ubuntu 22.04/24.04 LTS or Debian 12, which CHT recommends.",
            )
        extras = [label for flag, label in ((p.wsl, "WSL"), (p.container, "container")) if flag]
        note = f" ({', '.join(extras)})" if extras else ""
        return ok(f"{name}, {p.arch}{note}")

    def apply(self, ctx: Context) -> None:
        raise StepError("the operating system cannot be changed by the installer")
