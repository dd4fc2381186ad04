"""`cht-install upgrade VERSION`: CHT's current line moved to a newer release CHT's own way
(its API stages the release and indexes its views, the upgrade service swaps the compose
files), after the checks, the new images and a backup, with CHT serving throughout."""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from installer import answers
from installer.answer_checks import CHT_VERSION
from installer.containers import last_lines
from installer.disk import free_bytes, human, used_bytes
from installer.host import CommandResult, HttpsAnswer, PlanHost
from installer.host.docker_api import docker_errors
from installer.lines import Line, password_in
from installer.lines.current import facts as current
from installer.lines.current import releases
from installer.lines.current.steps import (
    builds_url,
    check_compose,
    data_dir,
    images_in,
    kept_copy,
    release_key,
    services_of,
)
from installer.paths import Paths
from installer.step import Context, Finding, Step, StepError, needed, ok
from installer.steps.images import missing_images, pull_all
from installer.steps.verify import ADDRESS, API_INFO, PROXY_ERRORS, cht_version

UPGRADE = "/api/v2/upgrade"  # CHT's API (api/src/routing.js)
LOGS_DB = "/medic-logs"  # where CHT's API keeps its upgrade log (upgrade-log.js)
# requirements.md: "During some upgrades, up to 5x current space used by CouchDB can be
# needed": four more times what it uses must be free.
SPACE_FACTOR = 5
STALL_SECONDS = 30 * 60.0  # the views' indexing made no progress this long: stalled
SWITCH_WITHIN = 20 * 60.0  # the upgrade service pulls the images and recreates CHT
STAGE_STARTS_WITHIN = 120.0  # the API writes its upgrade log when asked to stage
ANSWER_WITHIN = 120.0  # CHT restarting its services (a settings change) answers again
# upgrade-log.js: the states of an upgrade log; a final one ends it.
FINAL = ("finalized", "aborted", "errored")
INDEXED = ("indexed", "completing", "complete", "finalizing", "finalized")
TROUBLESHOOTING = "https://docs.communityhealthtoolkit.org/hosting/cht/upgrade-troubleshooting/"
FIRST_5X = (4, 5)  # preparing-for-5.md: CHT 4.0 to 4.4 upgrade to 4.5 or later first


@dataclass(frozen=True)
class Upgrade:
    """The release CHT ran when the upgrade began, the one it moves to, and the backup
    made for it."""

    old: str
    new: str
    backup: str = ""


def note_file(paths: Paths) -> Path:
    return paths.upgrade_note


def pending_upgrade(text: str | None) -> Upgrade | None:
    """The upgrade a note (its text) says was started and not finished (killed, the power
    cut); None when there is none."""
    try:
        data = json.loads(text or "")
        return Upgrade(str(data["old"]), str(data["new"]), str(data.get("backup") or ""))
    except (ValueError, KeyError, TypeError):
        return None


def upgrade_of(ctx: Context) -> Upgrade:
    upgrade = ctx.facts.upgrade
    assert upgrade is not None, "the upgrade steps run with an upgrade"
    return upgrade


def build(version: str) -> dict[str, str]:
    """The build info CHT's API takes (api/src/services/setup/utils.js validBuildInfo)."""
    return {"namespace": "medic", "application": "medic", "version": version}


# ---- CHT's API, over HTTPS through CHT's nginx -------------------------------------------

def admin(ctx: Context) -> tuple[str, str]:
    password = password_in(ctx.host.read_text(ctx.line.env_file(ctx.paths)), ctx.line) or ""
    ctx.host.add_secret(password)
    return ctx.line.admin_user, password


def api_get(ctx: Context, path: str) -> Any:
    """CHT's JSON answer to a GET as the admin; None when it does not answer with JSON."""
    return json_answer(ctx.host.https_get(ADDRESS, ctx.config.https_port,
                                          ctx.config.hostname_ascii, path=path,
                                          auth=admin(ctx)))


