"""Which steps run, in which order, for these answers."""

from __future__ import annotations

from installer.answers import InstallConfig
from installer.lines.table import line_for
from installer.step import Step


def build_plan(config: InstallConfig) -> list[Step]:
    """Every step of an install of the line the answers choose, in order."""
    return line_for(config).steps()
