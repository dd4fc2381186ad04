"""The Textual App: routing between the screens, nothing else. A screen's module is loaded
when it is first shown: the welcome screen is drawn before the engine is imported."""

from __future__ import annotations

import gc
import importlib
import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.driver import Driver
from textual.screen import Screen

from installer.options import Options
from screens.later import SessionLater
from screens.terminal import AsciiDriver, driver_for
from screens.welcome import WelcomeScreen

if TYPE_CHECKING:
    from installer.session import Session
    from screens.install import Start

# Each route's screen (module, class), made with the session.
SCREENS = {"system": ("screens.system_check", "SystemCheckScreen"),
           "settings": ("screens.settings", "SettingsScreen"),
           "plan": ("screens.plan_review", "PlanReviewScreen"),
           "done": ("screens.done", "DoneScreen"),
           "doctor": ("screens.doctor", "DoctorScreen")}
NOTHING_CHANGED = "cht-install: nothing was changed. Run it again when you are ready."
TIDY_AFTER = 2.0  # seconds without a key press before memory is tidied


class ChtInstallApp(App[int]):
    CSS_PATH = "../assets/app.tcss"
    TITLE = "cht-install"
    SUB_TITLE = "CHT server"
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, session: Session | SessionLater, start: Start | None = None,
                 first: str | None = None, driver_class: type[Driver] | None = None) -> None:
        super().__init__(driver_class=driver_class)
        self.source = session
        self.start = start
        self.first = first
        self.last_key = 0.0  # when a key was last pressed (monotonic)
        self.untidy = True  # keys were pressed since memory was last tidied
        self.tidies = False  # whether it tidies memory: the app is this process's own
        self.routes: dict[str, Callable[[], Screen[None]]] = {
            "welcome": lambda: WelcomeScreen(self.source),
            "install": self.make_install_screen,
            **{name: self.screen_of(*where) for name, where in SCREENS.items()},
        }

    @property
    def session(self) -> Session:
        """The session (waited for when it is still being made)."""
        return self.source.get() if isinstance(self.source, SessionLater) else self.source

    def screen_of(self, module: str, name: str) -> Callable[[], Screen[None]]:
        def make() -> Screen[None]:
            screen: Screen[None] = getattr(importlib.import_module(module), name)(self.session)
            return screen
        return make

    def make_install_screen(self) -> Screen[None]:
        from screens.install import InstallScreen

        return InstallScreen(self.session, self.start)

    def on_mount(self) -> None:
        # Python's collector walks every object it has ever seen, now and then: 50 ms in
        # the middle of a screen change. It is run while the operator reads instead, and
        # what it keeps is left out of its later walks (a key press then costs only its own).
        if self.tidies:
            self.call_after_refresh(self.drawn_first)
            self.set_interval(TIDY_AFTER, self.tidy)
        # A run already going (e.g. started before the SSH link dropped): follow it.
        if self.first:
            self.go(self.first)
        else:
            self.go("install" if self.start is None and self.source.running() else "welcome")

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            self.untidy = True
            self.last_key = time.monotonic()
        await super().on_event(event)

    def drawn_first(self) -> None:
        """The first screen is drawn: what the start made is kept out of the collector's
        walks, and the collector (off until now) is on."""
        gc.freeze()
        gc.enable()

    def tidy(self) -> None:
        """Collects what a screen left, once no key has come for a while."""
        if self.untidy and time.monotonic() - self.last_key >= TIDY_AFTER:
            self.untidy = False
            gc.unfreeze()
            gc.collect()
            gc.freeze()

    def get_key_display(self, binding: Binding) -> str:
        shown = super().get_key_display(binding)
        if issubclass(self.driver_class, AsciiDriver) and not shown.isascii():
            return binding.key.split(",")[0]  # "enter", not a symbol the terminal lacks
        return shown

    def go(self, name: str) -> None:
        self.push_screen(self.routes[name]())

    def action_help_quit(self) -> None:
        """Ctrl+C: not the framework's "press Ctrl+Q" note, but a quit (the install
        screen catches Ctrl+C first and asks to stop)."""
        self.run_worker(self.action_quit())

    async def action_quit(self) -> None:
        """Leave: a screen with a run or a result ends the app its own way (quit_screen);
        elsewhere nothing was changed."""
        ending: Callable[[], None] | None = getattr(self.screen, "quit_screen", None)
        if ending is not None:
            ending()
            return
        self.exit(0, message=NOTHING_CHANGED)


def run_tui(session: Session, first: str | None = None) -> int:
    return run_app(lambda driver: ChtInstallApp(session, first=first, driver_class=driver))


def run_tui_later(options: Options) -> int:
    """The screens, the session made while the welcome screen shows."""
    return run_app(lambda driver: ChtInstallApp(SessionLater(options), driver_class=driver))


def run_app(make: Callable[[type[Driver]], ChtInstallApp]) -> int:
    """An app on this terminal's driver; its exit code (1 when it gave none)."""
    driver = driver_for(os.environ)
    app = make(driver)
    app.tidies = True  # (cli.main turns the collector on again however the app ends)
    result = app.run(mouse=not issubclass(driver, AsciiDriver))
    return result if isinstance(result, int) else 1
