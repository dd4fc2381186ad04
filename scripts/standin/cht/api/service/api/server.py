#!/usr/bin/env python3
"""Stand-in for CHT's API (medic/cht-core api/server.js and api/src/routing.js): runs its
server checks against COUCH_URL (CouchDB through haproxy, with .env's credentials) until they
pass, and only then listens on $API_PORT (5988), so nginx answers 502 until then. /api/info
answers {"version": ...} from package.json; everything else (/_session included) goes on to
CouchDB as the real API proxies it."""
import base64
import http.client
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

url = urlsplit(os.environ.get("COUCH_URL") or sys.exit("COUCH_URL must be set"))
VERSION = json.load(open("/service/api/package.json"))["version"]
PORT = int(os.environ.get("API_PORT") or 5988)
AUTH = "Basic " + base64.b64encode(f"{url.username}:{url.password}".encode()).decode()


def log(level, text):
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000", time.gmtime())
    print(f"{stamp} {level}: {text}", flush=True)


def couch(method, path, body=b"", headers=None):
    conn = http.client.HTTPConnection(url.hostname, url.port or 5984, timeout=10)
    conn.request(method, path, body, headers or {"Authorization": AUTH})
    answer = conn.getresponse()
    return answer.status, dict(answer.getheaders()), answer.read()


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


class Api(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def handle_any(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.split("?")[0] == "/api/info":
            data, status, headers = json.dumps({"version": VERSION}).encode(), 200, {}
        else:
            keep = {k: v for k, v in self.headers.items()
                    if k.lower() in ("authorization", "content-type", "accept", "cookie")}
            try:
                status, headers, data = couch(self.command, self.path, raw, keep)
            except OSError:
                status, headers, data = 503, {}, b'{"error":"service unavailable"}'
        self.send_response(status)
        self.send_header("Content-Type", headers.get("Content-Type", "application/json"))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = handle_any


server = ThreadingHTTPServer(("0.0.0.0", PORT), Api)
log("INFO", f"API listening on port {PORT}")
server.serve_forever()
