#!/usr/bin/env python3
"""Stand-in for CHT's API (medic/cht-core api/server.js and api/src/routing.js): runs its
server checks against COUCH_URL (CouchDB through haproxy, with .env's credentials) until they
pass, and only then listens on $API_PORT (5988), so nginx answers 502 until then. /api/info
answers {"version": ...} from package.json; everything else (/_session included) goes on to
CouchDB as the real API proxies it.

Upgrades, as api/src/controllers/upgrade.js and api/src/services/setup/upgrade.js,
upgrade-steps.js, upgrade-log.js, utils.js and view-indexer-progress.js have them, for a
CouchDB admin: POST /api/v2/upgrade/stage {build} fetches the release's staging document
(BUILDS_URL/NS:APP:VERSION?attachments=true) and keeps an upgrade log in medic-logs
(upgrade_log:START:VERSION, its state and state_history), then staged, indexing (the staged
views' indexers and their progress) and indexed; POST /api/v2/upgrade {build} does the same
and completes; POST /api/v2/upgrade/complete {build} sets completing and POSTs the staging
document's compose files to the upgrade service (UPGRADE_SERVICE_URL, path /upgrade), which
recreates this container with the new release; the new release's API, finding the log
completing for its own version, finalizes it. GET /api/v2/upgrade answers {upgradeDoc,
indexers, buildsUrl} (no upgradeDoc once the log is final); DELETE /api/v2/upgrade aborts.
The indexing takes STANDIN_INDEX_SECONDS (default 6) in steps, as views do on a small site."""
import base64
import http.client
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, urlsplit

url = urlsplit(os.environ.get("COUCH_URL") or sys.exit("COUCH_URL must be set"))
VERSION = json.load(open("/service/api/package.json"))["version"]
PORT = int(os.environ.get("API_PORT") or 5988)
AUTH = "Basic " + base64.b64encode(f"{url.username}:{url.password}".encode()).decode()
BUILDS_URL = os.environ.get("BUILDS_URL") or "https://staging.dev.medicmobile.org/_couch/builds_4"
UPGRADE_SERVICE_URL = os.environ.get("UPGRADE_SERVICE_URL") or "http://localhost:5100"
LOGS = (url.path or "/medic") + "-logs"
FINAL = ("finalized", "aborted", "errored")
INDEX_SECONDS = float(os.environ.get("STANDIN_INDEX_SECONDS") or 6)
LOCK = threading.Lock()
indexers: list = []


def log(level, text):
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000", time.gmtime())
    print(f"{stamp} {level}: {text}", flush=True)


def couch(method, path, body=b"", headers=None):
    conn = http.client.HTTPConnection(url.hostname, url.port or 5984, timeout=10)
    conn.request(method, path, body, headers or {"Authorization": AUTH,
                                                 "Content-Type": "application/json"})
    answer = conn.getresponse()
    return answer.status, dict(answer.getheaders()), answer.read()


def fetch(address):
    """GET a URL (the build server); its JSON."""
    where = urlsplit(address)
    kind = http.client.HTTPSConnection if where.scheme == "https" else http.client.HTTPConnection
    conn = kind(where.hostname, where.port, timeout=30)
    conn.request("GET", where.path + (f"?{where.query}" if where.query else ""))
    answer = conn.getresponse()
    body = answer.read()
    if answer.status != 200:
        raise OSError(f"{address} answered {answer.status}")
    return json.loads(body)


def post(address, body):
    where = urlsplit(address)
    conn = http.client.HTTPConnection(where.hostname, where.port, timeout=600)
    conn.request("POST", "/upgrade", json.dumps(body), {"Content-Type": "application/json"})
    answer = conn.getresponse()
    return answer.status, json.loads(answer.read() or b"{}")


# ---- the upgrade log (upgrade-log.js) ------------------------------------------------------

def latest_log():
    query = (f"descending=true&limit=1&include_docs=true&startkey="
             f"{quote(json.dumps(f'upgrade_log:{int(time.time() * 1000)}:'))}"
             f"&endkey={quote(json.dumps('upgrade_log:0:'))}")
    status, _, body = couch("GET", f"{LOGS}/_all_docs?{query}")
    rows = json.loads(body).get("rows", []) if status == 200 else []
    return rows[0]["doc"] if rows else None


