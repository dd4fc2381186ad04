"""What a registry says about an image before pulling it: the bytes its layers weigh and
the platforms it is built for.

Read-only (registry HTTP API v2, anonymous token when the registry asks for one); used
for the pull pre-flight. Any failure gives None: that check is then skipped.
"""

from __future__ import annotations

import http.client
import json
import re
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from installer.host.fetch import open_url

T = TypeVar("T")

DOCKER_HUB = "registry-1.docker.io"
MANIFESTS = ", ".join((
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
))
ARCH = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm"}
# Where Docker looks for the CA of a registry with a private certificate (Docker's
# "Verify repository client with certificates" page): <host:port>/ca.crt.
DOCKER_CERTS = Path("/etc/docker/certs.d")


def split_reference(ref: str) -> tuple[str, str, str]:
    """(registry host, repository, tag) of a reference such as host:5000/a/b:tag."""
    name, _, tag = ref.rpartition(":")
    first, _, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        host, repository = first, rest
    else:
        host, repository = DOCKER_HUB, name
    if host == DOCKER_HUB and "/" not in repository:
        repository = f"library/{repository}"
    return host, repository, tag


def registry_host(ref: str) -> str:
    """The host name (without port) a pull of ``ref`` must resolve."""
    return split_reference(ref)[0].rsplit(":", 1)[0]


def _loopback(host: str) -> bool:
    return host.startswith(("127.", "localhost"))


def trusted(host: str, certs: Path = DOCKER_CERTS) -> str | bool:
    """The CA file Docker trusts for this registry (host or host:port) when one is there,
    so that the pre-flight trusts what the pull will; else the system's CAs (True)."""
    ca = certs / host / "ca.crt"
    return str(ca) if ca.is_file() else True


class _Asker:
    """GETs of one registry's JSON answers, trusting what Docker trusts for it, through the
    environment's proxy; an anonymous token is fetched when the registry asks for one."""

    def __init__(self, host: str) -> None:
        ca = trusted(host)
        self.context = ssl.create_default_context(cafile=ca if isinstance(ca, str) else None)
        self.token: str | None = None

    def _json(self, url: str, headers: dict[str, str], token: str | None = None) -> Any:
        asked = urllib.request.Request(url, headers=headers)
        if token is not None:  # never sent on to where a blob redirects (a CDN, say)
            asked.add_unredirected_header("Authorization", f"Bearer {token}")
        with open_url(asked, timeout=15, context=self.context) as answer:
            return json.loads(answer.read())

    def get(self, url: str, headers: dict[str, str]) -> Any:
        try:
            return self._json(url, headers, self.token)
        except urllib.error.HTTPError as exc:
            challenge = exc.headers.get("WWW-Authenticate", "")
            if exc.code != 401 or not challenge.lower().startswith("bearer") or self.token:
                raise
        params = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
        realm = params.pop("realm", "")
        token = self._json(realm + "?" + urllib.parse.urlencode(params), {})
        self.token = str(token.get("token") or token.get("access_token") or "")
        return self._json(url, headers, self.token)


def _ask(ref: str, read: Callable[[_Asker, str, str], T]) -> T | None:
    """``read(asker, "<scheme>://host/v2/<repository>/", tag)`` against the image's
    registry (plain HTTP too for one on loopback); None when no scheme answers."""
    host, repository, tag = split_reference(ref)
    schemes = ("http", "https") if _loopback(host) else ("https",)
    asker = _Asker(host)
    for scheme in schemes:
        try:
            return read(asker, f"{scheme}://{host}/v2/{repository}/", tag)
        except (OSError, http.client.HTTPException, ValueError, KeyError, TypeError,
                AttributeError):
            continue
    return None


def layers_size(ref: str, machine: str) -> int | None:
    """Compressed bytes of the image's layers for this machine; None when unknown."""
    headers = {"Accept": MANIFESTS}

    def read(asker: _Asker, base: str, tag: str) -> int | None:
        manifest = asker.get(base + "manifests/" + tag, headers)
        if "manifests" in manifest:  # an index: pick this machine's image
            arch = ARCH.get(machine, machine)
            chosen = next((m for m in manifest["manifests"]
                           if (m.get("platform") or {}).get("architecture") == arch), None)
            if chosen is None:
                return None
            manifest = asker.get(base + "manifests/" + chosen["digest"], headers)
        return sum(int(layer.get("size", 0)) for layer in manifest.get("layers", []))

    return _ask(ref, read)


def image_platforms(ref: str) -> list[str] | None:
    """The platforms ("linux/amd64", ...) the image is built for: from its index, or from
    its single manifest's config; None when the registry cannot be asked."""
    headers = {"Accept": MANIFESTS}

    def read(asker: _Asker, base: str, tag: str) -> list[str]:
        manifest = asker.get(base + "manifests/" + tag, headers)
        if "manifests" in manifest:
            found = [m.get("platform") or {} for m in manifest["manifests"]]
        else:
            found = [asker.get(base + "blobs/" + manifest["config"]["digest"], {})]
        return sorted({f"{p.get('os', '?')}/{p.get('architecture', '?')}" for p in found
                       if p.get("architecture") not in (None, "unknown")})

    return _ask(ref, read)
