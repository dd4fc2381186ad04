"""The engine's front door for both front ends: choices, machine, plan, run."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from installer import answers
from installer.answers import InstallConfig
from installer.events import Emit, RunFinished
from installer.host import Host, PlanHost, RealHost
from installer.journal import Journal, RunLock
from installer.paths import Paths
from installer.plan import build_plan
from installer.platform import Platform, detect
from installer.runner import PlannedStep, Runner
from installer.stack_files import password_from_env
from installer.step import Context, Step
from installer.steps.hardware import Check, checks_for


@dataclass
class Options:
    """What the command line says (the TUI starts from the same)."""

    root: Path = Path("/")
    answers_file: Path | None = None
    os_release: Path | None = None
    arch: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)


def default_hostname() -> str:
    name = socket.getfqdn()
    return name if answers.is_hostname(name) else "localhost"


def resolve_config(options: Options, paths: Paths) -> InstallConfig:
    """Defaults, then the saved answers, then --answers, then flags; validated."""
    data: dict[str, Any] = {}
    for source in (paths.answers, options.answers_file):
        if source is not None and source.exists():
            loaded = answers.load(source).to_mapping(keep_secrets=True)
            data.update({k: v for k, v in loaded.items() if v is not None})
    for key, value in options.overrides.items():
        if isinstance(value, dict):
            section = dict(data.get(key) or {})
            section.update({k: v for k, v in value.items() if v is not None})
            data[key] = section
        elif value is not None:
            data[key] = value
    data.setdefault("hostname", default_hostname())
    return answers.from_mapping(data)


class Session:
    def __init__(self, options: Options) -> None:
        self.options = options
        self.paths = Paths.under(options.root)
        self.config = resolve_config(options, self.paths)
        self.platform: Platform = detect(options.os_release, options.arch)
        self.real = RealHost(self.paths.log)
        # Set by run(): whether this run created the admin password (then shown once).
        self.password_created = False
        for secret in (self.config.admin_password, self.config.tls.password):
            if secret:
                self.real.add_secret(secret)

    @property
    def planning_elsewhere(self) -> bool:
        return self.options.os_release is not None

    def context(self, host: Host, emit: Emit = lambda event: None) -> Context:
        return Context(host=host, config=self.config, paths=self.paths,
                       platform=self.platform, emit=emit)

    def hardware(self) -> list[Check] | None:
        host: Host = PlanHost(None if self.planning_elsewhere else self.real)
        return checks_for(self.context(host), self.platform)

    def plan(self) -> list[PlannedStep]:
        host = PlanHost(None if self.planning_elsewhere else self.real)
        return Runner(build_plan(self.config), self.context(host)).plan()

    def save_answers(self) -> None:
        self.real.write_file(self.paths.answers, answers.dump(self.config), 0o600)

    def run(self, sinks: Sequence[Emit]) -> RunFinished:
        """Install or repair, under the single-run lock, journaled."""
        with RunLock(self.paths.lock):
            had_password = self.admin_password() is not None
            self.save_answers()
            journal = Journal(self.paths.journal, uuid.uuid4().hex[:12])
            self.real.log(f"run started by pid {os.getpid()} for {self.config.hostname}")
            runner = Runner(build_plan(self.config), self.context(self.real),
                            [journal.record, *sinks])
            result = runner.run(accept_warnings=self.config.accept_warnings)
            self.real.log(f"run finished: ok={result.ok} applied={list(result.applied)}")
            self.password_created = not had_password and self.admin_password() is not None
            return result

    def renew_certificate(self, force: bool, sinks: Sequence[Emit]) -> RunFinished:
        """Renew the Let's Encrypt certificate if due (or forced): order, install, reload,
        prove on the wire. If the new one fails, the working one is put back."""
        from installer.steps.acme import TlsChallengeLocation
        from installer.steps.tls import TlsCertificate, TlsInstalled
        from installer.steps.verify import AnswersHttps

        with RunLock(self.paths.lock):
            journal = Journal(self.paths.journal, uuid.uuid4().hex[:12])
            ctx = self.context(self.real)
            ctx.facts["force_renewal"] = force
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
        from cryptography import x509

        from installer.tls.certinfo import summarize

        pem = self.real.read_bytes(self.paths.certificate)
        if pem is None:
            return None
        info = summarize(x509.load_pem_x509_certificate(pem))
        source = (self.real.read_text(self.paths.tls_source) or "self-signed").strip()
        return {"expires": info.not_after.isoformat(), "days_left": info.days_left(),
                "names": list(info.names), "source": source}

    def admin_password(self) -> str | None:
        return password_from_env(self.real.read_text(self.paths.env_file))

    def url(self) -> str:
        port = self.config.https_port
        return f"https://{self.config.hostname}" + ("" if port == 443 else f":{port}") + "/"