def current_log():
    found = latest_log()
    return None if found is None or found["state"] in FINAL else found


def save(doc):
    status, _, body = couch("PUT", f"{LOGS}/{quote(doc['_id'], safe='')}", json.dumps(doc).encode())
    if status == 201:
        doc["_rev"] = json.loads(body)["rev"]
    return doc


def push_state(doc, state):
    doc["state"] = state
    doc["updated_date"] = int(time.time() * 1000)
    doc.setdefault("state_history", []).append({"state": state, "date": doc["updated_date"]})
    return save(doc)


def update(state):
    doc = current_log()
    if doc is not None and doc["state"] != state:
        push_state(doc, state)


def valid_build(build):
    return isinstance(build, dict) and all(
        isinstance(build.get(k), str) and build.get(k) for k in ("namespace", "application",
                                                                 "version"))


def staging_doc(build):
    return fetch(f"{BUILDS_URL.rstrip('/')}/{build['namespace']}:{build['application']}:"
                 f"{build['version']}?attachments=true")


# ---- stage, index, complete (upgrade-steps.js) ---------------------------------------------

def index_staged_views():
    update("indexing")
    log("INFO", "Indexing staged views")
    indexers[:] = [{"database": "medic", "ddoc": "_design/:staged:medic", "type": "indexer",
                    "progress": 0, "tasks": {}}]
    steps = 10
    for step in range(1, steps + 1):
        time.sleep(INDEX_SECONDS / steps)
        doc = current_log()
        if doc is None or doc["state"] != "indexing":
            indexers.clear()
            return False  # aborted meanwhile
        indexers[0]["progress"] = round(100 * step / steps)
        bar = "|" * (step * 2) + "_" * ((steps - step) * 2)
        log("INFO", f"medic/:staged:medic (indexer)  [{bar}] {indexers[0]['progress']}%")
    indexers.clear()
    update("indexed")
    log("INFO", "Indexing views complete")
    return True


def complete(build):
    doc = current_log()
    staging = staging_doc(build)
    if doc is not None:
        push_state(doc, "completing")
    log("INFO", "Completing install")
    files = {name.split("/", 1)[1]: base64.b64decode(att["data"]).decode()
             for name, att in (staging.get("_attachments") or {}).items()
             if name.startswith("docker-compose/")}
    containers = [{"container_name": t["container_name"], "image_tag": t["image"]}
                  for t in staging.get("tags") or []]
    try:
        status, answer = post(UPGRADE_SERVICE_URL, {"containers": containers,
                                                   "docker_compose": files})
    except OSError as exc:
        # the upgrade service recreated this container while answering: the usual end
        log("INFO", f"upgrade-service request ended: {exc}")
        return
    if status != 200 or not any(v.get("ok") for v in answer.values() if isinstance(v, dict)):
        log("ERROR", f"None of the docker-compose files or containers were updated: {answer}")
        if doc is not None:
            push_state(current_log() or doc, "errored")
        raise OSError("No containers were updated")
    log("WARN", "upgrade-service upgrade request succeeded, without CHT-API restarting")


def safe_install(build, stage_only):
    try:
        doc = current_log()
        log("INFO", f"Staging {build['namespace']}:{build['application']}:{build['version']}")
        staging = staging_doc(build)
        if not staging.get("_attachments"):
            raise OSError("Staging ddoc is missing attachments")
        if doc is not None:
            push_state(doc, "staged")
        log("INFO", "Staging complete")
        if not index_staged_views() or stage_only:
            return
        complete(build)
    except Exception as exc:  # noqa: BLE001 (the real one logs any error the same way)
        log("ERROR", f"Error thrown while installing: {exc}")
        update("errored")


def prep(build, user, action):
    previous = current_log()
    if previous is not None:
        push_state(previous, "aborted")
    start = int(time.time() * 1000)
    doc = {"_id": f"upgrade_log:{start}:{build['version']}", "user": user, "action": action,
           "from": {"namespace": "medic", "application": "medic", "version": VERSION},
           "to": build, "start_date": start, "updated_date": start, "state": "initiated",
           "state_history": [{"state": "initiated", "date": start}]}
    save(doc)


