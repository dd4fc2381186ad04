"""The CouchDB both lines' stand-ins share (medic-os's CouchDB 2.3.1 and cht-couchdb's 3.x):
documents, databases with their shard maps, nodes, views and their indexes, the endpoints
medic/couchdb-migration calls (src/utils.js, get-env.js, pre-index-views.js, move-shard.js,
remove-node.js, verify.js) and CHT's services use. Sign-in and configuration stay with each
stand-in (their files differ); this module is the data a migration copies.

What it mirrors of CouchDB (apache/couchdb, mem3 and couch_mrview):
- A database's shard map is a document of the node-local `_dbs` database: by_node,
  by_range, changelog, shard_suffix, props (mem3_util). A database whose map names no node
  of this server cannot be read ("nodedown"), as a copy started under another node name.
- The node-local API: `_all_dbs` (shard files `shards/RANGE/DB.SUFFIX`, `_dbs`, `_nodes`),
  `_dbs/DB` and `_nodes/NODE`, on the node-local port (CouchDB 2.x) or under
  `/_node/_local/` (CouchDB 3.x).
- A view's index is kept under `.shards/` by its signature (the hash of the design
  document's views and language), so a design document with the same views under another
  id (`_design/:staged:medic`, as pre-index-views saves it) finds the index already built.
  `stale=ok` answers from the index as it is (nothing when there is none); any other query
  builds it first (STANDIN_INDEX_SECONDS per view, shown in `_active_tasks`).

Laid out as files under the data folder, so that copying the folder copies the databases:
`shards/DB/ID.json` (a document), `_dbs/DB.json`, `_nodes/NODE.json`,
`.shards/DB/SIGNATURE.view`. A view's rows are the database's documents other than design
documents (the stand-in runs no JavaScript)."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote

Reply = tuple[int, Any]
LOCK = threading.RLock()
MISSING: Reply = (404, {"error": "not_found", "reason": "missing"})
NODEDOWN: Reply = (500, {"error": "nodedown", "reason": "progress not possible"})


def ranges(q: int) -> list[str]:
    """The q ranges mem3 splits the hash space into: 00000000-1fffffff, ..."""
    step = 2 ** 32 // q
    return [f"{i * step:08x}-{(i + 1) * step - 1 if i < q - 1 else 2 ** 32 - 1:08x}"
            for i in range(q)]


class Store:
    """The databases of one CouchDB server: its data folder, node name and shard count."""

    def __init__(self, data: Path, node: str = "couchdb@127.0.0.1", q: int = 8,
                 node_paths: bool = False) -> None:
        """``node_paths``: the node-local API under /_node/_local/ (CouchDB 3.x); CouchDB
        2.x has it on its own port only (the stand-in's handler calls ``local``)."""
        self.data, self.node, self.q, self.node_paths = data, node, q, node_paths
        self.tasks: dict[str, dict[str, Any]] = {}
        self.writing = threading.Lock()  # one write at a time, as CouchDB's updater

    # ---- files ------------------------------------------------------------------------
    def db_dir(self, db: str) -> Path:
        return self.data / "shards" / db

    def exists(self, db: str) -> bool:
        return self.db_dir(db).is_dir() and (self.data / "_dbs" / f"{db}.json").exists()

    def read(self, path: Path) -> Any:
        return json.loads(path.read_text()) if path.exists() else None

    def write(self, path: Path, doc: Any) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(doc))
        tmp.replace(path)

    def shard_map(self, db: str) -> dict[str, Any] | None:
        found: dict[str, Any] | None = self.read(self.data / "_dbs" / f"{db}.json")
        return found

    def readable(self, db: str) -> bool:
        """A database can be read when its shard map places every range on this node."""
        found = self.shard_map(db)
        return found is not None and all(
            self.node in nodes for nodes in found.get("by_range", {}).values())

    def dbs(self) -> list[str]:
        folder = self.data / "_dbs"
        return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []

    def docs(self, db: str) -> list[dict[str, Any]]:
        return sorted((json.loads(f.read_text()) for f in self.db_dir(db).glob("*.json")),
                      key=lambda d: d["_id"])

    # ---- the server -------------------------------------------------------------------
    def start(self) -> None:
        """This node in `_nodes`, as cluster setup leaves a single node."""
        node = self.data / "_nodes" / f"{self.node}.json"
        if not node.exists():
            self.write(node, {"_id": self.node, "_rev": f"1-{uuid.uuid4().hex}"})

    def create(self, db: str) -> Reply:
        with self.writing:
            return self.created(db)

    def created(self, db: str) -> Reply:
        if self.exists(db):
            return 412, {"error": "file_exists",
                         "reason": "The database could not be created, the file already exists."}
        suffix = f".{int(time.time())}"
        every = ranges(self.q)
        self.write(self.data / "_dbs" / f"{db}.json", {
            "_id": db, "_rev": f"1-{uuid.uuid4().hex}",
            "shard_suffix": [ord(c) for c in suffix],
            "changelog": [["add", r, self.node] for r in every],
            "by_node": {self.node: every}, "by_range": {r: [self.node] for r in every},
            "props": {}})
        self.db_dir(db).mkdir(parents=True, exist_ok=True)
        return 201, {"ok": True}

    def drop(self, db: str) -> Reply:
        """The database, its shard map and its view indexes, gone."""
        import shutil

        with self.writing:
            (self.data / "_dbs" / f"{db}.json").unlink(missing_ok=True)
            for folder in (self.db_dir(db), self.data / ".shards" / db):
                shutil.rmtree(folder, ignore_errors=True)
        return 200, {"ok": True}

    def info(self, db: str) -> Reply:
        docs = self.docs(db)
        return 200, {"db_name": db, "doc_count": len(docs), "doc_del_count": 0,
                     "update_seq": f"{len(docs)}-standin", "purge_seq": 0,
                     "sizes": {"file": 0, "external": 0, "active": 0},
                     "props": {}, "instance_start_time": "0"}

    # ---- documents --------------------------------------------------------------------
    def document(self, db: str, doc_id: str, method: str, raw: bytes) -> Reply:
        path = self.db_dir(db) / (quote(doc_id, safe="") + ".json")
        found = self.read(path)
        if method in ("GET", "HEAD"):
            return (200, found) if found else MISSING
        if method == "DELETE":
            with self.writing:
                if found is None or not path.exists():
                    return MISSING
                path.unlink()
            return 200, {"ok": True, "id": doc_id, "rev": found["_rev"]}
        try:
            doc = json.loads(raw.decode("utf-8"))
        except ValueError:
            return 400, {"error": "bad_request", "reason": "invalid UTF-8 JSON"}
        return self.save(db, doc_id, doc)

    def save(self, db: str, doc_id: str, doc: dict[str, Any]) -> Reply:
        with self.writing:
            return self.saved(db, doc_id, doc)

    def saved(self, db: str, doc_id: str, doc: dict[str, Any]) -> Reply:
        path = self.db_dir(db) / (quote(doc_id, safe="") + ".json")
        found = self.read(path)
        if found is not None and doc.get("_rev") != found["_rev"]:
            return 409, {"error": "conflict", "reason": "Document update conflict."}
        number = int(found["_rev"].split("-")[0]) + 1 if found else 1
        doc = {**doc, "_id": doc_id, "_rev": f"{number}-{uuid.uuid4().hex}"}
        self.write(path, doc)
        return 201, {"ok": True, "id": doc_id, "rev": doc["_rev"]}

    def bulk_docs(self, db: str, raw: bytes) -> Reply:
        try:
            docs = json.loads(raw.decode("utf-8"))["docs"]
        except (ValueError, KeyError, TypeError):
            return 400, {"error": "bad_request", "reason": "POST body must include `docs`"}
        results = []
        for doc in docs:
            doc_id = str(doc.get("_id") or uuid.uuid4().hex)
            status, body = self.save(db, doc_id, doc)
            results.append(body if status == 201 else {"id": doc_id, **body})
        return 201, results

    def all_docs(self, db: str, query: dict[str, str], design: bool = False) -> Reply:
        docs = [d for d in self.docs(db) if not design or d["_id"].startswith("_design/")]
        descending = query.get("descending") == "true"
        if descending:
            docs.reverse()
        start, end = (json.loads(query[k]) if k in query else None
                      for k in ("startkey", "endkey"))
        sign = -1 if descending else 1

        def after(a: str, b: str) -> int:
            return sign * ((a > b) - (a < b))

        rows = [d for d in docs if (start is None or after(d["_id"], start) >= 0)
                and (end is None or after(d["_id"], end) <= 0)]
        if "limit" in query:
            rows = rows[: int(query["limit"])]
        include = query.get("include_docs") == "true"
        return 200, {"total_rows": len(docs), "offset": 0, "rows": [
            {"id": d["_id"], "key": d["_id"], "value": {"rev": d["_rev"]},
             **({"doc": d} if include else {})} for d in rows]}

    # ---- views ------------------------------------------------------------------------
    @staticmethod
    def signature(ddoc: dict[str, Any]) -> str:
        wanted = {"views": ddoc.get("views") or {}, "language": ddoc.get("language", "javascript")}
        return hashlib.md5(json.dumps(wanted, sort_keys=True).encode()).hexdigest()  # noqa: S324

    def view(self, db: str, ddoc_id: str, name: str, query: dict[str, str]) -> Reply:
        ddoc = self.read(self.db_dir(db) / (quote(ddoc_id, safe="") + ".json"))
        if ddoc is None or name not in (ddoc.get("views") or {}):
            return 404, {"error": "not_found", "reason": "missing_named_view"}
        index = self.data / ".shards" / db / f"{self.signature(ddoc)}.view"
        rows = [d for d in self.docs(db) if not d["_id"].startswith("_design/")]
        if query.get("stale") not in ("ok", "update_after") and query.get("update") != "false":
            while f"{db}/{ddoc_id}/{index.stem}" in self.tasks:
                time.sleep(0.2)  # one indexer per view: a second query waits for it
            if not index.exists():
                self.build(db, ddoc_id, index, len(rows))
        built = self.read(index)
        total = built["rows"] if built else 0
        limit = int(query.get("limit", total))
        return 200, {"total_rows": total, "offset": 0, "rows": [
            {"id": d["_id"], "key": d["_id"], "value": None} for d in rows[:min(limit, total)]]}

    def build(self, db: str, ddoc_id: str, index: Path, rows: int) -> None:
        """Index a view: STANDIN_INDEX_SECONDS, with an indexer task while it runs."""
        seconds = float(os.environ.get("STANDIN_INDEX_SECONDS", "0"))
        key = f"{db}/{ddoc_id}/{index.stem}"
        found = self.shard_map(db) or {}
        suffix = "".join(chr(c) for c in found.get("shard_suffix", []))
        first = next(iter(found.get("by_range", {})), ranges(self.q)[0])
        task = {"type": "indexer", "node": self.node, "pid": f"<0.{len(self.tasks)}.0>",
                "database": f"shards/{first}/{db}{suffix}", "design_document": ddoc_id,
                "progress": 0, "changes_done": 0, "total_changes": rows,
                "started_on": int(time.time())}
        with LOCK:
            self.tasks[key] = task
        try:
            started = time.monotonic()
            while time.monotonic() - started < seconds:
                task["progress"] = int(100 * (time.monotonic() - started) / seconds)
                task["changes_done"] = rows * task["progress"] // 100
                time.sleep(min(0.2, seconds))
            self.write(index, {"signature": index.stem, "rows": rows})
        finally:
            with LOCK:
                self.tasks.pop(key, None)

    def active_tasks(self) -> Reply:
        with LOCK:
            return 200, [dict(t) for t in self.tasks.values()]

    # ---- node-local (cluster) API -------------------------------------------------------
    def local(self, method: str, parts: list[str], raw: bytes) -> Reply:
        """`_all_dbs`, `_dbs/DB` and `_nodes/NODE` of the node-local API."""
        if parts == ["_all_dbs"] and method == "GET":
            names = ["_dbs", "_nodes"]
            for db in self.dbs():
                found = self.shard_map(db) or {}
                suffix = "".join(chr(c) for c in found.get("shard_suffix", []))
                names += [f"shards/{r}/{db}{suffix}" for r in found.get("by_range", {})]
            return 200, sorted(names)
        if len(parts) != 2 or parts[0] not in ("_dbs", "_nodes"):
            return MISSING
        with self.writing:
            return self.local_doc(method, parts, raw)

    def local_doc(self, method: str, parts: list[str], raw: bytes) -> Reply:
        path = self.data / parts[0] / f"{unquote(parts[1])}.json"
        found = self.read(path)
        if method == "GET":
            return (200, found) if found else MISSING
        if method == "DELETE":
            if found is None:
                return MISSING
            path.unlink()
            return 200, {"ok": True, "id": found["_id"], "rev": found["_rev"]}
        if method == "PUT":
            try:
                doc = json.loads(raw.decode("utf-8"))
            except ValueError:
                return 400, {"error": "bad_request", "reason": "invalid UTF-8 JSON"}
            if found is not None and doc.get("_rev") != found["_rev"]:
                return 409, {"error": "conflict", "reason": "Document update conflict."}
            number = int(found["_rev"].split("-")[0]) + 1 if found else 1
            doc.update({"_id": unquote(parts[1]), "_rev": f"{number}-{uuid.uuid4().hex}"})
            self.write(path, doc)
            return 201, {"ok": True, "id": doc["_id"], "rev": doc["_rev"]}
        return 405, {"error": "method_not_allowed", "reason": "Only GET,PUT,DELETE allowed"}

    def membership(self) -> Reply:
        folder = self.data / "_nodes"
        known = sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []
        return 200, {"all_nodes": [self.node], "cluster_nodes": known}

    # ---- one request ------------------------------------------------------------------
    def route(self, method: str, target: str, raw: bytes) -> Reply:
        """A request an admin made (sign-in and _config are the stand-in's own)."""
        path, _, rest = target.partition("?")
        query = {k: v[0] for k, v in parse_qs(rest, keep_blank_values=True).items()}
        parts = [p for p in path.strip("/").split("/") if p]
        if self.node_paths and parts[:2] in (["_node", "_local"], ["_node", self.node]):
            if len(parts) == 2:
                return 200, {"name": self.node}
            if parts[2] in ("_all_dbs", "_dbs", "_nodes"):
                return self.local(method, parts[2:], raw)
        if parts == ["_all_dbs"]:
            return 200, self.dbs()
        if parts == ["_membership"]:
            return self.membership()
        if parts == ["_active_tasks"]:
            return self.active_tasks()
        if not parts or parts[0].startswith("_") and parts[0] not in (
                "_users", "_replicator", "_global_changes"):
            return MISSING
        db = parts[0]
        if len(parts) == 1:
            if method == "PUT":
                return self.create(db)
            if method == "DELETE" and self.exists(db):
                return self.drop(db)
            if not self.exists(db):
                return 404, {"error": "not_found", "reason": "Database does not exist."}
            return self.info(db) if method in ("GET", "HEAD") else MISSING
        if not self.exists(db):
            return 404, {"error": "not_found", "reason": "Database does not exist."}
        if not self.readable(db):
            return NODEDOWN
        what = unquote(parts[1]) if len(parts) == 2 else None
        if what == "_sync_shards" and method == "POST":
            return 202, {"ok": True}
        if what == "_shards" and method == "GET":
            return 200, {"shards": (self.shard_map(db) or {}).get("by_range", {})}
        if what == "_all_docs" and method == "GET":
            return self.all_docs(db, query)
        if what == "_design_docs" and method == "GET":
            return self.all_docs(db, query, design=True)
        if what == "_bulk_docs" and method == "POST":
            return self.bulk_docs(db, raw)
        if parts[1] == "_design" and len(parts) == 5 and parts[3] == "_view":
            return self.view(db, f"_design/{unquote(parts[2])}", unquote(parts[4]), query)
        if parts[1] == "_design" and len(parts) == 3:
            return self.document(db, f"_design/{unquote(parts[2])}", method, raw)
        if what is not None and (not what.startswith("_") or what.startswith("_design/")):
            return self.document(db, what, method, raw)
        return MISSING
