"""The CHT lines by their answers' name, and the line the answers choose."""

from __future__ import annotations

from typing import TYPE_CHECKING

from installer.lines import Line
from installer.lines.cht3.line import CHT3
from installer.lines.current.line import CURRENT

if TYPE_CHECKING:
    from installer.answers import InstallConfig

LINES: dict[str, Line] = {line.id: line for line in (CHT3, CURRENT)}


def line_for(config: InstallConfig) -> Line:
    """The line the answers choose, as it stands for the release they ask for."""
    return LINES[config.line].with_version(config.version)
