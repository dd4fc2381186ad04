"""Done: where CHT answers, the admin user, and the password (shown this once)."""

from __future__ import annotations

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Header, Static

from installer.considerations import Item
from installer.doctor_checks import SELF_SIGNED_PHONES, TRUSTED_ON_SCREEN
from installer.session import Session
from screens.footer import Footer
from screens.scrolling import PAGE_KEYS, Paged

CHT_DOCS = "https://docs.communityhealthtoolkit.org/"
CERTIFICATE_NOTE = {
    "self-signed": (SELF_SIGNED_PHONES[0].upper() + SELF_SIGNED_PHONES[1:] + ". "
                    + TRUSTED_ON_SCREEN),
    "own": "Your own certificate is installed and its chain was verified on the wire.",
    "letsencrypt": "Let's Encrypt's certificate is installed; it renews itself (checked "
                   "twice a day).",
}


class DoneScreen(Paged):
    BINDINGS = [Binding("q", "finish", "Quit"), Binding("enter", "finish", "Quit", show=False),
                *PAGE_KEYS]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        env = self.session.env_file
        summary = self.session.certificate_summary()
        lines = [*self.what_was_done(),
                 f"  Address:     {self.session.url()}", "  User:        medic"]
        if self.session.password_created and not self.session.config.admin_password:
            password = escape(self.session.admin_password() or "")
            lines.append(f"  Password:    {password}")
            note = ("Write the password down now: it is shown only this once. It is kept in "
                    f"{env} (readable by root only).")
        else:
            lines.append(f"  Password:    the one already set, in {env}")
            note = ""
        if summary:
            lines.append(f"  Certificate: expires {str(summary['expires'])[:10]} "
                         f"({summary['days_left']} days)")
        lines += ["", *([note, ""] if note else []),
                  "[b]What next:[/b] open the address in a browser and log in as [b]medic[/b] "
                  f"(the password: [b]sudo grep PASSWORD {env}[/b]). "
                  "Then set up your health workers, "
                  f"forms and tasks with CHT's own guides: {CHT_DOCS}", "",
                  f"{CERTIFICATE_NOTE[self.session.config.tls.mode]} If something breaks "
                  "later, run [b]sudo cht-install[/b] again: it checks every step and repairs "
                  f"only what is wrong. The log is {self.session.paths.log}."]
        text = "\n".join(lines)
        yield Header()
        with VerticalScroll(classes="page"):
            yield Static(text, id="done")
            yield Static("Checking the Considerations ...", id="checklist")
        yield Footer()

    def what_was_done(self) -> list[str]:
        """The heading: installed, or (where CHT was before) what was wrong and what was
        done about it, in the run's own words."""
        if not self.session.had_cht:
            return ["[b]CHT is installed and answers over HTTPS.[/b]", ""]
        result = self.session.notes.result
        if result is None or not result.applied:
            return ["[b]CHT answers over HTTPS.[/b] Nothing needed repair: every step was "
                    "checked just now and is fine.", ""]
        return ["[b]CHT is repaired and answers over HTTPS again.[/b] What was wrong, and "
                "what was done:", *(f"  {escape(line)}" for line in
                                    self.session.notes.lines(result)), ""]

    def on_mount(self) -> None:
        self.load_checklist()

    @work(thread=True, exclusive=True)
    def load_checklist(self) -> None:
        items = self.session.checklist(on_screen=True)
        self.app.call_from_thread(self.show_checklist, items)

    def show_checklist(self, items: list[Item]) -> None:
        lines = ["[b]Considerations[/b] of CHT's hosting guide, each checked just now:"]
        for item in items:
            mark = "\\[done] " if item.ok else "\\[to do]"
            lines.append(f"{mark} [b]{item.topic}:[/b] {escape(item.text)}")
        self.query_one("#checklist", Static).update("\n".join(lines))
        self.page_changed()  # the page may scroll now

    def quit_screen(self) -> None:
        """The app's quit: as q here."""
        self.action_finish()

    def action_finish(self) -> None:
        self.app.exit(0)
