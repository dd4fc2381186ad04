"""The migration's note: what the 3.x site was (its answers, secret, uuid, document counts,
certificate, containers' restart policies) and how far the move has gone, kept (0600)
from the first change until `cht-install migrate --finish`."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace

from installer.step import Context

STARTED = "started"  # 3.x serves (or is stopped by this migration); the new site is not proven
MIGRATED = "migrated"  # the new release serves 3.x's data, proven; 3.x kept, stopped
BACK = "back"  # the operator went back to 3.x (--back): nothing under way
FINISHED = "finished"  # 3.x's containers removed (its data volume and the backup kept)


@dataclass(frozen=True)
class Migration:
    """One move of a 3.x site to the current line."""

    old: str  # the 3.x release that served
    new: str  # the current line's release it moves to
    answers: str = ""  # the 3.x answers file, as it was (--back puts it back)
    source: str = ""  # 3.x's CouchDB data folder on this server (only ever read)
    backup: str = ""  # the backup made for this migration
    indexed: bool = False  # the new release's views were indexed on 3.x's CouchDB
    secret: str = ""  # CouchDB's cookie secret, from the migration tool's get-env
    uuid: str = ""  # CouchDB's server uuid, from get-env
    counts: dict[str, int] = field(default_factory=dict)  # documents in each database
    certificate: str = ""  # sha256 of the certificate 3.x served over HTTPS
    restart: dict[str, str] = field(default_factory=dict)  # 3.x containers' restart policies
    copied: bool = False  # the new CouchDB's data folder is a whole copy of ``source``
    verified: bool = False  # the new CouchDB passed the tool's move-node and verify
    phase: str = STARTED


def read(text: str | None) -> Migration | None:
    """The migration a note's text describes; None when there is no (readable) note."""
    try:
        data = json.loads(text or "")
        known = {f.name for f in fields(Migration)}
        return Migration(**{key: value for key, value in data.items() if key in known})
    except (ValueError, TypeError, AttributeError):
        return None


def found(ctx: Context) -> Migration | None:
    return read(ctx.host.read_text(ctx.paths.migration_note))


def of(ctx: Context) -> Migration:
    migration = ctx.facts.migration
    assert migration is not None, "the migration's steps run with a migration"
    return migration


def keep(ctx: Context, **changes: object) -> Migration:
    """The note with these changes, written (0600: it holds CouchDB's secret) and used by
    the steps after."""
    migration = replace(of(ctx), **changes)  # type: ignore[arg-type]
    ctx.facts.migration = migration
    if migration.secret:
        ctx.host.add_secret(migration.secret)
    ctx.host.write_file(ctx.paths.migration_note, text(migration), 0o600)
    return migration


def text(migration: Migration) -> str:
    """The note's text (``read`` reads it back)."""
    return json.dumps(asdict(migration), indent=1)


def migrated_here(ctx: Context) -> bool:
    """3.x's containers and data volume on this server are the ones a migration moved from
    (the current line serves their data, proven): not an install in the way."""
    kept = found(ctx)
    return kept is not None and kept.phase in (MIGRATED, FINISHED)
