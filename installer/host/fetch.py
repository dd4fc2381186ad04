"""Every HTTP(S) fetch cht-install makes itself opens here: through the proxy the
environment names at that moment (installer/proxy.py puts the answers' there)."""

from __future__ import annotations

import urllib.request
from typing import Any


def open_url(request: str | urllib.request.Request, timeout: float) -> Any:
    """urlopen, with the proxies read now (urllib's own opener keeps the first ones)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler())
    return opener.open(request, timeout=timeout)
