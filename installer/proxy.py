"""The proxy every fetch goes through: from the answers, else the environment; said with its
password masked, and set in this process's environment (urllib, the ACME client, apt, the
docker CLI and a dockerd that cht-install starts all read it there)."""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from installer.answers import InstallConfig

# Each setting and the variables that carry it (programs read one case or the other).
VARIABLES = {"http": ("http_proxy", "HTTP_PROXY"), "https": ("https_proxy", "HTTPS_PROXY"),
             "no_proxy": ("no_proxy", "NO_PROXY")}


@dataclass(frozen=True)
class Proxies:
    """The proxies in use, and where they come from ("answers" or "environment")."""

    http: str | None = None
    https: str | None = None
    no_proxy: str | None = None
    source: str = ""

    @property
    def any(self) -> bool:
        return bool(self.http or self.https)

    def secrets(self) -> list[str]:
        """The passwords inside the proxies' addresses (kept out of logs)."""
        found = [urlsplit(url).password for url in (self.http, self.https) if url]
        return [password for password in found if password]

    def words(self) -> str:
        """One line for the plan and doctor: which proxy, never its password."""
        if not self.any:
            return "no proxy (direct connections)"
        if self.http == self.https:
            said = f"{masked(self.http)} for http and https"
        else:
            said = "; ".join(f"{masked(url)} for {kind}" for kind, url in
                             (("http", self.http), ("https", self.https)) if url)
        bypass = f"; not for {self.no_proxy}" if self.no_proxy else ""
        return f"{said}{bypass} (from the {self.source})"

    def as_dict(self) -> dict[str, str | None]:
        """For the dry-run JSON: the addresses with their passwords masked."""
        return {"http": masked(self.http) if self.http else None,
                "https": masked(self.https) if self.https else None,
                "no_proxy": self.no_proxy, "source": self.source or None}


def masked(url: str | None) -> str:
    """The address with its password as ****."""
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    return url.replace(f"{user}:{parts.password}@", f"{user}:****@", 1)


def from_environment(environ: Mapping[str, str]) -> dict[str, str | None]:
    return {key: next((environ[name] for name in names if environ.get(name)), None)
            for key, names in VARIABLES.items()}


def proxies_for(config: InstallConfig, environ: Mapping[str, str]) -> Proxies:
    """The answers' proxy when one is set, else the environment's."""
    chosen = config.proxy
    if chosen.http or chosen.https:
        return Proxies(chosen.http, chosen.https, chosen.no_proxy, "answers")
    found = from_environment(environ)
    if found["http"] or found["https"]:
        return Proxies(found["http"], found["https"], found["no_proxy"], "environment")
    return Proxies()


def set_environment(proxies: Proxies, environ: MutableMapping[str, str]) -> None:
    """Put the proxies into ``environ`` in both cases (and nothing when there is none)."""
    if not proxies.any:
        return
    for key, names in VARIABLES.items():
        value = getattr(proxies, key)
        for name in names:
            if value:
                environ[name] = value
            else:
                environ.pop(name, None)


def use(config: InstallConfig) -> Proxies:
    """The proxies for this process's fetches from now on."""
    found = proxies_for(config, os.environ)
    set_environment(found, os.environ)
    return found


def carries(host: str) -> bool:
    """Whether this process's proxy carries requests to ``host`` (https, as registries are
    asked): then the proxy resolves its name, and this server may have no DNS for it."""
    found = urllib.request.getproxies_environment()
    return bool(found.get("https")) and not urllib.request.proxy_bypass(host)
