"""Every HTTP(S) fetch cht-install makes itself opens here: through the proxy the
environment names at that moment (installer/proxy.py puts the answers' there)."""

from __future__ import annotations

import ssl
import urllib.request
from typing import Any


def open_url(request: str | urllib.request.Request, timeout: float,
             context: ssl.SSLContext | None = None) -> Any:
    """urlopen, with the proxies read now (urllib's own opener keeps the first ones), and
    ``context``'s trust for HTTPS when given."""
    handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler()]
    if context is not None:
        handlers.append(urllib.request.HTTPSHandler(context=context))
    opener = urllib.request.build_opener(*handlers)
    return opener.open(request, timeout=timeout)