def json_answer(answer: HttpsAnswer) -> Any:
    """An answer's JSON body when it is a 200; None otherwise."""
    if answer.status != 200:
        return None
    try:
        return json.loads(answer.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def api_send(ctx: Context, method: str, path: str, body: object) -> tuple[int | None, str]:
    """(status, body text) of a POST or DELETE to CHT's API as the admin."""
    answer = ctx.host.https_send(method, ADDRESS, ctx.config.https_port,
                                 ctx.config.hostname_ascii, path, admin(ctx),
                                 json.dumps(body).encode())
    return answer.status, answer.body.decode("utf-8", "replace") or answer.error


def running_version(ctx: Context) -> str | None:
    """The release CHT's API says it is over HTTPS; None when it does not answer."""
    answer = ctx.host.https_get(ADDRESS, ctx.config.https_port, ctx.config.hostname_ascii,
                                path=API_INFO)
    if answer.status != 200:
        return None
    return cht_version(answer.body)


def upgrade_log(ctx: Context) -> tuple[bool, dict[str, Any] | None]:
    """Whether CHT's API answered, and its newest upgrade log (upgrade_log:START:VERSION in
    medic-logs), final or not: the API's GET /api/v2/upgrade hides one that ended, and how
    it ended is needed here."""
    def key(text: str) -> str:
        return urllib.parse.quote(json.dumps(text))

    found = api_get(ctx, f"{LOGS_DB}/_all_docs?descending=true&limit=1&include_docs=true"
                         f"&startkey={key('upgrade_log:' + chr(0xfff0))}"
                         f"&endkey={key('upgrade_log:')}")
    rows = found.get("rows") if isinstance(found, dict) else None
    doc = rows[0].get("doc") if isinstance(rows, list) and rows else None
    return isinstance(rows, list), doc if isinstance(doc, dict) else None


def latest_log(ctx: Context) -> dict[str, Any] | None:
    """CHT's newest upgrade log; None when there is none or the API does not answer."""
    return upgrade_log(ctx)[1]


def log_target(doc: dict[str, Any]) -> str:
    return str((doc.get("to") or {}).get("version") or "")


def indexing_progress(ctx: Context) -> tuple[int, str]:
    """(percent, words) of the staged views' indexing (view-indexer-progress.js)."""
    found = api_get(ctx, UPGRADE)
    indexers = found.get("indexers") if isinstance(found, dict) else None
    if not isinstance(indexers, list) or not indexers:
        return 0, ""
    shares = [int(item.get("progress") or 0) for item in indexers if isinstance(item, dict)]
    names = [f"{item.get('database')} {item.get('progress')}%" for item in indexers
             if isinstance(item, dict)]
    return (sum(shares) // len(shares) if shares else 0), ", ".join(names)


API = current.container_name("api")
UPGRADE_SERVICE = current.container_name(current.UPGRADE_SERVICE, current.UPGRADE_PROJECT)


def service_words(ctx: Context, container: str, sign: str) -> str:
    """What follows ``sign`` in the last line of a container's log that carries it (the
    service's own words for an error)."""
    client = ctx.host.docker()
    if client is None:
        return ""
    try:
        text = last_lines(client.containers.get(container), 200)
    except docker_errors():
        return ""
    found = [line.split(sign, 1)[1].strip(" :") for line in text.splitlines() if sign in line]
    return found[-1] if found else ""


# ---- the checks before anything changes ----------------------------------------------------

def path_refusal(old: str, new: str) -> str | None:
    """Why CHT's documents forbid going from ``old`` to ``new``; None when they allow it."""
    if release_key(new) < release_key(old):
        return (f"CHT {new} is older than CHT {old}, which runs here: CHT cannot go back "
                "to an older release (its database has moved on); to go back, restore the "
                "backup made before the upgrade (`sudo cht-install restore FILE`)")
    found_old, found_new = CHT_VERSION.match(old), CHT_VERSION.match(new)
    if not found_old or not found_new:
        return None
    major_old, minor_old = int(found_old.group(1)), int(found_old.group(2))
    major_new = int(found_new.group(1))
    if major_new not in releases.MAJORS:
        return f"CHT {new} is not a release of CHT's 4.x/5.x line that cht-install knows"
    if major_old == 4 and (major_old, minor_old) < FIRST_5X and major_new >= 5:
        return (f"CHT {old} must be upgraded to CHT 4.5 or later before CHT {new} (CHT's "
                "\"preparing for 5.x\" page): upgrade to 4.5 or later first, e.g. "
                "`sudo cht-install upgrade 4.22.0`, then to 5")
    return None


def space_refusal(ctx: Context) -> str | None:
    """Why the disk holding CouchDB's data is too small for an upgrade (CHT's
    requirements page: up to 5 times the space CouchDB uses); None when it has room."""
    data = data_dir(ctx)
    used = used_bytes(data)
    free = free_bytes(data)
    need = (SPACE_FACTOR - 1) * used
    ctx.host.log(f"upgrade: CouchDB's data uses {used} bytes; {free} free; {need} needed")
    if free is None or free >= need:
        return None
    return (f"the disk holding CouchDB's data ({data}) has {human(free)} free; an upgrade "
            f"can need up to {SPACE_FACTOR} times the {human(used)} CouchDB uses (CHT's "
            f"requirements page), so {human(need)} must be free. Free space there or give "
            "the disk more, then run the upgrade again")


def other_upgrade(ctx: Context, new: str) -> str | None:
    """An upgrade to another release under way in CHT (started from CHT's admin app)."""
    doc = latest_log(ctx)
    if doc is None or doc.get("state") in FINAL or log_target(doc) == new:
        return None
    return (f"an upgrade to CHT {log_target(doc)} is under way in CHT (started from its "
            f"admin app: {doc.get('state')}). Let it finish, or cancel it on the admin app's "
            "Upgrades page, then run this again")


# ---- the steps ---------------------------------------------------------------------------

class UpgradeKept:
    """The upgrade (from, to, its backup) is written down until it is done.

    A run cut short anywhere is then finished by the next.
    """

    id = "upgrade.kept"
    title = "The upgrade is written down until it is done"

    def probe(self, ctx: Context) -> Finding:
        kept = pending_upgrade(ctx.host.read_text(note_file(ctx.paths)))
        upgrade = upgrade_of(ctx)
        if kept is not None and (kept.old, kept.new) == (upgrade.old, upgrade.new):
            return ok(f"kept in {note_file(ctx.paths)}")
        return needed("the upgrade is not written down yet")

    def apply(self, ctx: Context) -> None:
        ctx.host.write_file(note_file(ctx.paths), json.dumps(asdict(upgrade_of(ctx))), 0o600)


class ReleaseFetched:
    """The new release's compose files are fetched and kept aside.

    From CHT's build server (or the mirror): they name its images, known before anything
    changes.
    """

    id = "upgrade.release"
    title = "The new release's compose files are fetched"

    def probe(self, ctx: Context) -> Finding:
        new = upgrade_of(ctx).new
        missing = [name for name in current.COMPOSE_FILES
                   if not services_of(ctx.host.read_text(kept_copy(ctx, name)))]
        if missing:
            return needed(f"CHT {new}'s {' and '.join(missing)} are not fetched yet")
        return ok(f"CHT {new}'s compose files are kept in {kept_copy(ctx, '').parent}")

    def apply(self, ctx: Context) -> None:
        new = upgrade_of(ctx).new
        for name in current.COMPOSE_FILES:
            url = current.compose_url(builds_url(ctx), new, name)
            try:
                ctx.host.download(url, kept_copy(ctx, name), 0o644,
                                  check_compose(f"CHT {new}'s {name}"))
            except RuntimeError as exc:
                raise StepError(
                    f"CHT {new}'s {name} could not be fetched from {url}: {exc}",
                    f"Check that CHT {new} is a release (CHT's release notes list them) and "
                    "that this server reaches CHT's build server, or give a mirror: "
                    "[[builds_url]].") from exc


def new_images(ctx: Context) -> list[tuple[str, str, str]]:
    """(service, reference to pull, name compose runs it by) of the new release."""
    kept = [kept_copy(ctx, name) for name in current.COMPOSE_FILES]
    return [(service, ctx.config.image_ref(image), image)
            for service, image in images_in(ctx, kept)]


class ImagesReady:
    """The new release's images are pulled while the old one serves (nothing stops)."""

    id = "upgrade.images"
    title = "The new release's images are pulled"

    def probe(self, ctx: Context) -> Finding:
        wanted = new_images(ctx)
        missing = missing_images(ctx, wanted)
        if not wanted:
            return needed(f"CHT {upgrade_of(ctx).new}'s images (its compose files name them) "
                          "are pulled next")
        if missing is None:
            return needed("Docker is not running, so the images cannot be checked")
        if missing:
            return needed(f"not on this server yet: {', '.join(missing)}")
        return ok(f"CHT {upgrade_of(ctx).new}'s {len(wanted)} images are here")

    def apply(self, ctx: Context) -> None:
        wanted = new_images(ctx)
        missing = missing_images(ctx, wanted)
        pull_all(ctx, [image for image in wanted if missing is None or image[1] in missing])


class BackupMade:
    """A fresh backup of CHT's data, secrets and answers is made for this upgrade."""

    id = "upgrade.backup"
    title = "A backup is made before the upgrade"

    def __init__(self, make: Callable[[], Path] | None = None) -> None:
        self.make = make  # makes the backup (cht-install backup's own) and says its file

    def probe(self, ctx: Context) -> Finding:
        made = upgrade_of(ctx).backup
        if made and ctx.host.read_bytes(Path(made) .with_name(Path(made).name + ".sha256")):
            return ok(f"made for this upgrade: {made}")
        return needed("no backup is made for this upgrade yet")

    def apply(self, ctx: Context) -> None:
        if isinstance(ctx.host, PlanHost):
            ctx.host.actions.append({"backup": "CHT's data, .env and the answers"})
            return
        if self.make is None:
            raise StepError("no way to make a backup was given", "Run `sudo cht-install "
                            "backup`, then the upgrade again.")
        made = self.make()
        ctx.facts.upgrade = replace(upgrade_of(ctx), backup=str(made))
        UpgradeKept().apply(ctx)


class ReleaseStaged:
    """CHT's API has staged the new release and indexed its views.

    CHT serves the old release meanwhile; the switch afterwards is then short.
    """

    id = "upgrade.staged"
    title = "CHT's API has staged the new release and indexed its views"

    def probe(self, ctx: Context) -> Finding:
        new = upgrade_of(ctx).new
        if running_version(ctx) == new:
            return ok(f"CHT {new} runs")
        doc = latest_log(ctx)
        if doc is not None and log_target(doc) == new and doc.get("state") in INDEXED:
            return ok(f"CHT {new} is staged and its views are indexed ({doc.get('state')})")
        return needed(f"CHT {new} is not staged yet")

    def apply(self, ctx: Context) -> None:
        new = upgrade_of(ctx).new
        stopped: list[tuple[str, str]] = []

        def asked() -> bool:
            """Staged, under way, or asked now; False while CHT's API does not answer (it
            restarts after a settings change, or in a switch a cut-short run began)."""
            if self.probe(ctx).ok:
                return True
            answered, doc = upgrade_log(ctx)
            if not answered:
                return False
            if doc is not None and doc.get("state") not in FINAL:
                if log_target(doc) != new:
                    stopped.append((f"{other_upgrade(ctx, new)}", "Run the upgrade again "
                                    "once it has finished or is cancelled."))
                return True
            status, text = api_send(ctx, "POST", f"{UPGRADE}/stage", {"build": build(new)})
            if status is None or status in PROXY_ERRORS:
                return False
            if status != 200:
                stopped.append((f"CHT's API refused to stage CHT {new} ({status}: "
                                f"{text[:200]})", api_fix(new)))
            return True

        planning = isinstance(ctx.host, PlanHost)  # a plan asks once, and records the ask
        if not (asked() if planning else ctx.host.wait_until(
                asked, ANSWER_WITHIN, f"CHT's API to stage CHT {new}")):
            raise StepError("CHT does not answer over HTTPS, so the upgrade cannot be "
                            "staged", api_fix(new))
        if stopped:
            raise StepError(*stopped[0])
        if not planning:
            self.wait(ctx, new)

    def wait(self, ctx: Context, new: str) -> None:
        """Until the API says indexed; an error, a cancel or a stall ends the wait."""
        start = time.monotonic()
        seen: dict[str, Any] = {"percent": -1, "since": 0.0, "waited": 0.0, "state": ""}
        ended: list[str] = []

        def indexed() -> bool:
            doc = latest_log(ctx)
            state = str(doc.get("state")) if doc and log_target(doc) == new else ""
            seen["waited"] = time.monotonic() - start
            if state in INDEXED:
                return True
            if state in ("errored", "aborted"):
                ended.append(state)
                return True
            if not state and seen["waited"] > STAGE_STARTS_WITHIN:
                ended.append("never started")
                return True
            percent, words = indexing_progress(ctx)
            if percent != seen["percent"] or state != seen["state"]:
                seen.update(percent=percent, since=seen["waited"], state=state)
            elif seen["waited"] - seen["since"] > STALL_SECONDS:
                ended.append(f"stalled at {percent}%")
                return True
            what = (f"indexing CHT {new}'s views: {words}" if words
                    else f"staging CHT {new} ({state or 'asked'})")
            ctx.progress(max(percent, 0), 100, what)
            return False

        done = ctx.host.wait_until(indexed, float("inf"), f"CHT {new} to be staged and indexed")
        if done and not ended:
            return
        if not ended:
            ended.append("not finished")
        if ended[0] == "errored":
            said = service_words(ctx, API, "Error thrown while installing")
            raise StepError(f"CHT's API could not stage CHT {new}"
                            + (f" (its log says: {said})" if said else ""), api_fix(new))
        if ended[0] == "aborted":
            raise StepError(f"the staging of CHT {new} was cancelled (from CHT's admin app)",
                            f"Run `sudo cht-install upgrade {new}` again to start it again.")
        if ended[0] == "never started":
            raise StepError(f"CHT's API did not start staging CHT {new}",
                            api_fix(new))
        ctx.facts.upgrade_stalled = True
        raise StepError(
            f"the indexing of CHT {new}'s views has {ended[0]} for "
            f"{STALL_SECONDS / 60:.0f} minutes; CHT {upgrade_of(ctx).old} still serves",
            "CHT's upgrade troubleshooting page: restart CHT's services (`sudo cht-install "
            "repair`; the indexing goes on where it was), then run `sudo cht-install "
            f"upgrade {new}` again to go on waiting. {TROUBLESHOOTING}")


def api_fix(new: str) -> str:
    return (f"CHT still serves its old release. Read CHT's API log (`docker logs {API}`) "
            "and CHT's upgrade "
            f"troubleshooting page ({TROUBLESHOOTING}), then run `sudo cht-install upgrade "
            f"{new}` again.")


class ReleaseSwitched:
    """CHT's API has completed the upgrade and the new release answers over HTTPS.

    The upgrade service swaps the compose files and recreates CHT's services.
    """

    id = "upgrade.switched"
    title = "CHT switched to the new release"

    def probe(self, ctx: Context) -> Finding:
        new = upgrade_of(ctx).new
        found = running_version(ctx)
        if found == new:
            return ok(f"CHT's API answers over HTTPS as CHT {new}")
        return needed(f"CHT {found} answers now" if found else "CHT does not answer now")

    def apply(self, ctx: Context) -> None:
        new = upgrade_of(ctx).new
        doc = latest_log(ctx)
        switching = doc is not None and log_target(doc) == new and doc.get("state") in (
            "completing", "complete", "finalizing")
        if not switching:  # else a run cut short asked already: the switch goes on
            status, text = api_send(ctx, "POST", f"{UPGRADE}/complete", {"build": build(new)})
            # The API's own request to the upgrade service recreates the API: its answer
            # to this request is often cut off, which is the usual end.
            if status is not None and status not in (200, *PROXY_ERRORS):
                raise StepError(f"CHT's API did not complete the upgrade to CHT {new} "
                                f"({status}: {text[:200]})", switch_fix(new))
        if isinstance(ctx.host, PlanHost):
            return
        failed: list[str] = []

        def switched() -> bool:
            found = running_version(ctx)
            if found == new:
                return True
            doc = latest_log(ctx)
            if doc is not None and log_target(doc) == new and doc.get("state") == "errored":
                failed.append(service_words(ctx, UPGRADE_SERVICE, "Error while upgrading")
                              or service_words(ctx, API, "Error thrown while installing"))
                return True
            ctx.progress(0, 0, f"the upgrade service is switching CHT to {new} "
                               f"(CHT {found or 'is restarting'} answers now)")
            return False

        if not ctx.host.wait_until(switched, SWITCH_WITHIN, f"CHT {new} to answer"):
            raise StepError(f"CHT {new} did not answer within {SWITCH_WITHIN / 60:.0f} "
                            "minutes of the switch", switch_fix(new))
        if failed:
            raise StepError(f"the upgrade service did not switch CHT to {new}"
                            + (f" (its log says: {failed[0]})" if failed[0] else ""),
                            switch_fix(new))


def switch_fix(new: str) -> str:
    return (f"Read the upgrade service's log (`docker logs {UPGRADE_SERVICE}`) and CHT's upgrade "
            f"troubleshooting page ({TROUBLESHOOTING}); then run `sudo cht-install upgrade "
            f"{new}` again.")


class UpgradeDone:
    """The saved answers name the new release, and the upgrade's note is removed."""

    id = "upgrade.done"
    title = "The answers name the new release; the upgrade is done"

    def probe(self, ctx: Context) -> Finding:
        new = upgrade_of(ctx).new
        try:
            saved = (yaml.safe_load(ctx.host.read_text(ctx.paths.answers) or "") or {}).get(
                "cht_version")
        except (yaml.YAMLError, AttributeError):
            saved = None
        if saved == new and ctx.host.read_text(note_file(ctx.paths)) is None:
            return ok(f"the answers say CHT {new}")
        return needed(f"the answers still say CHT {saved}")

    def apply(self, ctx: Context) -> None:
        ctx.host.write_file(ctx.paths.answers, answers.dump(ctx.config), 0o600)
        result = forget(ctx)
        if not result.ok:
            raise StepError(f"{note_file(ctx.paths)} could not be removed: {result.tail(1)}",
                            f"The upgrade is done. Remove it by hand: sudo rm "
                            f"{note_file(ctx.paths)}")


BEFORE_SWITCH = ("upgrade.kept", "upgrade.release", "upgrade.images", "upgrade.backup",
                 "upgrade.staged")


def line_step(line: Line, step_id: str) -> Step:
    return next(step for step in line.steps() if step.id == step_id)


def steps(line: Line, make_backup: Callable[[], Path] | None) -> list[Step]:
    """The upgrade, in order: written down, the release's files and images, a backup,
    staged and indexed, switched, CHT's services checked, the answers saved."""
    return [UpgradeKept(), ReleaseFetched(), ImagesReady(), BackupMade(make_backup),
            ReleaseStaged(), ReleaseSwitched(), line_step(line, "cht.running"),
            UpgradeDone()]


def cancel(ctx: Context) -> None:
    """The staging cancelled in CHT (DELETE /api/v2/upgrade) and the note removed: the old
    release serves as before; the backup and the pulled images stay."""
    new = upgrade_of(ctx).new
    doc = latest_log(ctx)
    if doc is not None and log_target(doc) == new and doc.get("state") not in FINAL:
        status, text = api_send(ctx, "DELETE", UPGRADE, {})
        ctx.host.log(f"upgrade: staging cancelled ({status}: {text[:200]})")
    forget(ctx)


def forget(ctx: Context) -> CommandResult:
    """The upgrade's note removed (it is over: done, or the old release serves on)."""
    return ctx.host.run(["rm", "-f", str(note_file(ctx.paths))])
