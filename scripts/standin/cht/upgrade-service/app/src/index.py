#!/usr/bin/env python3
"""Stand-in for cht-upgrade-service (medic/cht-upgrade-service src/index.js, server.js,
containers.js, docker-compose-cli.js): listens on 5008 (GET / -> {"ok": true}, POST /start
brings CHT up again), and at start runs `docker compose -p $CHT_COMPOSE_PROJECT_NAME -f F
config` on every file in /docker-compose (CHT_COMPOSE_PATH), then `docker compose -p ...
-f F1 -f F2 ... up -d --remove-orphans` over the valid ones, through the Docker socket; its
log says "Running cmd: ..." for each, as the real one does. /upgrade and /install (CHT's
admin app upgrading) are not served here. Its docker CLI is Debian's; the registry's
:old-client build pins it to an API version older than the engine accepts (the variable
DOCKER_API_VERSION), so that the engine refuses it in the words it refused the real service's
bundled client with after Docker 29 ("client version 1.41 is too old. Minimum supported API
version is 1.44 ..."), and this logs them, then "Error while starting containers", as the
real one does (cht-docs upgrade-troubleshooting.md)."""
import json
import os
import subprocess
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

COMPOSE_DIR = Path("/docker-compose")
PROJECT = os.environ.get("CHT_COMPOSE_PROJECT_NAME") or "cht"


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
        if self.path != "/start":
            return self.reply(404, {"error": True, "reason": "not served by the stand-in"})
        ok, err = start_up()
        self.reply(200 if ok else 500, {"ok": True} if ok else {"error": True, "reason": err})


server = ThreadingHTTPServer(("0.0.0.0", 5008), Server)
ok, err = start_up()
if not ok:
    print("Error while starting containers", err, file=sys.stderr, flush=True)
server.serve_forever()
