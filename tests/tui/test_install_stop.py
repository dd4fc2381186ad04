"""Ctrl-C on the install screen asks first, and a yes asks the run to stop at a safe point."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from installer.events import Emit, RunFinished, StepStarted
from installer.session import Options, Session
from screens.app import ChtInstallApp
from screens.confirm import ConfirmScreen
from screens.install import InstallScreen

OS_RELEASE = Path(__file__).parent.parent / "data/os-release/debian-12"


@pytest.mark.parametrize(("answer", "stops"), [("y", True), ("n", False)])
def test_ctrl_c_asks_before_stopping(tmp_path: Path, answer: str, stops: bool) -> None:
    session = Session(Options(root=tmp_path, os_release=OS_RELEASE,
                              overrides={"hostname": "cht.example.org"}))
    asked = threading.Event()
    session.request_stop = asked.set  # type: ignore[method-assign]

    def long_run(sinks: Sequence[Emit], cancelled: Callable[[], bool]) -> RunFinished | None:
        for sink in sinks:
            sink(StepStarted("images.pulled", "CHT images are pulled", 11, 17))
        while not asked.is_set() and not cancelled():
            asked.wait(0.05)
        result = RunFinished(ok=False, failed="cht.running", stopped=True)
        if not cancelled():
            for sink in sinks:
                sink(result)
        return result

    app = ChtInstallApp(session, start=long_run)
    seen: list[object] = []

    async def drive() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            app.go("install")
            await pilot.pause()
            await pilot.press("ctrl+c")
            await pilot.pause()
            seen.append(type(app.screen))
            await pilot.press(answer)
            await pilot.pause(0.5)
            seen.append(type(app.screen))
            seen.append(asked.is_set())
            if stops:
                install = app.screen
                assert isinstance(install, InstallScreen)
                await pilot.pause(0.5)
                seen.append(install.result)

    asyncio.run(drive())
    assert seen[0] is ConfirmScreen and seen[1] is InstallScreen
    assert seen[2] is stops
    if stops:
        assert seen[3] == RunFinished(ok=False, failed="cht.running", stopped=True)
