#!/usr/bin/env python3
"""Stand-in for cht-upgrade-service (medic/cht-upgrade-service src/index.js, server.js,
containers.js, docker-compose-cli.js): listens on 5008 (GET / -> {"ok": true}, POST /start
brings CHT up again), and at start runs `docker compose -p $CHT_COMPOSE_PROJECT_NAME -f F
config` on every file in /docker-compose (CHT_COMPOSE_PATH), then `docker compose -p ...
-f F1 -f F2 ... up -d --remove-orphans` over the valid ones, through the Docker socket; its
log says "Running cmd: ..." for each, as the real one does. POST /upgrade and /install take
{docker_compose: {NAME: YAML}} (CHT's API sends it when an upgrade completes): each file is
checked with `compose config` on a copy, every *.yml is copied to /docker-compose/data/backup/
DATE-XXXX/ first, then the file is written and its images pulled (/upgrade only overwrites
files that exist, /install only writes missing ones; the other kind answers ok: false with
the real reason), then CHT is brought up as at start; the answer per file is {ok: true}, or
500 {error, reason} ("Error while upgrading"). Compose runs with UPGRADE_SERVICE_URL set to
this service, as server.js sets it, so that CHT's API reaches it. Its docker CLI is
Debian's; the registry's :old-client build pins it to an API version older than the engine
accepts (the variable DOCKER_API_VERSION), so that the engine refuses it in the words it
refused the real service's bundled client with after Docker 29 ("client version 1.41 is
too old. Minimum supported API version is 1.44 ..."), and this logs them, then "Error while
starting containers", as the real one does (cht-docs upgrade-troubleshooting.md)."""
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

COMPOSE_DIR = Path("/docker-compose")
BACKUPS = COMPOSE_DIR / "data" / "backup"
PROJECT = os.environ.get("CHT_COMPOSE_PROJECT_NAME") or "cht"
PORT = 5008
os.environ["UPGRADE_SERVICE_URL"] = f"http://cht-upgrade-service:{PORT}"


def compose(files, *params):
    args = ["compose", "-p", PROJECT]
    for path in files:
        args += ["-f", str(path)]
    for param in params:
        args += param.split(" ")
    print(f"Running cmd: docker {' '.join(args)}", flush=True)
    result = subprocess.run(["docker", *args], stdin=subprocess.DEVNULL, capture_output=True,
                            text=True)
    if result.stdout:
        print(result.stdout, end="", flush=True)
    if result.stderr:
        print(result.stderr, end="", file=sys.stderr, flush=True)
    return result.returncode == 0, result.stderr


def start_up():
    files = [p for p in sorted(COMPOSE_DIR.iterdir()) if p.is_file()]
    valid = [p for p in files if compose([p], "config")[0]]
    if not valid:
        return True, ""
    return compose(valid, "up -d --remove-orphans")


def valid(contents):
    with tempfile.TemporaryDirectory(prefix="docker-compose") as folder:
        path = Path(folder) / "temp.yml"
        path.write_text(contents)
        return compose([path], "config")[0]


def backup_compose_files():
    stamp = time.strftime("%Y-%m-%d-%H-%M-%S-", time.gmtime()) + "000-"
    folder = BACKUPS / (stamp + secrets.token_urlsafe(3))
    folder.mkdir(parents=True, exist_ok=True)
    for path in COMPOSE_DIR.iterdir():
        if path.is_file() and path.name.endswith(".yml"):
            shutil.copyfile(path, folder / path.name)


def update(name, contents, install):
    if not name:
        raise ValueError("Invalid docker-compose file name")
    path = COMPOSE_DIR / name
    if install == path.exists():
        return False
    if not valid(contents):
        raise ValueError(f"Invalid docker-compose yml for file {name}")
    if os.environ.get("CHT_BACKUP_COMPOSE_FILES") != "false":
        backup_compose_files()
    path.write_text(contents)
    ok, err = compose([path], "pull")
    if not ok:
        raise ValueError(err.strip() or f"pull failed for {name}")
    return True


class Server(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.reply(200, {"ok": True}) if self.path == "/" else self.reply(404, {})

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path in ("/upgrade", "/install"):
            return self.update(raw, self.path == "/install")
        if self.path != "/start":
            return self.reply(404, {"error": True, "reason": "not found"})
        ok, err = start_up()
        if not ok:
            print("Error while starting containers", err, file=sys.stderr, flush=True)
        self.reply(200 if ok else 500, {"ok": True} if ok else {"error": True, "reason": err})

    def update(self, raw, install):
        try:
            files = (json.loads(raw or b"{}") or {}).get("docker_compose") or {}
        except ValueError:
            files = {}
        if not files:
            return self.reply(400, {"error": True, "reason": "Invalid payload."})
        answer = {}
        try:
            for name, contents in files.items():
                done = update(name, contents, install)
                answer[name] = {"ok": True} if done else {"ok": False, "reason": (
                    "Existing installation found. Use '/upgrade' API to upgrade." if install
                    else "Existing installation not found. Use '/install' API to install.")}
            ok, err = start_up()
            if not ok:
                raise ValueError(err.strip() or "docker compose up failed")
        except ValueError as exc:
            print("Error while upgrading", exc, file=sys.stderr, flush=True)
            return self.reply(500, {"error": True, "reason": str(exc)})
        self.reply(200, answer)


server = ThreadingHTTPServer(("0.0.0.0", PORT), Server)
print(f"Listening on port {PORT}", flush=True)
ok, err = start_up()
if not ok:
    print("Error while starting containers", err, file=sys.stderr, flush=True)
server.serve_forever()
