"""Security, checked and reported (never changed): whether the disk under CHT's data is
encrypted, what the host firewall lets in, and whether SSH lets root log in with a password.
The parsers are pure (fed recorded or live command output); the probes read through the
Host seam."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from installer.doctor_checks import Check
from installer.filesystems import mounted_at
from installer.host import CommandResult, Host
from installer.step import ok, warning

# -- disk encryption -------------------------------------------------------------------


def crypt_layers(lsblk_json: str) -> tuple[list[str], list[str]]:
    """From `lsblk --json --inverse -o NAME,TYPE,FSTYPE DEVICE`: the device chain (the
    device, then what it sits on) and the dm-crypt/LUKS layers found in it."""
    chain: list[str] = []
    crypts: list[str] = []

    def visit(node: dict[str, Any]) -> None:
        name = str(node.get("name", "?"))
        chain.append(name)
        if node.get("type") == "crypt" or node.get("fstype") == "crypto_LUKS":
            crypts.append(name)
        for child in node.get("children", []) or []:
            visit(child)

    for device in json.loads(lsblk_json).get("blockdevices", []):
        visit(device)
    return chain, crypts


ENCRYPT_FIX = ("If your cloud provider encrypts its disks at rest (most do; lsblk cannot see "
               "that), this is done. Otherwise put CHT's data on an encrypted disk: LUKS "
               "(`cryptsetup luksFormat`) on a new disk mounted where the data lives, or "
               "reinstall the server with \"encrypted LVM\" chosen. A stolen server then "
               "does not give away health records.")


def disk_encryption(host: Host, data: Path) -> Check:
    title = "The disk holding CHT's data is encrypted"
    mount = mounted_at(host, data)
    device = mount[1] if mount else ""  # btrfs subvolumes' [/@] already cut off
    if not device.startswith("/dev/"):
        return Check("security.disk-encryption", title, warning(
            f"{data} is on {device or 'a filesystem'} that is not a block device here (a "
            "container or network storage): cht-install cannot tell", ENCRYPT_FIX))
    tree = host.query(["lsblk", "--json", "--inverse", "--output", "NAME,TYPE,FSTYPE",
                       device])
    if not tree.ok:
        return Check("security.disk-encryption", title, warning(
            f"lsblk could not describe {device}: {tree.tail(1)}", ENCRYPT_FIX))
    try:
        chain, crypts = crypt_layers(tree.stdout)
    except ValueError:
        return Check("security.disk-encryption", title, warning(
            f"lsblk's answer about {device} could not be read", ENCRYPT_FIX))
    path = " on ".join(chain)
    if crypts:
        return Check("security.disk-encryption", title, ok(
            f"{data} is on an encrypted disk ({path}; encrypted at {crypts[0]})"))
    return Check("security.disk-encryption", title, warning(
        f"{data} is on a disk this server does not encrypt (disk {path})",
        ENCRYPT_FIX))


# -- firewall --------------------------------------------------------------------------


def nft_input(ruleset_json: str) -> tuple[bool, list[str]]:
    """From `nft --json list ruleset`: whether some input chain filters (drops what it
    does not accept), and the TCP/UDP ports its rules accept."""
    items = json.loads(ruleset_json).get("nftables", [])
    chains: dict[tuple[str, str, str], bool] = {}
    for item in items:
        chain = item.get("chain")
        if chain and chain.get("hook") == "input":
            key = (chain.get("family"), chain.get("table"), chain.get("name"))
            chains[key] = chain.get("policy") == "drop"
    filtering = any(chains.values())
    ports: list[str] = []
    for item in items:
        rule = item.get("rule")
        if not rule or (rule.get("family"), rule.get("table"), rule.get("chain")) not in chains:
            continue
        expressions = rule.get("expr", [])
        verdicts = [e for e in expressions if isinstance(e, dict) and
                    ({"accept", "drop", "reject"} & set(e))]
        if verdicts and ({"drop", "reject"} & set(verdicts[-1])) and len(expressions) <= 2:
            filtering = True  # a catch-all drop at the end of the chain
        if not verdicts or "accept" not in verdicts[-1]:
            continue
        for expression in expressions:
            match = expression.get("match", {}) if isinstance(expression, dict) else {}
            left = match.get("left", {}).get("payload", {})
            if left.get("field") == "dport" and match.get("op", "==") in ("==", "in"):
                ports += [f"{port}/{left.get('protocol', 'tcp')}"
                          for port in flatten(match.get("right"))]
    return filtering, sorted(set(ports), key=port_order)


def flatten(value: Any) -> list[str]:
    if isinstance(value, dict) and "set" in value:
        return [port for item in value["set"] for port in flatten(item)]
    if isinstance(value, dict) and "range" in value:
        low, high = value["range"]
        return [f"{low}-{high}"]
    return [str(value)] if isinstance(value, (int, str)) else []


def port_order(port: str) -> tuple[int, str]:
    number = port.split("/")[0].split("-")[0]
    return (int(number) if number.isdigit() else 99999, port)


def ufw_status(text: str) -> tuple[bool, list[str]]:
    """From `ufw status verbose`: active (default deny incoming), and what it allows in."""
    active = "Status: active" in text and "deny (incoming)" in text
    allowed = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1] == "ALLOW" and "(v6)" not in line:
            allowed.append(parts[0])
    return active, sorted(set(allowed), key=port_order)


def firewalld_list(text: str) -> list[str]:
    """From `firewall-cmd --list-all`: its services and ports."""
    allowed: list[str] = []
    for line in text.splitlines():
        key, _, value = line.strip().partition(":")
        if key in ("services", "ports"):
            allowed += value.split()
    return allowed


WEB_PORTS = {"http": 80, "https": 443}


def lets_in(allowed: list[str], port: int) -> bool:
    for entry in allowed:
        name, _, protocol = entry.partition("/")
        if protocol == "udp":
            continue
        if name.isdigit() and int(name) == port:
            return True
        if "-" in name and all(p.isdigit() for p in name.split("-")):
            low, high = (int(p) for p in name.split("-"))
            if low <= port <= high:
                return True
        if WEB_PORTS.get(name.lower()) == port or (name == "Anywhere" and not protocol):
            return True
    return False


FIREWALL_FIX = ("Turn on a host firewall that lets in SSH and CHT's web ports, e.g. `sudo "
                "ufw allow OpenSSH && sudo ufw allow 80/tcp && sudo ufw allow 443/tcp && "
                "sudo ufw enable` (allow SSH first, or you lock yourself out). cht-install "
                "never changes the firewall.")


def firewall(host: Host, http_port: int, https_port: int) -> Check:
    title = "A host firewall is on, and lets CHT's web ports in"
    found: tuple[str, list[str]] | None = None
    if host.which("ufw"):
        status = host.query(["ufw", "status", "verbose"])
        active, allowed = ufw_status(status.stdout)
        if active:
            found = ("ufw", allowed)
    if found is None and host.which("firewall-cmd"):
        if host.query(["firewall-cmd", "--state"]).stdout.strip() == "running":
            found = ("firewalld", firewalld_list(host.query(["firewall-cmd",
                                                              "--list-all"]).stdout))
    if found is None and host.which("nft"):
        ruleset = host.query(["nft", "--json", "list", "ruleset"])
        if ruleset.ok:
            try:
                filtering, allowed = nft_input(ruleset.stdout)
            except ValueError:
                filtering, allowed = False, []
            if filtering:
                found = ("nftables", allowed)
    if found is None:
        return Check("security.firewall", title, warning(
            "no host firewall is filtering what comes in (ufw, firewalld and nftables "
            "checked): every service listening on this server is reachable", FIREWALL_FIX))
    name, allowed = found
    shut = [port for port in (http_port, https_port) if not lets_in(allowed, port)]
    listing = ", ".join(allowed) or "nothing"
    if shut:
        ports = " and ".join(f"{port}/tcp" for port in shut)
        return Check("security.firewall", title, warning(
            f"{name} is on and lets in {listing}, not {ports}. Docker's own rules let the "
            "ports it publishes past the firewall's input rules, so CHT answers today; "
            "say it in the firewall too, so that no change to Docker shuts phones out",
            f"Let them in: {' && '.join(f'sudo {allow(name, p)}' for p in shut)}. "
            "cht-install never changes the firewall."))
    return Check("security.firewall", title, ok(f"{name} is on and lets in {listing}"))


def allow(firewall_name: str, port: int) -> str:
    if firewall_name == "ufw":
        return f"ufw allow {port}/tcp"
    if firewall_name == "firewalld":
        return f"firewall-cmd --permanent --add-port={port}/tcp && sudo firewall-cmd --reload"
    return f"nft add rule inet filter input tcp dport {port} accept"


# -- SSH -------------------------------------------------------------------------------


def root_password_login(sshd_t: str) -> bool:
    """From `sshd -T` (the effective settings): root may log in with a password."""
    settings: dict[str, str] = {}
    for line in sshd_t.splitlines():
        key, _, value = line.strip().partition(" ")
        settings.setdefault(key.lower(), value.strip().lower())
    passwords = "yes" in (settings.get("passwordauthentication"),
                          settings.get("kbdinteractiveauthentication"),
                          settings.get("challengeresponseauthentication"))
    return settings.get("permitrootlogin") == "yes" and passwords


SSH_FIX = ("Let root in with a key only: put `PermitRootLogin prohibit-password` in "
           "/etc/ssh/sshd_config (or a file in /etc/ssh/sshd_config.d/), check that you can "
           "log in with your key, then `sudo systemctl reload ssh`. cht-install never changes "
           "SSH.")


PRIVSEP = "Missing privilege separation directory"
# sshd -T insists on its runtime folder (/run/sshd on Debian and Ubuntu), which systemd
# makes when ssh.service starts. With socket activation (Ubuntu 22.10 and later) it starts
# on the first connection, so the folder may not exist yet. The settings are then read in a
# mount namespace of this command's own, where /run is a fresh tmpfs holding that folder:
# nothing on the server changes. The script is constant; sshd's arguments follow it.
IN_OWN_RUN = 'mount -t tmpfs -o mode=0755 cht-install /run && mkdir -m 0755 /run/sshd && exec "$@"'

CANT_TELL_FIX = ("Look yourself: `sudo grep -riE 'PermitRootLogin|PasswordAuthentication' "
                 "/etc/ssh/sshd_config /etc/ssh/sshd_config.d/` shows what SSH was told; root "
                 "should not be let in with a password. cht-install never changes SSH.")


def sshd_settings(host: Host, sshd_config: Path | None = None) -> CommandResult:
    """SSH's effective settings (`sshd -T`), also where SSH has not started yet."""
    argv = ["sshd", "-T"] + (["-f", str(sshd_config)] if sshd_config else [])
    found = host.query(argv)
    if found.ok or PRIVSEP not in found.stderr or not host.which("unshare"):
        return found
    return host.query(["unshare", "--mount", "--propagation", "private", "--",
                       "sh", "-c", IN_OWN_RUN, "sh", *argv])


