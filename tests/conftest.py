"""Shared fixtures: where the recorded test data lives."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
OS_RELEASES = DATA / "os-release"


@pytest.fixture
def os_release() -> Path:
    return OS_RELEASES
