"""The engine's front door for both front ends: choices, machine, plan, run."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from installer import answer_checks, answers, background, proxy
from installer.answer_changes import answer_changes
from installer.answers import InstallConfig
from installer.considerations import Item, checklist
from installer.events import Emit, Event, RunFinished, StepFailed
from installer.host import Host, PlanHost, RealHost, rotate_past
from installer.journal import Holder, Journal, RunLock, ever_finished
from installer.lines import Line, password_in
from installer.lines.current import facts as current_facts
from installer.lines.current import releases
from installer.lines.table import line_for
from installer.options import Options as Options  # the command line's, for sessions
from installer.paths import Paths
from installer.plan import build_plan
from installer.plan_ahead import Ahead, Preview
from installer.platform import Platform, detect
from installer.reachable import local_addresses, phones_note
from installer.repairs import RepairNotes
from installer.report import doctor_report
from installer.runner import PlannedStep, Runner
from installer.step import Context, Status, Step
from installer.steps.hardware import Check, checks_for


def default_hostname() -> str:
    name = socket.getfqdn()
    return name if answer_checks.is_hostname(name) else "localhost"


def merge_answers(into: dict[str, Any], given: dict[str, Any]) -> None:
    """Later answers win, key by key (within sections too); a null leaves the earlier one,
    CLEARED (a flag given empty) removes it."""
    def kept(value: Any) -> Any:
        return None if value is answers.CLEARED else value

    for key, value in given.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            into[key] = {**into[key],
                         **{k: kept(v) for k, v in value.items() if v is not None}}
        elif isinstance(value, dict):
            into[key] = {k: kept(v) for k, v in value.items() if v is not None}
        elif value is not None:
            into[key] = kept(value)


def resolve_config(options: Options, paths: Paths) -> InstallConfig:
    """Defaults, then the saved answers, then --answers, then flags; validated. A plan for
    another machine (--os-release) is for a fresh one: this server's saved answers are not
    its answers."""
    data: dict[str, Any] = {}
    saved = None if options.os_release is not None else paths.answers
    for source in (saved, options.answers_file):
        if source is not None and (source.exists() or source == options.answers_file):
            merge_answers(data, answers.load_mapping(source))
    merge_answers(data, options.overrides)
    data.setdefault("hostname", default_hostname())
    return answers.from_mapping(data)


def pin_latest(config: InstallConfig, host: RealHost) -> InstallConfig:
    """The answers with ``cht_version: latest`` replaced by the newest release CHT's build
    server (or the builds_url mirror) lists, asked as CHT's admin app asks it; unchanged
    for any other version."""
    if config.cht_version != answer_checks.LATEST:
        return config
    server = config.builds_url or current_facts.BUILDS_URL
    example = answer_checks.SUPPORTED_EXAMPLE
    try:
        newest = releases.newest_release(host.get_url(releases.releases_url(server)))
    except RuntimeError as exc:
        raise answers.AnswersError(
            "cht_version", answer_checks.LATEST,
            f"a release number such as {example}: CHT's build server ({server}) did not "
            f"say which release is the newest ({exc}); or a mirror of the build server that "
            "answers") from exc
    if newest is None:
        raise answers.AnswersError(
            "cht_version", answer_checks.LATEST,
            f"a release number such as {example}: CHT's build server ({server}) lists no "
            "4.x or 5.x release")
    host.log(f"cht_version: latest is {newest} ({server})")
    return answers.validate(replace(config, cht_version=newest))


class Session:
    def __init__(self, options: Options, config: InstallConfig | None = None) -> None:
        self.options = options
        self.paths = Paths.under(options.root)
        self.early_note: tuple[str, tuple[bool, str]] | None = None  # (name, its note)
        self.config = answers.check_files(config or resolve_config(options, self.paths))
        self.platform: Platform = detect(options.os_release, options.arch)
        self.real = RealHost(self.paths.log, self.config.logs.max_mb * 1_000_000)
        # Set by run(): whether this run created the admin password (then shown once).
        self.password_created = False
        # cht_version: latest was asked of CHT's build server (then pinned to its number).
        self.asked_latest = False
        # The operator chose to keep a hand-edited compose file (asked by the TUI).
        self.keep_compose_edits = False
        # The detached run this front end follows, if any.
        self.current: background.Run | None = None
        # CHT was installed here before (a run once ended healthy): a run is a repair.
        self.had_cht = not self.planning_elsewhere and ever_finished(self.paths.journal)
        # What the TUI's run found and changed, for the done screen.
        self.notes = RepairNotes()
        for secret in (self.config.admin_password, self.config.tls.password):
            if secret:
                self.real.add_secret(secret)
        # A newer release runs here than the answers say (CHT's admin app upgraded it):
        # the answers follow it, so that no run goes back. (old, new) when they did.
        self.followed: tuple[str, str] | None = None
        if not self.planning_elsewhere and self.config.cht_version != answer_checks.LATEST:
            newer = self.line.newer_release_installed(self.context(PlanHost(self.real)))
            if newer is not None:
                self.followed = (self.config.version, newer)
                self.config = answers.validate(replace(self.config, cht_version=newer))
                self.real.log(f"CHT {newer} runs here, newer than the answers' "
                              f"{self.followed[0]}: the answers follow it")
        # Every fetch from here on (urllib, the ACME client, apt, docker) uses these.
        self.proxies = proxy.use(self.config)
        self.keep_secret(*self.proxies.secrets())
        self.ahead: Ahead | None = None  # the plan screen's preview, made ahead

    @property
    def planning_elsewhere(self) -> bool:
        return self.options.os_release is not None

    def context(self, host: Host, emit: Emit = lambda event: None,
                config: InstallConfig | None = None) -> Context:
        config = config or self.config
        ctx = Context(host=host, config=config, paths=self.paths,
                      platform=self.platform, emit=emit, line=line_for(config))
        ctx.facts.keep_compose_edits = self.keep_compose_edits
        ctx.facts.saved_answers = self.saved_answers()
        return ctx

    def saved_answers(self) -> InstallConfig | None:
        """The answers of the last run on this server (None on a fresh one), to tell a
        change the operator asked for from damage."""
        if self.planning_elsewhere or not self.paths.answers.exists():
            return None
        try:
            return answers.load(self.paths.answers)
        except (answers.AnswersError, OSError):
            return None

    def hostname_note(self, hostname: str | None = None) -> tuple[bool, str]:
        """Whether phones could fail to reach the host name, and why (or where it points)."""
        name = answer_checks.to_ascii(hostname or self.config.hostname)
        if self.planning_elsewhere:
            return phones_note(name, None, ())
        return phones_note(name, self.real.resolve, local_addresses())

    def look_up_early(self) -> None:
        """Start the answers' host name's DNS look-up now, in a thread, so that the settings
        screen shows what it found in its first frame (no redraw when it comes)."""
        name = self.config.hostname

        def ask() -> None:
            self.early_note = (name, self.hostname_note(name))

        threading.Thread(target=ask, daemon=True).start()

    def note_found_early(self, name: str) -> tuple[bool, str] | None:
        """The early look-up's note for this name, once, when it has come."""
        found, self.early_note = self.early_note, None
        return found[1] if found and found[0] == name else None

    def hardware(self) -> list[Check] | None:
        host: Host = PlanHost(None if self.planning_elsewhere else self.real)
        return checks_for(self.context(host), self.platform)

    def plan(self, config: InstallConfig | None = None) -> list[PlannedStep]:
        """What each step would do for these answers (the session's by default), probed
        without changing anything."""
        config = config or self.config
        host = PlanHost(None if self.planning_elsewhere else self.real)
        return Runner(build_plan(config), self.context(host, config=config)).plan()

    def preview(self, config: InstallConfig | None = None) -> Preview:
        """The plan screen's content for these answers (the session's by default)."""
        config = config or self.config
        begun = time.monotonic()
        return Preview(self.plan(config), self.hostname_note(config.hostname),
                       answer_changes(self.saved_answers(), config), begun)

    def preview_ahead(self, config: InstallConfig) -> None:
        """Begin the plan screen's preview for these answers (as a screen shows them, not
        yet taken), in a thread, once per set of answers. Not for ``cht_version: latest``:
        taking the answers pins it first."""
        if config.cht_version == answer_checks.LATEST:
            return
        if self.ahead is None or self.ahead.config != config:
            self.ahead = Ahead(config, self.preview)

    def preview_made(self, wait: bool) -> Preview | None:
        """The preview made ahead for the answers as they are now: once it is made, or
        waited for; None when there is none for these answers or making it failed."""
        ahead = self.ahead
        if ahead is None or ahead.config != self.config:
            return None
        return ahead.wait() if wait else ahead.ready()

    def save_answers(self) -> None:
        self.real.write_file(self.paths.answers, answers.dump(self.config), 0o600)

    def run(self, sinks: Sequence[Emit], run_id: str | None = None,
            should_stop: Callable[[], bool] = lambda: False) -> RunFinished:
        """Install or repair in this process, under the single-run lock, journaled."""
        run_id = run_id or uuid.uuid4().hex[:12]
        self.ahead = None  # what it found before the run is not what is there after
        with RunLock(self.paths.lock, run_id):
            rotate_past(self.paths.journal, self.config.logs.max_mb * 1_000_000)
            had_password = self.admin_password() is not None
            journal = Journal(self.paths.journal, run_id, self.real.redact)
            self.real.log(f"run {run_id} started by pid {os.getpid()} "
                          f"for {self.config.hostname}")
            previous = self.real.read_bytes(self.paths.answers)
            self.save_answers()  # first: a run killed midway is finished with these
            refused: list[StepFailed] = []

            def note_refusal(event: Event) -> None:
                if isinstance(event, StepFailed) and event.finding.status is Status.BLOCKED:
                    refused.append(event)

            runner = Runner(build_plan(self.config), self.context(self.real),
                            [journal.record, note_refusal, *sinks])
            result = runner.run(accept_warnings=self.config.accept_warnings,
                                should_stop=should_stop)
            if refused and previous is not None:
                # answers that cannot be carried out do not replace the ones that worked
                self.real.write_file(self.paths.answers, previous, 0o600)
            self.real.log(f"run finished: ok={result.ok} applied={list(result.applied)}")
            self.password_created = not had_password and self.admin_password() is not None
            return result

    # -- detached runs (the terminal may go away; the run goes on) ----------------------
    def running(self) -> Holder | None:
        return background.running(self.paths)

    def start_detached(self) -> background.Run:
        self.ahead = None  # what it found before the run is not what is there after
        self.current = background.start(self.paths, {
            "root": str(self.options.root),
            "os_release": str(self.options.os_release) if self.options.os_release else None,
            "arch": self.options.arch,
            "config": self.config.to_mapping(keep_secrets=True),
            "keep_compose_edits": self.keep_compose_edits,
        })
        return self.current

    def attach(self, holder: Holder) -> background.Run:
        self.ahead = None
        self.current = background.attach(holder)
        return self.current

    def follow(self, sinks: Sequence[Emit],
               cancelled: Callable[[], bool] = lambda: False) -> RunFinished | None:
        """Follow the current detached run to its end; None when it died without one."""
        assert self.current is not None, "start_detached() or attach() first"
        had_password = self.admin_password() is not None
        result = background.follow(self.paths, self.current, sinks, cancelled)
        if result is not None and not had_password:
            self.password_created = self.admin_password() is not None
        return result

    def run_detached(self, sinks: Sequence[Emit],
                     cancelled: Callable[[], bool] = lambda: False) -> RunFinished | None:
        holder = self.running()
        if holder is not None:
            self.attach(holder)
        else:
            self.start_detached()
        return self.follow(sinks, cancelled)

    def request_stop(self) -> None:
        if self.current is not None:
            background.request_stop(self.current)

    def last_outcome(self, looking: str = background.SCREENS_LOOK) -> str | None:
        return background.last_outcome(self.paths.journal, looking=looking,
                                       titles=self.step_titles())

    def step_titles(self) -> dict[str, str]:
        """Every step of this plan by its title, in order, for sentences about steps not
        yet begun and for the screens' lists."""
        return {step.id: step.title for step in build_plan(self.config)}

    @property
    def line(self) -> Line:
        """The CHT line the answers choose."""
        return line_for(self.config)

    def keep_secret(self, *secrets: str | None) -> None:
        """Secrets just given (on a screen): never written to the log or shown again."""
        for secret in secrets:
            if secret:
                self.real.add_secret(secret)

    def accept_warnings(self) -> None:
        """The operator goes on past the hardware's warnings (as --accept-warnings)."""
        self.config = self.config.with_changes(accept_warnings=True)

    def change_answers(self, given: Mapping[str, object]) -> None:
        """Answers given on a screen, by their keys (tls.email): checked as the answers
        file's are (the files they name too), then kept, their secrets never logged;
        ``cht_version: latest`` is asked of CHT's build server then.
        Raises AnswersError, changing nothing, when one is not valid."""
        config = self.checked_answers(given)
        self.proxies = proxy.use(config)
        self.keep_secret(*self.proxies.secrets())
        pinned = pin_latest(config, self.real)
        self.asked_latest = pinned is not config
        self.config = pinned
        self.keep_secret(config.admin_password, config.tls.password)

    def checked_answers(self, given: Mapping[str, object]) -> InstallConfig:
        """The answers with these given on a screen, checked (the files they name too),
        changing nothing. Raises AnswersError when one is not valid."""
        return answers.check_files(self.config.with_answers(given))

    def pin_latest(self) -> None:
        """``cht_version: latest`` becomes the newest release on CHT's build server, asked
        now: the plan, the run and the saved answers name that number, so that a later run
        never moves by itself. Raises AnswersError when the build server does not say."""
        pinned = pin_latest(self.config, self.real)
        self.asked_latest = self.asked_latest or pinned is not self.config
        self.config = pinned

    def checklist(self, on_screen: bool = False) -> list[Item]:
        """The Considerations, each checked now (doctor's probes); the next steps in the
        screens' words when ``on_screen``."""
        return checklist(self.doctor(), self.paths, self.config.tls.mode, self.env_file,
                         on_screen=on_screen)

    def renew_certificate(self, force: bool, sinks: Sequence[Emit]) -> RunFinished:
        """Renew the Let's Encrypt certificate if due (or forced): order, install, reload,
        prove on the wire. If the new one fails, the working one is put back."""
        from installer.steps.acme import TlsChallengeLocation
        from installer.steps.tls import TlsCertificate, TlsInstalled
        from installer.steps.verify import AnswersHttps

        with RunLock(self.paths.lock):
            journal = Journal(self.paths.journal, uuid.uuid4().hex[:12], self.real.redact)
            ctx = self.context(self.real)
            ctx.facts.force_renewal = force
            steps: list[Step] = [TlsChallengeLocation(), TlsCertificate(), TlsInstalled(),
                                 AnswersHttps()]
            result = Runner(steps, ctx, [journal.record, *sinks]).run(accept_warnings=True)
            if not result.ok and "tls.certificate" in result.applied:
                self._put_back_previous(ctx)
            self.real.log(f"renew-cert finished: ok={result.ok} applied={list(result.applied)}")
            return result

    def _put_back_previous(self, ctx: Context) -> None:
        from installer.steps.tls import TlsInstalled

        previous_cert = self.paths.certificate.with_suffix(".crt.previous")
        previous_key = self.paths.private_key.with_suffix(".key.previous")
        cert, key = self.real.read_bytes(previous_cert), self.real.read_bytes(previous_key)
        if cert is None or key is None:
            return
        self.real.write_file(self.paths.certificate, cert, 0o644)
        self.real.write_file(self.paths.private_key, key, 0o600)
        TlsInstalled().apply(ctx)
        self.real.log("renew-cert: the new certificate failed; the working one is back")

    def certificate_summary(self) -> dict[str, object] | None:
        """The installed certificate's expiry and source, for doctor; None when absent."""
        from installer.tls.certinfo import pem_summary

        pem = self.real.read_bytes(self.paths.certificate)
        if pem is None:
            return None
        info = pem_summary(pem)
        source = (self.real.read_text(self.paths.tls_source) or "self-signed").strip()
        return {"expires": info.not_after.isoformat(), "days_left": info.days_left(),
                "names": list(info.names), "source": source}

    def compose_difference(self) -> str | None:
        """How the compose file on disk differs from the one the answers make (a unified
        diff, yours first); None when it is absent or the same."""
        import difflib

        from installer.lines.cht3.files import render_compose

        current = self.real.read_text(self.paths.compose_file)
        wanted = render_compose(self.config)
        if current is None or current == wanted:
            return None
        name = str(self.paths.compose_file)
        return "".join(difflib.unified_diff(current.splitlines(keepends=True),
                                            wanted.splitlines(keepends=True),
                                            f"{name} (yours)", f"{name} (cht-install)"))

    def doctor(self) -> dict[str, object]:
        """Every step probed (nothing changed) and the Considerations' checks."""
        from installer import security
        from installer.doctor_checks import (
            Check,
            alerting_check,
            bounded_check,
            certificate_expiry,
            certificate_trust,
            data_checks,
            data_location,
            proxy_check,
            restart_policy_check,
            version_check,
        )
        from installer.steps.updates import updates_finding

        certificate = self.certificate_summary()
        days = certificate.get("days_left") if certificate else None
        expires = certificate.get("expires") if certificate else None
        ctx = self.context(PlanHost(None if self.planning_elsewhere else self.real))
        checks = [certificate_expiry(days if isinstance(days, int) else None,
                                     str(expires) if expires else None),
                  certificate_trust(self.config.tls.mode), *data_checks(ctx),
                  restart_policy_check(ctx), alerting_check(ctx), version_check(ctx),
                  proxy_check(ctx),
                  Check("os.security-updates", "The OS installs security updates by itself",
                        updates_finding(ctx))]
        place = data_location(ctx)
        if place is not None:
            checks.append(security.disk_encryption(ctx.host, place[1]))
        checks += [security.firewall(ctx.host, self.config.http_port, self.config.https_port),
                   security.ssh_root_password(ctx.host), bounded_check(ctx)]
        report = doctor_report(self.plan(), certificate, checks)
        report["considerations"] = [
            {"topic": item.topic, "status": item.status, "text": item.text}
            for item in checklist(report, self.paths, self.config.tls.mode, self.env_file)]
        return report

    @property
    def env_file(self) -> Path:
        """Where the chosen line keeps the admin password."""
        return self.line.env_file(self.paths)

    def admin_password(self) -> str | None:
        return password_in(self.real.read_text(self.env_file), self.line)

    def url(self) -> str:
        port = self.config.https_port
        return f"https://{self.config.hostname}" + ("" if port == 443 else f":{port}") + "/"
