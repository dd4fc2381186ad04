"""What the CA says, in plain language with its own detail."""

from __future__ import annotations

from acme import errors, messages

from installer.tls.acme_order import _explain


def test_rate_limit_says_to_wait_and_quotes_the_ca() -> None:
    error = messages.Error(typ="urn:ietf:params:acme:error:rateLimited",
                           detail="too many certificates already issued for cht.example.org")
    explained = _explain(error)
    assert "rate limit" in explained.reason
    assert "too many certificates already issued" in explained.reason
    assert "Wait" in explained.fix


def test_failed_validation_quotes_the_ca_and_points_at_dns_and_port_80() -> None:
    failure = messages.Error(typ="urn:ietf:params:acme:error:connection",
                             detail="Timeout during connect (likely firewall problem)")
    challenge = messages.ChallengeBody(
        chall=messages.challenges.HTTP01(token=b"x" * 32),  # type: ignore[attr-defined]
        status=messages.STATUS_INVALID, error=failure)
    authz = messages.AuthorizationResource(
        body=messages.Authorization(challenges=[challenge], status=messages.STATUS_INVALID),
        uri="https://ca.example/authz/1")
    explained = _explain(errors.ValidationError([authz]))
    assert "likely firewall problem" in explained.reason
    assert "port 80" in explained.fix and "DNS" in explained.fix


def test_other_refusals_quote_the_ca() -> None:
    error = messages.Error(typ="urn:ietf:params:acme:error:rejectedIdentifier",
                           detail="Policy forbids issuing for name")
    assert "Policy forbids issuing for name" in _explain(error).reason
