"""What a registry says about an image before pulling it: the bytes its layers weigh and
the platforms it is built for.

Read-only (registry HTTP API v2, anonymous token when the registry asks for one); used
for the pull pre-flight. Any failure gives None: that check is then skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

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


def _get(session: Any, url: str, headers: dict[str, str]) -> Any:
    answer = session.get(url, headers=headers, timeout=15)
    challenge = answer.headers.get("WWW-Authenticate", "")
    if answer.status_code == 401 and challenge.lower().startswith("bearer"):
        params = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
        realm = params.pop("realm", "")
        token = session.get(realm, params=params, timeout=15).json()
        bearer = token.get("token") or token.get("access_token") or ""
        headers = {**headers, "Authorization": f"Bearer {bearer}"}
        answer = session.get(url, headers=headers, timeout=15)
    answer.raise_for_status()
    return answer


def _ask(ref: str, read: Callable[[Any, str, str], T]) -> T | None:
    """``read(session, "<scheme>://host/v2/<repository>/", tag)`` against the image's
    registry (plain HTTP too for one on loopback); None when no scheme answers."""
    import requests

    host, repository, tag = split_reference(ref)
    schemes = ("http", "https") if _loopback(host) else ("https",)
    with requests.Session() as session:
        session.verify = trusted(host)
        for scheme in schemes:
            try:
                return read(session, f"{scheme}://{host}/v2/{repository}/", tag)
            except (requests.RequestException, ValueError, KeyError, TypeError):
                continue
    return None


def layers_size(ref: str, machine: str) -> int | None:
    """Compressed bytes of the image's layers for this machine; None when unknown."""
    headers = {"Accept": MANIFESTS}

    def read(session: Any, base: str, tag: str) -> int | None:
        manifest = _get(session, base + "manifests/" + tag, headers).json()
        if "manifests" in manifest:  # an index: pick this machine's image
            arch = ARCH.get(machine, machine)
            chosen = next((m for m in manifest["manifests"]
                           if (m.get("platform") or {}).get("architecture") == arch), None)
            if chosen is None:
                return None
            manifest = _get(session, base + "manifests/" + chosen["digest"], headers).json()
        return sum(int(layer.get("size", 0)) for layer in manifest.get("layers", []))

    return _ask(ref, read)


def image_platforms(ref: str) -> list[str] | None:
    """The platforms ("linux/amd64", ...) the image is built for: from its index, or from
    its single manifest's config; None when the registry cannot be asked."""
    headers = {"Accept": MANIFESTS}

    def read(session: Any, base: str, tag: str) -> list[str]:
        manifest = _get(session, base + "manifests/" + tag, headers).json()
        if "manifests" in manifest:
            found = [m.get("platform") or {} for m in manifest["manifests"]]
        else:
            found = [_get(session, base + "blobs/" + manifest["config"]["digest"], {}).json()]
        return sorted({f"{p.get('os', '?')}/{p.get('architecture', '?')}" for p in found
                       if p.get("architecture") not in (None, "unknown")})

    return _ask(ref, read)
