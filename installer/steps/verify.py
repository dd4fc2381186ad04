"""cht.answers-https: CHT answers over HTTPS with the certificate that was installed."""

from __future__ import annotations

from cryptography import x509

from installer.step import Context, Finding, StepError, broken, needed, ok
from installer.steps.tls import RESTART_NGINX, installed_pair
from installer.tls.certinfo import fingerprint_der, summarize
from installer.tls.trust import roots_pem

ADDRESS = "127.0.0.1"
ANSWER_TIMEOUT = 60.0


def expected_fingerprint(ctx: Context) -> str | None:
    pair = installed_pair(ctx)
    return summarize(x509.load_pem_x509_certificate(pair[0])).fingerprint if pair else None


def check_https(ctx: Context) -> Finding:
    """The served certificate is the installed one; for a CA-issued one (own mode) the
    served chain also verifies for the host name against trusted roots, as on a phone."""
    port, hostname = ctx.config.https_port, ctx.config.hostname
    expected = expected_fingerprint(ctx)
    trust = (roots_pem(ctx.host, ctx.config.tls.trust_store)
             if ctx.config.tls.mode != "self-signed" else None)
    answer = ctx.host.https_get(ADDRESS, port, hostname, trust)
    if answer.certificate is None:
        return needed(f"nothing answers HTTPS on port {port}: {answer.error}",
                      "cht-install restarts nginx in medic-os and checks again.")
    served = fingerprint_der(answer.certificate)
    if served != expected:
        return broken(
            f"port {port} serves a certificate ({served[:23]}...) other than the installed one",
            "cht-install reinstalls the certificate and restarts nginx.",
        )
    if answer.verified is False:
        return broken(f"phones would refuse https://{hostname}:{port}/: {answer.verify_error}",
                      "Check the chain (intermediates) in your certificate file; cht-install "
                      "reinstalls it and restarts nginx.")
    if answer.status is None or answer.status >= 500:
        return broken(f"https://{hostname}:{port}/ answered {answer.status or answer.error}",
                      "Check `docker logs medic-os`.")
    chain = ", chain verified for the name" if answer.verified else ""
    return ok(f"https://{hostname}:{port}/ answers {answer.status} with the installed "
              f"certificate ({served[:23]}...){chain}")


class AnswersHttps:
    id = "cht.answers-https"
    title = "CHT answers over HTTPS"

    def probe(self, ctx: Context) -> Finding:
        return check_https(ctx)

    def apply(self, ctx: Context) -> None:
        ctx.host.container_exec("medic-os", RESTART_NGINX)
        if not ctx.host.wait_until(lambda: check_https(ctx).ok, ANSWER_TIMEOUT, "CHT on HTTPS"):
            finding = check_https(ctx)
            raise StepError(finding.reason, finding.fix or "Check `docker logs medic-os`.")
