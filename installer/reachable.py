"""Whether phones in the field could reach the host name: a warning, never a refusal."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable

SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT


def local_addresses() -> set[str]:
    """This server's own addresses (every interface)."""
    import psutil

    found = set()
    for addresses in psutil.net_if_addrs().values():
        for address in addresses:
            found.add(address.address.split("%", 1)[0])
    return found


def _kind(address: str) -> str | None:
    ip = ipaddress.ip_address(address)
    if ip.is_loopback:
        return "loopback"
    if ip.is_private or ip in SHARED_ADDRESS_SPACE:
        return "private"
    return None


def phones_note(hostname: str, resolve: Callable[[str], list[str]] | None,
                mine: Iterable[str]) -> tuple[bool, str]:
    """(whether phones may fail to reach it, one sentence saying why or where it points);
    without ``resolve`` (a plan for another machine) DNS is not asked."""
    name = hostname.rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True, (f"phones cannot reach {hostname}: on every phone it names the phone "
                      "itself. Use the name (or public IP address) people will type.")
    try:
        kind = _kind(name)
    except ValueError:
        kind = None
        if "." not in name:
            return True, (f"{hostname} is a bare name that only this server (or this network) "
                          "knows: phones in the field need a full name such as cht.example.org "
                          "or the server's public IP address.")
    else:
        if kind == "loopback":
            return True, f"{hostname} is this server talking to itself: phones cannot reach it."
        if kind == "private":
            return True, (f"{hostname} is a private address: only phones on the same local "
                          "network (or VPN) can reach it.")
        return False, f"{hostname} is an IP address: phones reach it if it is this server's."
    if resolve is None:
        return False, ""
    addresses = resolve(hostname)
    if not addresses:
        return True, (f"{hostname} does not resolve (no DNS record yet): phones will not find "
                      "the server until its DNS A record points here.")
    ours = set(mine)
    shown = ", ".join(addresses[:3])
    if ours & set(addresses):
        return False, f"{hostname} resolves to {shown}, an address of this server."
    if all(_kind(a) for a in addresses):
        return True, (f"{hostname} resolves to {shown}, a private or loopback address: "
                      "phones outside this network cannot reach it.")
    return False, (f"{hostname} resolves to {shown}, not one of this server's own addresses "
                   "(fine behind NAT or a load balancer that forwards to it).")
