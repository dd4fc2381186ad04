#!/usr/bin/env python3
"""Stand-in of CHT's build server (a CouchDB), mirroring how medic/cht-core reads it
(admin/src/js/controllers/upgrade.js lists releases from the view; api/src/services/setup/
upgrade-steps.js fetches a release's document; cht-docs' Docker install page downloads the
compose files) and medic/medic-builds-repo's view. It serves the files under its folder as they
are laid out there (a release's compose files at /_couch/builds_4/medic:medic:VERSION/
docker-compose/NAME, as attachments are reached in CouchDB; the upgrade service's compose
file), a release's document, and the `releases` view of the builds database.

A release's document is its staging document: `_attachments` names its compose files (with
?attachments=true, each one's base64 `data`, as CouchDB answers and CHT's API asks for it,
api/src/services/setup/upgrade-steps.js) and `ddocs/medic.json`; `tags` lists its images
(scripts/build/index.js saveServiceTags: container_name and image). A release folder holding
a file named `no-attachments` (the test knob) is served without attachments, which CHT's API
refuses ("Staging ddoc is missing attachments").

The view follows medic/medic-builds-repo ddocs/builds/views/releases/map.js with
views/lib/version.js: a document id `NS:APP:X.Y.Z` is keyed ["release", NS, APP, X, Y, Z],
`NS:APP:X.Y.Z-PRE.N` [PRE, NS, APP, X, Y, Z, N]; the value is the document's build_info.
Rows are sorted by CouchDB's collation and honour descending, startkey, endkey and limit
as CouchDB does, which is how CHT's admin app and horticulturalist ask for the newest
release. Usage: server.py PORT FOLDER [ADDRESS].
"""

from __future__ import annotations

import base64
import functools
import json
import re
import sys
import urllib.parse
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DATABASE = "/_couch/builds_4"
VIEW = f"{DATABASE}/_design/builds/_view/releases"
# version.js: namespace:application:(major.minor.patch(-pre.n)? | branch)
BUILD_ID = re.compile(r"^([^:]+):([^:]+):(?:(\d+)\.(\d+)\.(\d+)(?:-(.+)\.(\d+))?|(.+))$")


def rank(value: Any) -> int:
    """CouchDB's collation order of types: null, false, true, numbers, strings, arrays,
    objects."""
    if value is None:
        return 0
    if value is False:
        return 1
    if value is True:
        return 2
    if isinstance(value, (int, float)):
        return 3
    if isinstance(value, str):
        return 4
    if isinstance(value, list):
        return 5
    return 6


def collate(a: Any, b: Any) -> int:
    if rank(a) != rank(b):
        return rank(a) - rank(b)
    if isinstance(a, list):
        for x, y in zip(a, b, strict=False):
            if (found := collate(x, y)) != 0:
                return found
        return len(a) - len(b)
    if isinstance(a, dict):
        return 0
    return (a > b) - (a < b)


def key_of(doc_id: str) -> list[Any] | None:
    found = BUILD_ID.match(doc_id)
    if found is None:
        return None
    ns, app, major, minor, patch, pre, n, branch = found.groups()
    if branch is not None:
        return None  # branches are keyed by their build time, which a folder does not have
    numbers = [int(major), int(minor), int(patch)]
    return [pre, ns, app, *numbers, int(n)] if pre else ["release", ns, app, *numbers]


def view(folder: Path, query: dict[str, str]) -> dict[str, Any]:
    rows = []
    for entry in sorted((folder / DATABASE.strip("/")).glob("*:*:*")):
        key = key_of(entry.name)
        if key is not None:
            version = entry.name.split(":", 2)[2]
            rows.append({"id": entry.name, "key": key,
                         "value": {"namespace": key[1], "application": key[2],
                                   "version": version}})
    descending = query.get("descending") == "true"
    rows.sort(key=functools.cmp_to_key(lambda a, b: collate(a["key"], b["key"])),
              reverse=descending)
    start = json.loads(query["startkey"]) if "startkey" in query else None
    end = json.loads(query["endkey"]) if "endkey" in query else None
    sign = -1 if descending else 1
    if "startkey" in query:
        rows = [r for r in rows if sign * collate(r["key"], start) >= 0]
    if "endkey" in query:
        rows = [r for r in rows if sign * collate(r["key"], end) <= 0]
    total = len(rows)
    if "limit" in query:
        rows = rows[: int(query["limit"])]
    return {"total_rows": total, "offset": 0, "rows": rows}


def staging_doc(release: Path, with_data: bool) -> dict[str, Any]:
    """A release's document, as CHT's build publishes it."""
    name = release.name
    version = name.split(":", 2)[2]
    files = {f"docker-compose/{f.name}": ("text/yaml", f.read_bytes())
             for f in sorted((release / "docker-compose").glob("*.yml"))}
    # ddocs/NAME.json as scripts/build/ddoc-compile.js packs them ({"docs": [...]}), each
    # with a view, so that pre-indexing them (the migration tool) has something to index
    for ddoc, db_view in (("medic", "contacts_by_type"), ("logs", "connected_users")):
        files[f"ddocs/{ddoc}.json"] = ("application/json", json.dumps({"docs": [{
            "_id": f"_design/{ddoc}", "version": version, "views": {db_view: {
                "map": "function (doc) { if (doc.type) { emit(doc.type); } }"}}}]}).encode())
    tags = [{"container_name": image.rsplit("/", 1)[-1].split(":")[0], "image": image}
            for kind, data in files.values() if kind == "text/yaml"
            for image in re.findall(r"^    image: (\S+)$", data.decode(), re.M)]
    doc: dict[str, Any] = {"_id": name, "build_info": {
        "namespace": "medic", "application": "medic", "version": version}, "tags": tags}
    if (release / "no-attachments").exists():
        return doc
    doc["_attachments"] = {
        path: {"content_type": kind, "length": len(data),
               **({"data": base64.b64encode(data).decode()} if with_data else {"stub": True})}
        for path, (kind, data) in files.items()}
    return doc


class Handler(SimpleHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        folder = Path(self.directory)
        if url.path == VIEW:
            try:
                self.answer(200, view(folder, query))
            except (ValueError, KeyError) as exc:
                self.answer(400, {"error": "query_parse_error", "reason": str(exc)})
            return
        name = urllib.parse.unquote(url.path).rsplit("/", 1)[-1]
        if url.path.startswith(DATABASE + "/") and key_of(name) is not None and "/" not in (
                urllib.parse.unquote(url.path)[len(DATABASE) + 1:]):
            release = folder / DATABASE.strip("/") / name
            if not release.is_dir():
                self.answer(404, {"error": "not_found", "reason": "missing"})
                return
            self.answer(200, staging_doc(release, query.get("attachments") == "true"))
            return
        super().do_GET()

    def answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main() -> None:
    port, folder = int(sys.argv[1]), sys.argv[2]
    address = sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1"
    handler = functools.partial(Handler, directory=folder)
    ThreadingHTTPServer((address, port), handler).serve_forever()


if __name__ == "__main__":
    main()
