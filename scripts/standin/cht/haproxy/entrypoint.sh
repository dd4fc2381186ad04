#!/usr/bin/env python3
"""Stand-in for cht-haproxy (medic/cht-core haproxy/entrypoint.sh and default_frontend.cfg):
CouchDB's single front door on $HAPROXY_PORT (5984), balancing to $COUCHDB_SERVERS (port
5984 each), with COUCHDB_USER and COUCHDB_PASSWORD required as the real entrypoint needs them
for its health checks; stays up, stops on TERM."""
import os
import signal
import socket
import sys
import threading

for name in ("COUCHDB_USER", "COUCHDB_PASSWORD", "COUCHDB_SERVERS"):
    if not os.environ.get(name):
        sys.exit(f"haproxy: {name} must be set")
servers = [s.strip() for s in os.environ["COUCHDB_SERVERS"].split(",") if s.strip()]
port = int(os.environ.get("HAPROXY_PORT") or 5984)
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))


def pipe(src, dst):
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(client):
    for server in servers:
        try:
            upstream = socket.create_connection((server, 5984), timeout=5)
            upstream.settimeout(None)
            break
        except OSError:
            continue
    else:
        client.sendall(b"HTTP/1.0 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")
        client.close()
        return
    threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
    pipe(upstream, client)


listener = socket.create_server(("0.0.0.0", port))
print(f"haproxy: balancing CouchDB on :{port} to {', '.join(servers)}", flush=True)
while True:
    conn, _ = listener.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