def finalize_if_completed():
    """check-install.js at start: a log completing for this release is finalized."""
    doc = latest_log()
    if doc and doc["state"] in ("completing", "complete") and doc["to"]["version"] == VERSION:
        log("INFO", "Staged installation valid. Finalizing install.")
        for state in ("complete", "finalizing", "finalized"):
            doc = push_state(doc, state)
        log("INFO", "Install finalized")
    else:
        log("INFO", "Installation valid.")


# ---- the server ----------------------------------------------------------------------------

log("INFO", "Running server checks…")
while True:
    try:
        status, _, _ = couch("GET", "/_session")
        if status == 200:
            break
        log("ERROR", f"Server checks: CouchDB refused the credentials in COUCH_URL ({status})")
    except OSError as exc:
        log("INFO", f"Server checks: CouchDB not reachable yet ({exc})")
    time.sleep(2)
log("INFO", "Checks passed successfully")
couch("PUT", url.path or "/medic")
couch("PUT", LOGS)
finalize_if_completed()


class Api(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send(self, status, data, headers=None):
        self.send_response(status)
        self.send_header("Content-Type", (headers or {}).get("Content-Type", "application/json"))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def answer(self, status, body):
        self.send(status, json.dumps(body).encode())

    def admin(self):
        """The caller's name when CouchDB says it is an admin (auth.check: can_upgrade)."""
        header = self.headers.get("Authorization")
        if not header:
            return None
        status, _, body = couch("GET", "/_session", b"", {"Authorization": header})
        ctx = json.loads(body).get("userCtx", {}) if status == 200 else {}
        return ctx.get("name") if "_admin" in ctx.get("roles", []) else None

    def upgrade(self, path, raw):
        user = self.admin()
        if user is None:
            return self.answer(401, {"code": 401, "error": "unauthorized"})
        if self.command == "GET" and path == "/api/v2/upgrade":
            return self.answer(200, {"upgradeDoc": current_log(), "indexers": list(indexers),
                                     "buildsUrl": BUILDS_URL})
        if self.command == "DELETE" and path == "/api/v2/upgrade":
            doc = current_log()
            if doc is not None:
                push_state(doc, "aborting")
                push_state(doc, "aborted")
                log("INFO", "Upgrade aborted")
            return self.answer(200, {"ok": True})
        if self.command != "POST":
            return self.answer(404, {"error": "not_found"})
        try:
            build = json.loads(raw or b"{}").get("build")
        except ValueError:
            build = None
        if not build:
            return self.answer(400, {"error": "You must provide a build info body"})
        if not valid_build(build):
            return self.answer(400, {"error": "Invalid build info"})
        if path == "/api/v2/upgrade/complete":
            try:
                complete(build)
            except OSError as exc:
                return self.answer(500, {"error": str(exc)})
            return self.answer(200, {"ok": True})
        stage_only = path == "/api/v2/upgrade/stage"
        if not stage_only and path != "/api/v2/upgrade":
            return self.answer(404, {"error": "not_found"})
        with LOCK:
            prep(build, user, "stage" if stage_only else "upgrade")
        threading.Thread(target=safe_install, args=(build, stage_only), daemon=True).start()
        return self.answer(200, {"ok": True})

    def handle_any(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = self.path.split("?")[0]
        if path == "/api/info":
            return self.send(200, json.dumps({"version": VERSION}).encode())
        if path.startswith("/api/v2/upgrade"):
            return self.upgrade(path, raw)
        keep = {k: v for k, v in self.headers.items()
                if k.lower() in ("authorization", "content-type", "accept", "cookie")}
        try:
            status, headers, data = couch(self.command, self.path, raw, keep)
        except OSError:
            status, headers, data = 503, {}, b'{"error":"service unavailable"}'
        self.send(status, data, headers)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = handle_any


server = ThreadingHTTPServer(("0.0.0.0", PORT), Api)
log("INFO", f"API listening on port {PORT}")
server.serve_forever()
