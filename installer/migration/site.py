"""What the migration reads of the two sites through the seam: 3.x over HTTPS (CHT's API
passes an admin's CouchDB requests through) or at its CouchDB inside Docker, the new
CouchDB inside Docker, the migration tool run the guide's way, and the release's design
documents from CHT's build server."""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.parse
from pathlib import Path
from typing import Any

from installer.host import HttpsAnswer
from installer.lines.cht3 import files as cht3_files
from installer.lines.cht3.steps import srv_mount
from installer.lines.current import facts as current
from installer.lines.current.steps import builds_url
from installer.lines.current.upgrade import json_answer
from installer.step import Context, StepError
from installer.steps.verify import ADDRESS

# medic/couchdb-migration's docker-compose.yml: the tool's image, run with COUCH_URL.
TOOL_IMAGE = "public.ecr.aws/medic/couchdb-migration:1.1.0"
OLD_NETWORK = "medic-net"  # CHT 3.x's compose network (medic-os and haproxy)
OLD_COUCH = "haproxy:5984"  # 3.x's CouchDB as medic-os's own services reach it
OLD_COUCHDB = ("medic-os", 5985)  # medic-os's CouchDB itself (chttpd), past haproxy
NEW_NETWORK = "cht-net"  # the current line's network (cht-couchdb.yml)
NEW_COUCH = "couchdb:5984"
NEW_COUCHDB = (current.container_name("couchdb"), 5984)
MEDIC_OS_DATA = "storage/medic-core/couchdb/data"  # below medic-os's /srv (cht-docs, step 4)
OLD_CONTAINERS = ("medic-os", "haproxy")
SKIPPED = ("_global_changes", "_replicator")  # verify.js skips these too


def old_password(ctx: Context) -> str:
    """The 3.x admin password (CHT 3.x's .env), also the new CouchDB's."""
    password = cht3_files.password_from_env(ctx.host.read_text(ctx.paths.env_file)) or ""
    if not password:
        raise StepError(f"CHT 3.x's admin password is not in {ctx.paths.env_file}",
                        "Run `sudo cht-install` once on the 3.x site (it repairs .env), "
                        "then run the migration again.")
    ctx.host.add_secret(password)
    return password


def admin(ctx: Context) -> tuple[str, str]:
    """CouchDB's admin on both sites: "medic" (the guide: the same user as 3.x's)."""
    return current.ADMIN_USER, old_password(ctx)


def over_https(ctx: Context, path: str) -> HttpsAnswer:
    return ctx.host.https_get(ADDRESS, ctx.config.https_port, ctx.config.hostname_ascii,
                              path=path, auth=admin(ctx))


def fingerprint(answer: HttpsAnswer) -> str:
    return hashlib.sha256(answer.certificate).hexdigest() if answer.certificate else ""


def counts(ctx: Context, ask: Any) -> dict[str, int] | None:
    """Documents in each database, asked with ``ask(path)`` (an HttpsAnswer); None when
    the CouchDB does not answer."""
    names = json_answer(ask("/_all_dbs"))
    if not isinstance(names, list):
        return None
    found: dict[str, int] = {}
    for name in names:
        info = json_answer(ask("/" + urllib.parse.quote(str(name), safe="")))
        if not isinstance(info, dict) or not isinstance(info.get("doc_count"), int):
            return None
        found[str(name)] = info["doc_count"]
    return found


def in_container(ctx: Context, where: tuple[str, int]) -> Any:
    def ask(path: str) -> HttpsAnswer:
        return ctx.host.container_get(where[0], where[1], path, admin(ctx))
    return ask


def count_differences(before: dict[str, int], after: dict[str, int] | None,
                      grown: bool = False) -> list[str]:
    """Each database whose documents differ (or, with ``grown``, are fewer) after."""
    if after is None:
        return ["the new CouchDB does not answer"]
    wrong = []
    for name, count in sorted(before.items()):
        now = after.get(name)
        if now is None or (now < count if grown else now != count):
            wrong.append(f"{name}: {count} before, {'none' if now is None else now} now")
    return wrong


