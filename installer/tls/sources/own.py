"""The operator's own certificate files (from a CA): read, checked as a phone would, and
installed as they are."""

from __future__ import annotations

from pathlib import Path

from installer.setting_names import FIELD_LABELS
from installer.step import Context, Finding, StepError, blocked, needed, ok, warning
from installer.tls.certinfo import covers, summarize
from installer.tls.checks import check
from installer.tls.installed import install_pair
from installer.tls.material import Material, MaterialError, load
from installer.tls.trust import roots, roots_pem


def operator_material(ctx: Context) -> Material | Finding:
    """The operator's own certificate files, loaded; or the finding that says why not."""
    tls = ctx.config.tls
    files: dict[str, bytes | None] = {}
    for name in ("certificate", "chain", "key"):
        path = getattr(tls, name)
        if path is None:
            files[name] = None
            continue
        data = ctx.host.read_bytes(Path(path))
        if data is None:
            return blocked(f"the {FIELD_LABELS['tls.' + name].lower()} {path} cannot be read",
                           f"Copy the file to {path} (or fix [[tls.{name}]]) and run again.")
        files[name] = data
    assert files["certificate"] is not None
    try:
        return load(files["certificate"], files["chain"], files["key"], tls.password)
    except MaterialError as exc:
        return blocked(exc.reason, exc.fix)


def probe(ctx: Context, pair: tuple[bytes, bytes] | None) -> Finding:
    """The operator's files pass every check (as a phone would) and are the ones installed."""
    material = operator_material(ctx)
    if isinstance(material, Finding):
        source = (ctx.host.read_text(ctx.paths.tls_source) or "").strip()
        if pair is not None and source == "own" and "cannot be read" in material.reason:
            installed = load(pair[0], None, pair[1], None)
            info = summarize(installed.leaf)
            if covers(info.names, ctx.config.hostname_ascii) and info.days_left() >= 0:
                return warning(f"{material.reason}; the installed copy is used "
                               f"({info.days_left()} days left)", material.fix,
                               material.on_screen)
        return material
    trusted = roots(roots_pem(ctx.host, ctx.config.tls.trust_store))
    key_types = ctx.line.key_types
    problems = check(material, ctx.config.hostname_ascii, trusted,
                     rsa_only=key_types == ("RSA",))
    fatal = [p for p in problems if p.fatal]
    if fatal:
        return blocked("; ".join(p.reason for p in fatal), " ".join(p.fix for p in fatal))
    info = summarize(material.leaf)
    if pair is None or pair[0] != material.fullchain_pem() or pair[1] != material.key_pem():
        return needed(f"your certificate for {', '.join(info.names)} is not installed yet "
                      "(it passed every check)")
    if problems:
        return warning("; ".join(p.reason for p in problems), " ".join(p.fix for p in problems))
    return ok(f"your certificate for {', '.join(info.names)}, chain verified, "
              f"{info.days_left()} days left")


def obtain(ctx: Context) -> None:
    """Install the operator's files (refused, with why, when they cannot be read)."""
    material = operator_material(ctx)
    if isinstance(material, Finding):
        raise StepError(material.reason, material.fix, material.on_screen)
    install_pair(ctx, material.fullchain_pem(), material.key_pem(), "own")
