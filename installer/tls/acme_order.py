"""Ordering a certificate over ACME v2 (Let's Encrypt), with the `acme` library.

Why `acme` and not certbot: the installer needs to answer HTTP-01 by writing the token into
medic-os's volume and to keep CHT serving meanwhile; certbot's webroot/standalone plugins
assume the web server runs on this host. The library is certbot's own protocol layer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

LETS_ENCRYPT = "https://acme-v02.api.letsencrypt.org/directory"
LETS_ENCRYPT_STAGING = "https://acme-staging-v02.api.letsencrypt.org/directory"
ORDER_TIMEOUT = dt.timedelta(minutes=3)
RATE_LIMITED = "urn:ietf:params:acme:error:rateLimited"


@dataclass(frozen=True)
class AcmeRequest:
    directory: str
    account_key_pem: bytes
    email: str
    hostname: str
    key_pem: bytes  # the new certificate's private key
    ca_bundle: str | None = None  # to trust a private ACME server (tests); None: system


class AcmeError(Exception):
    def __init__(self, reason: str, fix: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.fix = fix


Publish = Callable[[str, str], None]  # (token, key authorization)


def _explain(exc: Exception) -> AcmeError:
    from acme import errors, messages

    if isinstance(exc, messages.Error):
        if exc.typ == RATE_LIMITED:
            return AcmeError(f"the CA's rate limit was hit: {exc.detail}",
                             "Wait before trying again (Let's Encrypt allows 5 certificates "
                             "for the same name a week); to test, use Let's Encrypt's staging "
                             "server: `sudo cht-install --acme-staging`.")
        return AcmeError(f"the CA refused: {exc.detail or exc.typ}",
                         "Read the CA's message above; fix what it names and run again.")
    if isinstance(exc, errors.ValidationError):
        details = []
        for authzr in exc.failed_authzrs:
            for challb in authzr.body.challenges:
                if challb.error is not None:
                    details.append(str(challb.error.detail or challb.error.typ))
        return AcmeError(
            "the CA could not check that this server answers for the name: "
            + ("; ".join(details) or "validation failed"),
            "Make sure the name's DNS points at this server and port 80 is open to the "
            "internet (firewall, cloud security group), then run again.",
        )
    if isinstance(exc, errors.TimeoutError):
        return AcmeError("the CA did not finish the order in time",
                         "Run again in a few minutes.")
    return AcmeError(f"could not talk to the CA: {exc}",
                     "Check the network path to the ACME server (tls.acme_directory).")


def order_certificate(request: AcmeRequest, publish: Publish) -> str:
    """Register (or find) the account, prove control over HTTP-01, return the full chain."""
    # The acme library is imported here, not at start-up: only this path needs it.
    from acme import challenges, client, crypto_util, errors, messages
    from cryptography.hazmat.primitives import serialization
    from josepy.jwk import JWKRSA

    try:
        account_key = JWKRSA(key=serialization.load_pem_private_key(
            request.account_key_pem, password=None))
        verify: bool | str = request.ca_bundle or True
        network = client.ClientNetwork(account_key, user_agent="cht-install",
                                       verify_ssl=verify)  # type: ignore[arg-type]
        directory = client.ClientV2.get_directory(request.directory, network)
        acme = client.ClientV2(directory, network)
        registration = messages.NewRegistration.from_data(
            email=request.email, terms_of_service_agreed=True)
        try:
            network.account = acme.new_account(registration)
        except errors.ConflictError as exists:
            found = messages.RegistrationResource(uri=exists.location,
                                                  body=messages.Registration())
            network.account = acme.query_registration(found)
        csr = crypto_util.make_csr(request.key_pem, [request.hostname])
        order = acme.new_order(csr)
        for authorization in order.authorizations:
            if authorization.body.status == messages.STATUS_VALID:
                continue  # the CA still remembers this name's proof (valid for a while)
            for challenge in authorization.body.challenges:
                if isinstance(challenge.chall, challenges.HTTP01):
                    response, validation = challenge.response_and_validation(account_key)
                    publish(challenge.chall.encode("token"), validation)
                    acme.answer_challenge(challenge, response)
                    break
            else:
                raise AcmeError("the CA offered no HTTP-01 challenge",
                                "Use a CA that supports HTTP-01 (Let's Encrypt does).")
        done = acme.poll_and_finalize(order, dt.datetime.now() + ORDER_TIMEOUT)
        return str(done.fullchain_pem)
    except AcmeError:
        raise
    except Exception as exc:  # every library failure becomes plain words with the CA's detail
        raise _explain(exc) from exc