def why_sshd_failed(found: CommandResult) -> str:
    """Why `sshd -T` gave no settings, in words (sshd's own last line kept whole)."""
    said = found.tail(1)
    if PRIVSEP in found.stderr:
        return ("SSH starts only when someone connects and has not made its runtime folder "
                "yet, and this server does not let cht-install read the settings without it "
                f"(sshd said: {said})")
    if "no hostkeys available" in found.stderr:
        return f"SSH has no host keys, so it cannot start as it is (sshd said: {said})"
    if "Bad configuration option" in found.stderr or "bad configuration" in found.stderr:
        return f"SSH's configuration has an error, so it cannot be read (sshd said: {said})"
    return f"SSH's settings could not be read (sshd said: {said or 'nothing'})"


def ssh_root_password(host: Host, sshd_config: Path | None = None) -> Check:
    title = "SSH does not let root log in with a password"
    if not host.which("sshd"):
        return Check("security.ssh", title, ok("no SSH server is installed"))
    found = sshd_settings(host, sshd_config)
    if not found.ok:
        return Check("security.ssh", title, warning(
            "cht-install cannot tell whether root may log in with a password: "
            + why_sshd_failed(found), CANT_TELL_FIX))
    if root_password_login(found.stdout):
        return Check("security.ssh", title, warning(
            "SSH lets root log in with a password (PermitRootLogin yes): password guessing "
            "against root never stops on a public server", SSH_FIX))
    return Check("security.ssh", title, ok("root cannot log in over SSH with a password"))
