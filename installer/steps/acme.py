"""Let's Encrypt around the certificate: the web server ready for its check
(tls.challenge-location) and the scheduled renewal (tls.renewal); the ordering itself is
the Let's Encrypt source (installer/tls/sources/letsencrypt.py)."""

from __future__ import annotations

from installer import schedule
from installer.step import Context, Finding, ok

CRON_SCHEDULE = "17 3,15 * * *"  # twice a day, off the hour


class TlsChallengeLocation:
    """With Let's Encrypt, the line's web server serves its HTTP-01 challenge."""

    id = "tls.challenge-location"
    # true whatever the certificate: the web server is ready for Let's Encrypt, where used
    title = "Web server is ready for Let's Encrypt's check"

    def probe(self, ctx: Context) -> Finding:
        if ctx.config.tls.mode != "letsencrypt":
            return ok("not needed: the certificate does not come from Let's Encrypt")
        return ctx.line.challenge_location(ctx)

    def apply(self, ctx: Context) -> None:
        ctx.line.add_challenge_location(ctx)


RENEWAL = schedule.Job(
    unit="cht-install-renew", cron_name="cht-install",
    what="Renew CHT's Let's Encrypt certificate", command=("renew-cert",),
    cron_time=CRON_SCHEDULE, calendar="*-*-* 03,15:17:00", when="twice a day",
    spread_seconds=3600)


def renewal_files(ctx: Context) -> dict[str, str]:
    """Path -> content of the renewal schedule: systemd timer, or cron without systemd."""
    return schedule.files(ctx, RENEWAL)


class TlsRenewal:
    """With Let's Encrypt, a timer (or cron job) renews the certificate twice a day when due."""

    id = "tls.renewal"
    title = "Certificate renews itself"

    def probe(self, ctx: Context) -> Finding:
        other = "the certificate does not come from Let's Encrypt"
        return schedule.as_asked(ctx, RENEWAL, ctx.config.tls.mode == "letsencrypt", other,
                                 f"not needed: {other}")

    def apply(self, ctx: Context) -> None:
        schedule.put(ctx, RENEWAL, ctx.config.tls.mode == "letsencrypt")