def couch_url(ctx: Context, server: str) -> str:
    """COUCH_URL as the guide gives it: the admin's name and password in a bare URL."""
    user, password = admin(ctx)
    return f"http://{user}:{urllib.parse.quote(password, safe='')}@{server}"


def tool(ctx: Context, network: str, server: str, *argv: str) -> tuple[bool, str]:
    """The migration tool's command, as the guide runs it (`docker compose run
    couch-migration ...`: the tool's image on CHT's network, COUCH_URL given, stdin
    closed), with COUCH_URL passed through the environment, never on a command line."""
    image = ctx.config.image_ref(TOOL_IMAGE)
    result = ctx.host.run(["docker", "run", "--rm", "--network", network, "-e", "COUCH_URL",
                           image, *argv], env={"COUCH_URL": couch_url(ctx, server)},
                          timeout=24 * 3600)
    return result.ok, (result.stdout + result.stderr).replace("\r", "")


def get_env(ctx: Context) -> tuple[str, str]:
    """(secret, uuid) of 3.x's CouchDB, from the tool's get-env (the guide's step 3)."""
    worked, said = tool(ctx, OLD_NETWORK, OLD_COUCH, "get-env")
    values = dict(line.strip().split("=", 1) for line in said.splitlines() if "=" in line)
    uuid = values.get("COUCHDB_UUID", "")
    if not worked or not uuid:
        raise StepError(f"the migration tool could not read 3.x's CouchDB settings: "
                        f"{last_words(said)}", "Check that CHT 3.x runs (`sudo cht-install "
                        "doctor`), then run the migration again.")
    secret = values.get("COUCHDB_SECRET", "")
    ctx.host.add_secret(secret)
    return secret, uuid


def last_words(said: str) -> str:
    lines = [line for line in said.splitlines() if line.strip()]
    return " ".join(lines[-3:])[:300] or "it said nothing"


def old_source(ctx: Context) -> Path | None:
    """3.x's CouchDB data folder on this server: below the volume or folder medic-os has at
    /srv (cht-docs' migration guide, step 4a); None when medic-os is not here."""
    mount = srv_mount(ctx)
    source = (mount or {}).get("Source")
    return Path(str(source)) / MEDIC_OS_DATA if source else None


def build_doc(ctx: Context, kept: Path) -> dict[str, Any] | None:
    """The release's document on CHT's build server (with its attachments), fetched into
    ``kept``; None when a plan did not fetch it."""
    url = f"{builds_url(ctx)}/medic:medic:{ctx.config.version}?attachments=true"

    def check(data: bytes) -> None:
        try:
            json.loads(data)
        except ValueError as exc:
            raise StepError(f"CHT {ctx.config.version}'s release document, as downloaded "
                            f"from {url}, is not JSON", "Check [[builds_url]]: a mirror "
                            "must serve CHT's build documents unchanged.") from exc

    try:
        ctx.host.download(url, kept, 0o600, check)
    except RuntimeError as exc:
        raise StepError(f"CHT {ctx.config.version}'s release could not be fetched from "
                        f"{url}: {exc}", "Check the release number and that this server "
                        "reaches CHT's build server, or give a mirror: [[builds_url]].") from exc
    try:
        found = json.loads(ctx.host.read_text(kept) or "")
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def staged_ddocs(build: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The release's design documents renamed `:staged:` with version `preindex-VERSION`,
    by database (couchdb-migration src/pre-index-views.js): medic for ddocs/medic.json,
    medic-NAME for the others."""
    staged: dict[str, list[dict[str, Any]]] = {}
    for name, attachment in (build.get("_attachments") or {}).items():
        if not (name.startswith("ddocs/") and name.endswith(".json")):
            continue
        try:
            docs = json.loads(base64.b64decode(attachment.get("data") or "")).get("docs")
        except (ValueError, AttributeError):
            continue
        short = name[len("ddocs/"):-len(".json")]
        db = short if short == "medic" else f"medic-{short}"
        staged[db] = [{key: value for key, value in ddoc.items() if key != "_rev"}
                      | {"_id": str(ddoc["_id"]).replace("_design/", "_design/:staged:"),
                         "version": f"preindex-{ddoc.get('version')}"}
                      for ddoc in docs or [] if isinstance(ddoc, dict) and "_id" in ddoc]
    return staged
