"""cht.answers-https: CHT answers over HTTPS, with the certificate that was installed,
once it has installed itself (medic-os's horticulturalist downloads CHT after boot)."""

from __future__ import annotations

import json
import re

from installer.step import Context, Finding, StepError, broken, needed, ok
from installer.tls.certinfo import fingerprint_der, pem_summary
from installer.tls.installed import installed_pair
from installer.tls.trust import roots_pem

ADDRESS = "127.0.0.1"
ANSWER_TIMEOUT = 60.0
# After a graceful reload nginx's old workers serve the old certificate until they have
# finished what they hold: a restart then would cut every phone that is connected.
RELOAD_GRACE = 20.0
OTHER_CERTIFICATE = "other than the installed one"
PROXY_ERRORS = (502, 503, 504)
API_INFO = "/api/info"  # CHT's API says its version here (both lines)
PERCENT = re.compile(r"(\d{1,3})%")
PERCENT_NOTE = re.compile(r" \(\d{1,3}%\)$")
HORTI_LINE = re.compile(r"^\S*\s*horti:(\w+) (.*)$")


def expected_fingerprint(ctx: Context) -> str | None:
    pair = installed_pair(ctx)
    return pem_summary(pair[0]).fingerprint if pair else None


def cht_version(body: bytes) -> str | None:
    """The version in CHT's /api/info answer ({"version": "3.9.0"}), if it is one."""
    try:
        info = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    version = info.get("version") if isinstance(info, dict) else None
    return version if isinstance(version, str) else None


def horti_progress(log: str) -> str:
    """Where horticulturalist is, from its log (debug-module lines such as
    "2026-...Z horti:stage Warming views" and view-warming bars with a percentage)."""
    phase, percent = "starting", None
    for line in log.splitlines():
        found = HORTI_LINE.match(line.strip())
        if found is None:
            continue
        if found.group(1) == "stage":
            phase, percent = found.group(2), None
        elif PERCENT.search(found.group(2)):
            percent = PERCENT.findall(found.group(2))[-1]
    return f"{phase} ({percent}%)" if percent is not None else phase


def installing_itself(ctx: Context) -> str | None:
    """While CHT is still setting itself up: where it is; else None. (3.x: horticulturalist
    downloads CHT after medic-os boots; current line: CHT's API is up only once its server
    checks and first setup are done, and nginx answers 502 until then.)"""
    return ctx.line.installing_itself(ctx)


def check_https(ctx: Context) -> Finding:
    """The served certificate is the installed one; for a CA-issued one (own mode) the
    served chain also verifies for the host name against trusted roots, as on a phone;
    CHT's API answers /api/info with its version."""
    port, hostname = ctx.config.https_port, ctx.config.hostname_ascii
    expected = expected_fingerprint(ctx)
    trust = (roots_pem(ctx.host, ctx.config.tls.trust_store)
             if ctx.config.tls.mode != "self-signed" else None)
    answer = ctx.host.https_get(ADDRESS, port, hostname, trust, path=API_INFO)
    if answer.certificate is None:
        web = ctx.line.web_server()
        return needed(f"nothing answers HTTPS on port {port}: {answer.error}",
                      f"cht-install restarts nginx in {web.container} and checks again.")
    served = fingerprint_der(answer.certificate)
    if served != expected:
        return broken(
            f"port {port} serves a certificate ({served[:23]}...) {OTHER_CERTIFICATE}",
            "cht-install reinstalls the certificate and restarts nginx.",
        )
    if answer.verified is False:
        return broken(f"phones would refuse https://{hostname}:{port}/: {answer.verify_error}",
                      "Check the chain (intermediates) in your certificate file; cht-install "
                      "reinstalls it and restarts nginx.")
    version = cht_version(answer.body) if answer.status == 200 else None
    if version is None:
        if answer.status in PROXY_ERRORS:
            progress = installing_itself(ctx)
            if progress is not None:
                how = ctx.line.setting_itself_up
                return needed(f"CHT is still installing itself ({how}); last step: "
                              f"{progress}",
                              "cht-install waits for it; on a slow link this takes minutes.")
        return broken(f"https://{hostname}:{port}{API_INFO} answered "
                      f"{answer.status or answer.error}, not CHT's version",
                      f"Check `docker logs {logs_of(ctx)}`; cht-install restarts nginx and "
                      "waits.")
    chain = ", chain verified for the name" if answer.verified else ""
    return ok(f"https://{hostname}:{port}/ answers: CHT {version}, with the installed "
              f"certificate ({served[:23]}...){chain}")


def logs_of(ctx: Context) -> str:
    """The container whose log tells why CHT does not answer."""
    return ctx.line.main_container


class AnswersHttps:
    """CHT answers its version over HTTPS here with the installed certificate.

    A CA's chain is verified; CHT is asked once it has finished setting itself up.
    """

    id = "cht.answers-https"
    title = "CHT answers over HTTPS"

    def probe(self, ctx: Context) -> Finding:
        return check_https(ctx)

    def apply(self, ctx: Context) -> None:
        first = check_https(ctx)
        if OTHER_CERTIFICATE in first.reason and ctx.host.wait_until(
                lambda: check_https(ctx).ok, RELOAD_GRACE, "nginx to finish reloading"):
            ctx.progress(100, 100, "CHT answers")
            return
        if first.status.value != "needed" or "installing itself" not in first.reason:
            web = ctx.line.web_server()
            ctx.host.container_exec(web.container, web.restart)
        last: list[Finding] = [first]

        def answers() -> bool:
            finding = check_https(ctx)
            last[:] = [finding]
            if "installing itself" in finding.reason:
                where = finding.reason.split("last step: ")[-1]
                found = PERCENT.findall(where)
                ctx.progress(min(int(found[-1]), 99) if found else 0, 100,
                             f"CHT installing itself: {PERCENT_NOTE.sub('', where)}")
            return finding.ok

        limit = ctx.line.setup_timeout if "installing itself" in first.reason else ANSWER_TIMEOUT
        if not ctx.host.wait_until(answers, limit, "CHT to answer on HTTPS"):
            finding = last[0]
            if "installing itself" in finding.reason:
                raise StepError(
                    f"CHT was still installing itself after {limit / 60:.0f} minutes "
                    f"({finding.reason.split('last step: ')[-1]})",
                    "A slow link can take longer: run cht-install again later and it goes on "
                    f"waiting. If it does not move, check `docker logs {logs_of(ctx)}`"
                    f"{ctx.line.setup_log}.")
            raise StepError(finding.reason,
                            finding.fix or f"Check `docker logs {logs_of(ctx)}`.")
        ctx.progress(100, 100, "CHT answers")
