"""The migration's own steps, in CHT's guide's order: written down, backed up, the new
release's views indexed while 3.x serves, 3.x's secret, uuid and certificate saved, 3.x
stopped (kept), its data copied, the new CouchDB proven on the copy, then (after the
current line's install steps) the new site proven and the answers switched."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from installer import answers
from installer.disk import human
from installer.host import PlanHost
from installer.host.docker_api import docker_errors
from installer.lines import env_values, has_files
from installer.lines.current import facts as current
from installer.lines.current.steps import (
    compose_dir,
    data_dir,
    extra_lines,
    new_words,
    render_env,
    wanted_settings,
)
from installer.lines.current.upgrade import json_answer, running_version
from installer.migration import note, site
from installer.step import Context, Finding, StepError, needed, ok
from installer.steps.docker import compose_for
from installer.steps.images import missing_images, pull_all
from installer.steps.verify import ADDRESS

INDEX_WITHIN = 72 * 3600.0  # a big 3.x database can take days (the guide's caution)
START_WITHIN = 900.0  # the new CouchDB, and the new site's proof
CREDENTIALS = f"{current.PROJECT}_cht-credentials"  # cht-couchdb.yml's volume in project cht


class MigrationKept:
    """The migration (from, to, 3.x's answers) is written down until it is finished.

    A run cut short anywhere goes on from there, and --back knows what to put back.
    """

    id = "migrate.kept"
    title = "The migration is written down until it is finished"

    def probe(self, ctx: Context) -> Finding:
        kept = note.found(ctx)
        if kept is not None and (kept.old, kept.new) == (note.of(ctx).old, note.of(ctx).new):
            return ok(f"kept in {ctx.paths.migration_note}")
        return needed("the migration is not written down yet")

    def apply(self, ctx: Context) -> None:
        note.keep(ctx)


class BackupMade:
    """A fresh backup of the 3.x site (its data, .env and answers) is made first."""

    id = "migrate.backup"
    title = "A backup of the 3.x site is made"

    def __init__(self, make: Callable[[], Path] | None = None) -> None:
        self.make = make

    def probe(self, ctx: Context) -> Finding:
        made = note.of(ctx).backup
        if made and ctx.host.read_bytes(Path(made).with_name(Path(made).name + ".sha256")):
            return ok(f"made for this migration: {made}")
        return needed("no backup is made for this migration yet")

    def apply(self, ctx: Context) -> None:
        if isinstance(ctx.host, PlanHost):
            ctx.host.actions.append({"backup": "CHT 3.x's data, .env and the answers"})
            return
        if self.make is None:
            raise StepError("no way to make a backup was given", "Run `sudo cht-install "
                            "backup`, then the migration again.")
        note.keep(ctx, backup=str(self.make()))


def tool_image(ctx: Context) -> list[tuple[str, str, str]]:
    return [("couchdb-migration", ctx.config.image_ref(site.TOOL_IMAGE),
             ctx.config.image_ref(site.TOOL_IMAGE))]


class ToolPulled:
    """CHT's data migration tool (medic/couchdb-migration) is pulled."""

    id = "migrate.tool"
    title = "CHT's data migration tool is pulled"

    def probe(self, ctx: Context) -> Finding:
        missing = missing_images(ctx, tool_image(ctx))
        if missing is None:
            return needed("Docker is not running, so the tool's image cannot be checked")
        if missing:
            return needed(f"not on this server yet: {missing[0]}")
        return ok(f"{tool_image(ctx)[0][1]} is here")

    def apply(self, ctx: Context) -> None:
        pull_all(ctx, tool_image(ctx))


def staged_views(ctx: Context) -> dict[str, list[tuple[str, str]]]:
    """The release's staged design documents, saved on 3.x's CouchDB (_bulk_docs, as the
    tool's pre-index-views does), and their views by database."""
    kept = ctx.paths.journal.parent / "cht-compose" / ctx.config.version / "build.json"
    build = site.build_doc(ctx, kept)
    views: dict[str, list[tuple[str, str]]] = {}
    for db, docs in site.staged_ddocs(build or {}).items():
        if site.over_https(ctx, "/" + db).status == 404:
            continue  # a database this site does not have (pre-index-views skips it too)
        answer = ctx.host.https_send("POST", ADDRESS, ctx.config.https_port,
                                     ctx.config.hostname_ascii, f"/{db}/_bulk_docs",
                                     site.admin(ctx), json.dumps({"docs": docs}).encode())
        if answer.status not in (200, 201):
            raise StepError(f"3.x's CouchDB refused the new release's design documents in "
                            f"{db} ({answer.status or answer.error})", "Check that CHT 3.x "
                            "answers (`sudo cht-install doctor`), then run the migration "
                            "again.")
        views[db] = [(str(doc["_id"]), view) for doc in docs for view in doc.get("views") or {}]
    return views


class ViewsIndexed:
    """The new release's views are indexed on 3.x's CouchDB while 3.x serves.

    The tool's pre-index-views, against CHT's build server or the mirror given: without it
    the new API answers nothing until they are (hours, or days). A re-run picks up the
    indexing where CouchDB is.
    """

    id = "migrate.views"
    title = "The new release's views are indexed while 3.x serves"

    def probe(self, ctx: Context) -> Finding:
        if note.of(ctx).indexed:
            return ok(f"CHT {ctx.config.version}'s views are indexed on 3.x's CouchDB")
        return needed(f"CHT {ctx.config.version}'s views are not indexed on 3.x's CouchDB yet")

    def apply(self, ctx: Context) -> None:
        views = staged_views(ctx)
        if isinstance(ctx.host, PlanHost):
            return
        wanted = [(db, ddoc, view) for db, each in views.items() for ddoc, view in each]
        left = list(wanted)

        def indexed() -> bool:
            # A query answers once its view is indexed; one that does not answer in time
            # leaves CouchDB indexing on (pre-index-views' own way to start it).
            left[:] = [item for item in left if ctx.host.https_get(
                ADDRESS, ctx.config.https_port, ctx.config.hostname_ascii,
                path=f"/{item[0]}/{urllib.parse.quote(item[1], safe='/:')}/_view/"
                     f"{item[2]}?limit=0", auth=site.admin(ctx)).status != 200]
            ctx.progress(len(wanted) - len(left), len(wanted), indexing_words(ctx, left))
            return not left

        if not ctx.host.wait_until(indexed, INDEX_WITHIN, "3.x's CouchDB to index the views"):
            raise StepError(f"3.x's CouchDB has not indexed {len(left)} views in "
                            f"{INDEX_WITHIN / 3600:.0f} hours", "It goes on indexing: run "
                            "the migration again later, it picks up from there.")
        note.keep(ctx, indexed=True)


def indexing_words(ctx: Context, left: list[tuple[str, str, str]]) -> str:
    """How far CouchDB's indexers of the staged views are (_active_tasks)."""
    if not left:
        return "all views indexed"
    tasks = json_answer(site.over_https(ctx, "/_active_tasks"))
    shares = [int(task.get("progress") or 0) for task in tasks or []
              if isinstance(task, dict) and task.get("type") == "indexer"
              and str(task.get("design_document", "")).startswith("_design/:staged:")]
    busy = f", CouchDB's indexers {sum(shares) // len(shares)}% through" if shares else ""
    return f"{len(left)} views still indexing{busy} (you may leave: a re-run picks up)"


class SiteRead:
    """3.x's CouchDB secret and uuid, and the certificate it serves, are saved (0600).

    The tool's get-env: without the same secret and uuid every phone would sync everything
    again and every session would end.
    """

    id = "migrate.site-read"
    title = "3.x's CouchDB secret, uuid and certificate are saved"

    def probe(self, ctx: Context) -> Finding:
        kept = note.of(ctx)
        if kept.uuid and kept.secret and kept.certificate:
            return ok(f"saved in {ctx.paths.migration_note}")
        return needed("3.x's CouchDB secret and uuid are not saved yet")

    def apply(self, ctx: Context) -> None:
        if isinstance(ctx.host, PlanHost):
            ctx.host.actions.append({"tool": "get-env (secret and uuid saved in "
                                     f"{ctx.paths.migration_note})", "on": site.OLD_NETWORK})
            # what the steps after it see in the plan: the values get-env will give
            ctx.facts.migration = replace(note.of(ctx), secret="(3.x's secret)",
                                          uuid="(3.x's uuid)")
            return
        secret, uuid = site.get_env(ctx)
        if not secret:
            # CouchDB 2.3.1 makes its secret at the first cookie sign-in: none was made, so
            # no session depends on one.
            ctx.log("3.x's CouchDB has no cookie secret yet (no one signed in by cookie): "
                    "a new one is made")
            secret = new_words()
        served = site.over_https(ctx, "/api/info")
        if not served.certificate:
            raise StepError("CHT 3.x does not answer over HTTPS, so its certificate cannot "
                            "be kept", "Run `sudo cht-install` to repair 3.x, then the "
                            "migration again.")
        note.keep(ctx, secret=secret, uuid=uuid, certificate=site.fingerprint(served))


class EnvWritten:
    """The new release's .env has 3.x's admin password, CouchDB secret and uuid."""

    id = "migrate.env"
    title = "The new release's .env carries 3.x's password, secret and uuid"

    def probe(self, ctx: Context) -> Finding:
        found = env_values(ctx.host.read_text(ctx.line.env_file(ctx.paths)))
        if wrong_secrets(ctx, found):
            return needed(f"{ctx.line.env_file(ctx.paths)} does not have 3.x's "
                          f"{', '.join(wrong_secrets(ctx, found))} yet")
        return ok("3.x's password, secret and uuid are in the new release's .env")

    def apply(self, ctx: Context) -> None:
        env = ctx.line.env_file(ctx.paths)
        existing = ctx.host.read_text(env)
        settings = wanted_settings(ctx)
        made = secrets(ctx)
        kept = extra_lines(existing, set(settings) | set(made))
        ctx.host.write_file(env, render_env(settings, made, kept), 0o600)


def secrets(ctx: Context) -> dict[str, str]:
    kept = note.of(ctx)
    return {"COUCHDB_PASSWORD": site.old_password(ctx), "COUCHDB_SECRET": kept.secret,
            "COUCHDB_UUID": kept.uuid}


def wrong_secrets(ctx: Context, found: dict[str, str]) -> list[str]:
    return [key for key, value in secrets(ctx).items() if found.get(key) != value]


def old_running(ctx: Context) -> dict[str, tuple[bool, str]] | None:
    """medic-os and haproxy: (running, restart policy) of each that is here; None when
    Docker does not answer."""
    client = ctx.host.docker()
    if client is None:
        return None
    found = {}
    for name in site.OLD_CONTAINERS:
        try:
            attrs = client.containers.get(name).attrs
        except docker_errors():
            continue
        found[name] = (bool(attrs.get("State", {}).get("Running")),
                       str((attrs.get("HostConfig", {}).get("RestartPolicy") or {})
                           .get("Name") or "no"))
    return found


class OldStopped:
    """CHT 3.x is stopped, not started at boot, and its final counts are saved.

    haproxy first (CHT's API then writes nothing more), the counts read from medic-os's
    CouchDB itself, then medic-os. 3.x started again after its data was copied makes the
    copy stale: it is made anew. The containers are kept until CHT's upgrade service starts
    the new release: it runs `up -d --remove-orphans` in compose project cht, which
    cht-install's 3.x compose file uses too, so it removes them (--back makes them again
    on the same data).
    """

    id = "migrate.old-stopped"
    title = "CHT 3.x is stopped (kept, not started at boot)"

    def probe(self, ctx: Context) -> Finding:
        found = old_running(ctx)
        if found is None:
            return needed("Docker is not running, so 3.x cannot be checked")
        up = [name for name, (running, policy) in found.items() if running or policy != "no"]
        if up or not note.of(ctx).counts:
            return needed(f"{' and '.join(up) or 'CHT 3.x'} still "
                          f"{'run' if len(up) > 1 else 'runs'}")
        return ok("medic-os and haproxy are stopped, kept, and not started at boot")

    def apply(self, ctx: Context) -> None:
        found = old_running(ctx) or {}
        kept = note.of(ctx)
        before = {name: policy for name, (_, policy) in found.items()}
        if not kept.restart and any(policy != "no" for policy in before.values()):
            note.keep(ctx, restart=before)
        run(ctx, ["docker", "update", "--restart=no", *found], "keep 3.x from starting at "
            "boot")
        if (found.get("medic-os") or (False, ""))[0]:
            if kept.copied:
                ctx.log("CHT 3.x ran again after its data was copied: the copy is made anew")
                note.keep(ctx, copied=False, verified=False)
            run(ctx, ["docker", "stop", "haproxy"], "stop haproxy")
            counted = site.counts(ctx, site.in_container(ctx, site.OLD_COUCHDB))
            if counted is None and not isinstance(ctx.host, PlanHost):
                raise StepError("3.x's CouchDB did not answer when its documents were "
                                "counted", "Run the migration again: 3.x is started again "
                                "first.")
            note.keep(ctx, counts=counted or {})
        elif not kept.counts and not isinstance(ctx.host, PlanHost):
            raise StepError("CHT 3.x was stopped before its documents were counted",
                            "Run `sudo cht-install migrate --back` (3.x starts again), then "
                            "the migration again.")
        run(ctx, ["docker", "stop", *site.OLD_CONTAINERS], "stop CHT 3.x")


def run(ctx: Context, argv: list[str], what: str) -> None:
    result = ctx.host.run(argv)
    if not result.ok:
        raise StepError(f"could not {what}: {result.tail(2)}", "Check that Docker runs "
                        "(`sudo cht-install doctor`), then run the migration again.")


class DataCopied:
    """The new CouchDB's data folder is a whole copy of 3.x's; 3.x's is only read.

    The copy is made beside it and named once whole: a cut or a full disk leaves none.
    """

    id = "migrate.copy"
    title = "3.x's CouchDB data is copied for the new release"

    def probe(self, ctx: Context) -> Finding:
        if note.of(ctx).copied and (has_files(ctx, data_dir(ctx)) or not ctx.host.live):
            return ok(f"copied to {data_dir(ctx)}")
        return needed(f"3.x's data is not copied to {data_dir(ctx)} yet")

    def apply(self, ctx: Context) -> None:
        found = old_running(ctx) or {}
        if any(running for running, _ in found.values()) and \
                not isinstance(ctx.host, PlanHost):
            raise StepError("CHT 3.x runs again, so its data cannot be copied whole",
                            "Run the migration again: it stops 3.x first.")
        for name in (f"{current.PROJECT}-couchdb-1", f"{current.PROJECT}-nouveau-1"):
            if present(ctx, name):
                ctx.host.container_remove(name)
        run(ctx, ["docker", "volume", "rm", "-f", CREDENTIALS], "remove an earlier "
            "attempt's CouchDB settings")
        source = Path(note.of(ctx).source)

        def progress(done: int, total: int) -> None:
            ctx.progress(done, total, f"copying 3.x's data: {human(done)} of {human(total)}")

        try:
            ctx.host.copy_tree(source, data_dir(ctx), progress)
        except RuntimeError as exc:
            raise StepError(f"3.x's data could not be copied to {data_dir(ctx)}: {exc}",
                            f"Free space where {data_dir(ctx)} is (it needs as much as "
                            f"{source} holds), then run the migration again.") from exc
        note.keep(ctx, copied=True, verified=False)


def present(ctx: Context, name: str) -> bool:
    client = ctx.host.docker()
    try:
        return client is not None and bool(client.containers.get(name))
    except docker_errors():
        return False


def couchdb_argv(ctx: Context) -> list[str]:
    """compose for the new CouchDB alone (the guide's step 5: cht-couchdb.yml and .env)."""
    return [*compose_for(ctx), "-p", current.PROJECT, "--project-directory",
            str(compose_dir(ctx)), "--env-file", str(ctx.line.env_file(ctx.paths)), "-f",
            str(compose_dir(ctx) / "cht-couchdb.yml"), "up", "-d", "couchdb"]


class CouchdbMoved:
    """The new CouchDB serves the copy, as the migration tool and the counts prove.

    The tool's check-couchdb-up, move-node and verify pass, and every database has as many
    documents as 3.x had when it stopped.
    """

    id = "migrate.couchdb"
    title = "The new CouchDB serves 3.x's data (the tool's move-node and verify)"

    def probe(self, ctx: Context) -> Finding:
        if note.of(ctx).verified:
            return ok("verified by the migration tool; the document counts are equal")
        return needed("the new CouchDB has not been verified on the copy yet")

    def apply(self, ctx: Context) -> None:
        run(ctx, couchdb_argv(ctx), "start the new CouchDB")
        if isinstance(ctx.host, PlanHost):
            ctx.host.actions.append({"tool": "check-couchdb-up, move-node, verify",
                                     "on": site.NEW_NETWORK})
            return
        for command, said in (("check-couchdb-up", "CouchDb is Ready"),
                              ("move-node", "Removed nodes:"),
                              ("verify", "Migration verification passed")):
            ctx.progress(0, 0, f"the migration tool's {command}")
            worked, words = site.tool(ctx, site.NEW_NETWORK, site.NEW_COUCH, command)
            if not worked or said not in words:
                raise StepError(f"the migration tool's {command} failed: "
                                f"{site.last_words(words)}", "The log has its whole output. "
                                "3.x is started again; run the migration again once the "
                                "cause is fixed.")
        wrong = site.count_differences(
            note.of(ctx).counts, site.counts(ctx, site.in_container(ctx, site.NEW_COUCHDB)))
        if wrong:
            raise StepError("the new CouchDB does not have 3.x's documents: "
                            + "; ".join(wrong[:5]), "Nothing of 3.x was changed: it is "
                            "started again. Run the migration again (the copy is made anew).")
        note.keep(ctx, verified=True)


def proof(ctx: Context) -> list[str]:
    """What is not yet as the migration promises (empty: proven)."""
    kept = note.of(ctx)
    missing = []
    if running_version(ctx) != ctx.config.version:
        missing.append(f"CHT {ctx.config.version}'s API does not answer over HTTPS yet")
    served = site.over_https(ctx, "/_session")
    if site.fingerprint(served) != kept.certificate:
        missing.append("the certificate served is not the one 3.x served")
    user = (json_answer(served) or {}).get("userCtx", {}).get("name")
    if user != current.ADMIN_USER:
        missing.append("medic's password does not sign in")
    if wrong_secrets(ctx, env_values(ctx.host.read_text(ctx.line.env_file(ctx.paths)))):
        missing.append("the new .env's secret or uuid is not 3.x's")
    missing += site.count_differences(
        kept.counts, site.counts(ctx, site.in_container(ctx, site.NEW_COUCHDB)), grown=True)
    return missing


class SiteProven:
    """The new release serves 3.x's site, proven over HTTPS.

    Its version with 3.x's certificate, medic's password, 3.x's secret and uuid, and at
    least every document 3.x had.
    """

    id = "migrate.proven"
    title = "The new release serves 3.x's site, proven"

    def probe(self, ctx: Context) -> Finding:
        if note.of(ctx).phase != note.STARTED:
            return ok(f"proven when it was migrated ({ctx.paths.migration_note})")
        missing = proof(ctx)
        if missing:
            return needed("; ".join(missing))
        return ok(f"CHT {ctx.config.version} answers with 3.x's certificate, password, "
                  "secret, uuid and documents")

    def apply(self, ctx: Context) -> None:
        missing: list[str] = []

        def proven() -> bool:
            missing[:] = proof(ctx)
            return not missing

        if not ctx.host.wait_until(proven, START_WITHIN, "the new site to answer"):
            raise StepError("the new site is not as 3.x was: " + "; ".join(missing[:4]),
                            "3.x is started again. `sudo cht-install doctor` says more; "
                            "run the migration again once the cause is fixed.")


class MigrationDone:
    """The saved answers name the new release; 3.x is kept until --finish."""

    id = "migrate.done"
    title = "The answers name the new release"

    def probe(self, ctx: Context) -> Finding:
        if note.of(ctx).phase != note.STARTED:
            return ok(f"CHT {ctx.config.version} serves 3.x's data")
        return needed("the saved answers still name CHT 3.x")

    def apply(self, ctx: Context) -> None:
        ctx.host.write_file(ctx.paths.answers, answers.dump(ctx.config), 0o600)
        note.keep(ctx, phase=note.MIGRATED)
