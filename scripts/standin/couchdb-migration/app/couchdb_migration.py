"""Stand-in for CHT's data migration tool, public.ecr.aws/medic/couchdb-migration:1.1.0
(medic/couchdb-migration: bin/*.js and src/utils.js, get-env.js, check-couch-up.js,
pre-index-views.js, view-indexer-progress.js, move-node.js, move-shard.js, remove-node.js,
verify.js), for the single-node commands CHT's 3.x -> 4.x guide runs: get-env,
check-couchdb-up, pre-index-views, move-node and verify. The same HTTP calls, in the same
order, with the same words and exit codes: COUCH_URL (and COUCH_CLUSTER_PORT) from the
environment; the node-local API found on COUCH_CLUSTER_PORT or 5986 (CouchDB 2.x) or at
/_node/_local (CouchDB 3.x); any TLS certificate accepted (NODE_TLS_REJECT_UNAUTHORIZED=0);
CHT's build server asked at its fixed address. The cluster commands (shard matrices,
move-shards, remove-node) are not stood in for."""

from __future__ import annotations

import base64
import json
import os
import ssl
import sys
import threading
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

BUILDS_URL = "https://staging.dev.medicmobile.org/_couch/builds_4"
DEFAULT_COUCH_PORT = 5984
DEFAULT_COUCH_CLUSTER_PORT = 5986
QUERY_TASKS_INTERVAL = 5.0
DDOC_NAME_PAD = 35
INDEXER_BAR_PREFIX = 60
INSECURE = ssl.create_default_context()
INSECURE.check_hostname = False
INSECURE.verify_mode = ssl.CERT_NONE


class HTTPResponseError(Exception):
    def __init__(self, status: int, reason: str, data: Any) -> None:
        super().__init__(f"HTTP Error Response: {status} {reason}")
        self.status, self.response = status, data


