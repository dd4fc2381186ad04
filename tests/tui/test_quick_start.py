"""What makes the screens quick to start and to answer: Python's collector off until the
first screen is drawn and run while the operator reads, a short Esc delay, no pointer
shapes sent."""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import screens.app
from installer import cli
from installer.options import Options
from screens.terminal import CountingDriver

REPO = Path(__file__).parents[2]

# In a process of its own: the app freezes the collector's objects, which a test process
# must not keep.
COLLECTOR = """
import asyncio, gc, sys, time
import screens.app as app_module
from screens.app import ChtInstallApp
from screens.later import SessionLater
from tests.tui.driving import planning_options
from pathlib import Path

app_module.TIDY_AFTER = 0.2
gc.disable()  # as cli.screens_later leaves it
app = ChtInstallApp(SessionLater(planning_options(Path(sys.argv[1]))))
app.tidies = True
walks = []
gc.callbacks.append(lambda phase, info: walks.append(info["generation"])
                    if phase == "start" and info["generation"] == 2 else None)

async def main():
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.1)
        print("after the first frame:", gc.isenabled(), gc.get_freeze_count() > 0)
        walks.clear()
        await pilot.pause(0.8)  # no key: tidied once, not again
        print("tidied while idle:", len(walks))
        await pilot.press("enter")
        await pilot.pause(0.8)
        print("tidied after a key:", len(walks))

asyncio.run(main())
"""


def test_the_collector_waits_for_the_first_screen_then_runs_while_the_operator_reads(
        tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", COLLECTOR, str(tmp_path)], cwd=REPO,
                          capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.splitlines() == ["after the first frame: True True",
                                        "tidied while idle: 1",
                                        "tidied after a key: 2"], done.stderr


def test_the_command_keeps_the_collector_off_until_the_screens_take_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []

    def screens_run(options: Options) -> int:
        seen.append(gc.isenabled())
        return 0

    monkeypatch.setattr(screens.app, "run_tui_later", screens_run)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert gc.isenabled()
    assert cli.main(["--hostname", "cht.example.org"]) == 0
    assert seen == [False]  # off while the screens start
    assert gc.isenabled()  # and on again however they end


@pytest.mark.parametrize(("set_outside", "delay"), [(None, 0.025), ("80", 0.08)])
def test_a_lone_esc_is_told_after_25_ms_unless_escdelay_says_otherwise(
        set_outside: str | None, delay: float) -> None:
    env = {key: value for key, value in os.environ.items() if key != "ESCDELAY"}
    if set_outside:
        env["ESCDELAY"] = set_outside
    done = subprocess.run(
        [sys.executable, "-c", "import screens.app, textual.constants as c; "
         "print(c.ESCAPE_DELAY)"], cwd=REPO, env=env, capture_output=True, text=True,
        check=True)
    assert float(done.stdout) == delay


def test_the_pointer_shape_is_not_sent() -> None:
    class App:
        pass

    async def made() -> CountingDriver:  # a driver is made in the app's event loop
        return CountingDriver(App(), debug=False, mouse=True, size=(80, 24))  # type: ignore[arg-type]

    driver = asyncio.run(made())
    written: list[Any] = []
    driver.hold.write = lambda data: written.append(data) or False  # type: ignore[method-assign]
    driver.write("\x1b]22;pointer\x07")
    assert written == []
    driver.write("\x1b[1;1Hword")
    assert written == ["\x1b[1;1Hword"]
