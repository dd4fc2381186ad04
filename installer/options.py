"""What the command line says, for a session (kept apart: the screens' first frame needs
it without the engine)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Options:
    """What the command line says (the TUI starts from the same)."""

    root: Path = Path("/")
    answers_file: Path | None = None
    os_release: Path | None = None
    arch: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