def request(url: str, method: str = "GET", body: Any = None, as_json: bool = True) -> Any:
    """One request as utils.request makes it: JSON both ways; a non-2xx answer raised."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    headers = {"Content-Type": "application/json", "Accept": "application/json"} if as_json \
        else {}
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    data = json.dumps(body).encode() if body is not None else None
    plain = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    asked = urllib.request.Request(plain, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(asked, timeout=600, context=INSECURE) as answer:
            text = answer.read().decode()
    except urllib.error.HTTPError as failed:
        text = failed.read().decode(errors="replace")
        try:
            found: Any = json.loads(text) if as_json else text
        except ValueError:
            found = text
        raise HTTPResponseError(failed.code, failed.reason, found) from None
    return json.loads(text) if as_json else text


def with_port(url: str, port: int | None = None, path: str | None = None) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc
    if port is not None:
        netloc = netloc.rsplit(":", 1)[0] if parts.port else netloc
        netloc = f"{netloc}:{port}"
    return urlunsplit((parts.scheme, netloc, path if path is not None else parts.path,
                       parts.query, ""))


class Couch:
    """utils.js: the two base URLs, found once, and the helpers the commands use."""

    def __init__(self) -> None:
        self.url: str | None = None
        self.cluster_url: str | None = None

    def base(self, cluster: bool) -> str:
        couch = os.environ.get("COUCH_URL")
        if not couch:
            raise RuntimeError("Env variable COUCH_URL must be set")
        if cluster and self.cluster_url is None:
            port = os.environ.get("COUCH_CLUSTER_PORT", "")
            tries = [with_port(couch, int(port) if port.isdigit()
                               else DEFAULT_COUCH_CLUSTER_PORT),
                     with_port(couch, DEFAULT_COUCH_CLUSTER_PORT),
                     with_port(couch, None, "/_node/_local"),
                     with_port(couch, DEFAULT_COUCH_PORT, "/_node/_local")]
            self.cluster_url = self.first(tries, "Failed to connect to CouchDb Clustering API. "
                                          "Please verify that the COUCH_URL provided is "
                                          "reachable through docker network.")
        if not cluster and self.url is None:
            self.url = self.first([couch, with_port(couch, DEFAULT_COUCH_PORT)],
                                  "Failed to connect to CouchDb. Please verify that the "
                                  "COUCH_URL provided is reachable through docker network.")
        found = self.cluster_url if cluster else self.url
        assert found is not None
        return found

    @staticmethod
    def first(urls: list[str], failure: str) -> str:
        for url in urls:
            try:
                request(url, as_json=False)
                return url
            except (HTTPResponseError, OSError, ValueError):
                continue
        raise RuntimeError(failure)

    def url_of(self, path: str, cluster: bool = False, query: str = "") -> str:
        parts = urlsplit(self.base(cluster))
        joined = f"{parts.path}/{path}"
        while "//" in joined:
            joined = joined.replace("//", "/")
        return urlunsplit((parts.scheme, parts.netloc, joined, query, ""))

    def get(self, path: str, cluster: bool = False, query: str = "") -> Any:
        return request(self.url_of(path, cluster, query))

    def dbs(self) -> list[str]:
        return list(self.get("_all_dbs"))

    def membership(self) -> dict[str, Any]:
        return dict(self.get("_membership"))

    def config(self, section: str, key: str) -> str:
        node = self.membership()["all_nodes"][0]
        try:
            return str(self.get(f"_node/{node}/_config/{section}/{key}"))
        except HTTPResponseError as failed:
            if failed.status == 404:
                return ""
            print("Error when getting config", file=sys.stderr)
            raise

    def sync_shards(self, db: str) -> Any:
        return request(self.url_of(f"{db}/_sync_shards"), "POST")


def get_env(couch: Couch) -> None:
    """src/get-env.js: the four settings the new CouchDB needs, one per line."""
    parts = urlsplit(os.environ.get("COUCH_URL") or "")
    secret = couch.config("couch_httpd_auth", "secret")
    uuid = couch.config("couchdb", "uuid")
    # the user and password as WHATWG's URL keeps them: still percent-encoded
    user = (parts.netloc.rpartition("@")[0] if "@" in parts.netloc else "")
    name, _, password = user.partition(":")
    print(f"COUCHDB_USER={name}\nCOUCHDB_PASSWORD={password}\nCOUCHDB_SECRET={secret}\n"
          f"COUCHDB_UUID={uuid}")


def check_couchdb_up(couch: Couch, nodes: str | None) -> None:
    print("Waiting for CouchDb to be ready...", flush=True)
    for _ in range(300):
        try:
            couch.base(False)
            request(couch.url_of(""), as_json=False)
            break
        except (RuntimeError, HTTPResponseError, OSError):
            couch.url = None
            time.sleep(1)
    else:
        raise RuntimeError("CouchDb is not up after 300 seconds.")
    if not nodes or not nodes.isdigit():
        print("CouchDb is Ready")
        return
    print("Waiting for CouchDb Cluster to be ready....", flush=True)
    for _ in range(300):
        if len(couch.membership().get("all_nodes", [])) == int(nodes):
            print("CouchDb Cluster is Ready")
            return
        time.sleep(1)
    raise RuntimeError("CouchDb Cluster is not ready after 300 seconds.")


def staged_ddocs(couch: Couch, version: str) -> dict[str, list[dict[str, Any]]]:
    """getDDocs and getStagedDdocs: the release's design documents, renamed :staged:, for
    each of its databases that exists here."""
    try:
        build = request(f"{BUILDS_URL}/medic:medic:{version}?attachments=true")
    except HTTPResponseError as failed:
        if failed.status == 404:
            raise RuntimeError(f"Build for version {version} was not found.") from None
        raise RuntimeError("An unexpected error occurred when getting build for version "
                           f"{version}") from None
    except OSError:
        raise RuntimeError("An unexpected error occurred when getting build for version "
                           f"{version}") from None
    staged: dict[str, list[dict[str, Any]]] = {}
    for name, attachment in (build.get("_attachments") or {}).items():
        if not (name.startswith("ddocs/") and name.endswith(".json")):
            continue
        found = json.loads(base64.b64decode(attachment["data"]).decode())
        if not found or not found.get("docs"):
            continue
        short = name[len("ddocs/"):-len(".json")]
        db = short if short == "medic" else f"medic-{short}"
        try:
            couch.get(db)
        except HTTPResponseError as failed:
            if failed.status == 404:
                continue
            raise
        staged[db] = [{**ddoc, "_id": ddoc["_id"].replace("_design/", "_design/:staged:"),
                       "version": f"preindex-{ddoc.get('version')}"} for ddoc in found["docs"]]
    return staged


def log_progress(couch: Couch, stop: threading.Event) -> None:
    """view-indexer-progress.js: each staged design document's indexing, every 5 s."""
    indexers: dict[tuple[str, str], dict[str, int]] = {}
    while not stop.is_set():
        try:
            tasks = [t for t in couch.get("/_active_tasks") if t.get("type") == "indexer"
                     and str(t.get("design_document", "")).startswith("_design/:staged:")]
            for each in indexers.values():
                for pid in each:
                    each[pid] = 100
            for task in tasks:
                database = str(task.get("database", ""))
                db = database.split("/")[2].split(".")[0] if database.startswith(
                    "shards/") else database
                ddoc = str(task["design_document"]).replace("_design/:staged:", "")
                indexers.setdefault((db, ddoc), {})[f"{task.get('node')}-{task.get('pid')}"] = \
                    int(task.get("progress", 0))
        except (HTTPResponseError, OSError, ValueError) as failed:
            print(f"Error while querying active tasks: {failed}", file=sys.stderr)
        width = max(1, 80 - INDEXER_BAR_PREFIX)
        for (db, ddoc), each in indexers.items():
            progress = round(sum(each.values()) / len(each)) if each else 0
            filled = progress * width // 100
            label = f"{progress}%"
            bar = label.rjust((filled + len(label)) // 2, "|").ljust(filled, "|").ljust(width, "_")
            print(f"{f'{db}/{ddoc}'.ljust(DDOC_NAME_PAD)}[{bar}]", flush=True)
        if indexers and all(round(sum(e.values()) / len(e)) == 100 for e in indexers.values()
                            if e):
            return
        stop.wait(QUERY_TASKS_INTERVAL)


def pre_index_views(couch: Couch, version: str) -> None:
    staged = staged_ddocs(couch, version)
    for db, ddocs in staged.items():
        request(couch.url_of(f"{db}/_bulk_docs"), "POST", {"docs": ddocs})
    print("Indexing views:", flush=True)
    stop = threading.Event()
    progress = threading.Thread(target=log_progress, args=(couch, stop), daemon=True)
    progress.start()
    failures: list[BaseException] = []

    def index(db: str, ddoc_id: str, view: str) -> None:
        while True:
            try:
                couch.get(f"/{db}/{ddoc_id}/_view/{view}", query="limit=0")
                return
            except HTTPResponseError as failed:
                if isinstance(failed.response, dict) and failed.response.get("error") == \
                        "timeout":
                    continue
                failures.append(failed)
                return
            except OSError as failed:
                failures.append(failed)
                return

    workers = [threading.Thread(target=index, args=(db, ddoc["_id"], view))
               for db, ddocs in staged.items() for ddoc in ddocs
               for view in (ddoc.get("views") or {})]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    stop.set()
    if failures:
        raise failures[0]


def move_node(couch: Couch, to_node: str | None) -> list[str]:
    """move-node.js and move-shard.js, single node: every shard range of every database
    moved onto ``to_node`` (this server's node when not given); the old nodes returned."""
    if not to_node:
        nodes = couch.membership()["all_nodes"]
        if len(nodes) > 1:
            raise RuntimeError("More than one node found. Please specify a node mapping in "
                               'the format {"oldNode":"newNode"}.')
        to_node = nodes[0]
    shards = {name.split("/")[1] for name in couch.get("_all_dbs", cluster=True)
              if name.startswith("shards/")}
    removed: set[str] = set()
    for shard in sorted(shards):
        membership = couch.membership()
        if to_node not in membership.get("cluster_nodes", []):
            print(f"Node {to_node} is unknown.", file=sys.stderr)
        for db in couch.dbs():
            doc = couch.get(f"_dbs/{db}", cluster=True)
            from_nodes = (doc.get("by_range") or {}).get(shard)
            if not from_nodes or to_node in from_nodes:
                continue
            doc["by_range"][shard] = [*from_nodes, to_node]
            doc["by_node"][to_node] = [*doc["by_node"].get(to_node, []), shard]
            doc["changelog"].append(["add", shard, to_node])
            for old in from_nodes:
                left = [r for r in doc["by_node"].get(old, []) if r != shard]
                if left:
                    doc["by_node"][old] = left
                else:
                    doc["by_node"].pop(old, None)
                doc["by_range"][shard] = [n for n in doc["by_range"][shard] if n != old]
                doc["changelog"].append(["remove", shard, old])
                removed.add(old)
            request(couch.url_of(f"_dbs/{db}", cluster=True), "PUT", doc)
    return sorted(removed)


def remove_node(couch: Couch, node: str) -> None:
    try:
        info = couch.get(f"_nodes/{node}", cluster=True)
    except HTTPResponseError:
        raise RuntimeError("Error while getting node info") from None
    try:
        request(couch.url_of(f"_nodes/{info['_id']}", True, f"rev={info['_rev']}"), "DELETE")
    except HTTPResponseError:
        raise RuntimeError("Error while deleting node") from None


def sync_all(couch: Couch) -> None:
    membership = couch.membership()
    if sorted(membership.get("all_nodes", [])) != sorted(membership.get("cluster_nodes", [])):
        print("Multi-node migration detected. Shard synchronization will be run once all "
              "nodes have been migrated.")
        return
    for db in couch.dbs():
        couch.sync_shards(db)
    print("Shards synchronized.")


def verify(couch: Couch) -> None:
    """verify.js: every database readable, its shards synced, and one of its views indexed
    (the view files came across); a database whose views hold nothing is a warning."""
    for db in couch.dbs():
        if db in ("_global_changes", "_replicator"):
            continue
        print(f"Verifying {db}", flush=True)
        try:
            couch.sync_shards(db)
            total = couch.get(f"{db}/_all_docs", query="limit=0").get("total_rows", 0)
            passed = False
            if total > 0:
                ddocs = couch.get(f"{db}/_design_docs", query="include_docs=true")["rows"]
                for row in ddocs:
                    for view in (row.get("doc") or {}).get("views") or {}:
                        found = couch.get(f"{db}/{row['id']}/_view/{view}",
                                          query="stale=ok&limit=0")
                        if found.get("total_rows", 0) > 0:
                            passed = True
                            break
                    if passed:
                        break
        except (HTTPResponseError, OSError) as failed:
            print(f"Error when checking database {db} {failed}", file=sys.stderr)
            raise RuntimeError(f"Verification failed for database {db}") from None
        if passed:
            print(f"Database {db} has passed migration checks.")
        else:
            print(f"Views of database {db} are not indexed. This can be caused by a migration "
                  "failure or by the the views functions not indexing any documents.",
                  file=sys.stderr)


def main(argv: list[str]) -> int:
    command, args = argv[0], argv[1:]
    couch = Couch()
    try:
        if command == "get-env":
            get_env(couch)
        elif command == "check-couchdb-up":
            check_couchdb_up(couch, args[0] if args else None)
        elif command == "pre-index-views":
            if not args:
                print("Please pass the target CHT version as the first argument to this "
                      "command. Example: 4.1.0.", file=sys.stderr)
                return 1
            pre_index_views(couch, args[0])
            print("View indexing complete")
        elif command == "move-node":
            to_node = args[0] if args else None
            if to_node and to_node.startswith("{"):
                raise RuntimeError("Shard map JSON is required for multi-node migration")
            if not sys.stdin.isatty():
                sys.stdin.read()  # it waits for the end of its input, as the real one does
            moved = move_node(couch, to_node)
            print("Node moved successfully")
            for node in moved:
                remove_node(couch, node)
            sync_all(couch)
            print(f"Removed nodes: {moved}")
        elif command == "verify":
            verify(couch)
            print("Migration verification passed.")
        else:
            print(f"{command}: not found", file=sys.stderr)
            return 127
    except (RuntimeError, HTTPResponseError, OSError, KeyError, ValueError) as failed:
        print(f"An unexpected error occurred Error: {failed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
