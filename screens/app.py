"""The Textual App: routing between the screens, nothing else."""

from __future__ import annotations

import os
from collections.abc import Callable

from textual.app import App
from textual.binding import Binding
from textual.driver import Driver
from textual.screen import Screen

from installer.session import Session
from screens.doctor import DoctorScreen
from screens.done import DoneScreen
from screens.install import InstallScreen, Start
from screens.plan_review import PlanReviewScreen
from screens.settings import SettingsScreen
from screens.system_check import SystemCheckScreen
from screens.terminal import AsciiDriver, driver_for
from screens.welcome import WelcomeScreen


class ChtInstallApp(App[int]):
    CSS_PATH = "../assets/app.tcss"
    TITLE = "cht-install"
    SUB_TITLE = "CHT server"
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, session: Session, start: Start | None = None,
                 first: str | None = None, driver_class: type[Driver] | None = None) -> None:
        super().__init__(driver_class=driver_class)
        self.session = session
        self.start = start
        self.first = first
        self.routes: dict[str, Callable[[], Screen[None]]] = {
            "welcome": lambda: WelcomeScreen(session),
            "system": lambda: SystemCheckScreen(session),
            "settings": lambda: SettingsScreen(session),
            "plan": lambda: PlanReviewScreen(session),
            "install": lambda: InstallScreen(session, self.start),
            "done": lambda: DoneScreen(session),
            "doctor": lambda: DoctorScreen(session),
        }

    def on_mount(self) -> None:
        # A run already going (e.g. started before the SSH link dropped): follow it.
        if self.first:
            self.go(self.first)
        else:
            self.go("install" if self.start is None and self.session.running() else "welcome")

    def get_key_display(self, binding: Binding) -> str:
        shown = super().get_key_display(binding)
        if self.driver_class is AsciiDriver and not shown.isascii():
            return binding.key.split(",")[0]  # "enter", not a symbol the terminal lacks
        return shown

    def go(self, name: str) -> None:
        self.push_screen(self.routes[name]())

    def action_help_quit(self) -> None:
        """Ctrl+C: not the framework's "press Ctrl+Q" note, but a quit (the install
        screen catches Ctrl+C first and asks to stop)."""
        self.run_worker(self.action_quit())

    async def action_quit(self) -> None:
        """Leave: the install screen decides its own exit; elsewhere nothing is running."""
        screen = self.screen
        if isinstance(screen, InstallScreen):
            screen.action_quit()
            return
        if isinstance(screen, DoneScreen | DoctorScreen):
            self.exit(0)
            return
        self.exit(0, message="cht-install: nothing was changed. Run it again when you are "
                             "ready.")


def run_tui(session: Session, first: str | None = None) -> int:
    return run_app(lambda driver: ChtInstallApp(session, first=first, driver_class=driver))


def run_app(make: Callable[[type[Driver]], App[int]]) -> int:
    """An app on this terminal's driver; its exit code (1 when it gave none)."""
    driver = driver_for(os.environ)
    result = make(driver).run(mouse=driver is not AsciiDriver)
    return result if isinstance(result, int) else 1
