"""The stand-in of CHT's build server (scripts/standin/cht/builds/server.py) on a free
loopback port for one test: its releases view and documents over real HTTP."""

from __future__ import annotations

import functools
import importlib.util
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from pathlib import Path
from types import ModuleType

SERVER = Path(__file__).parents[1] / "scripts/standin/cht/builds/server.py"


def stand_in() -> ModuleType:
    spec = importlib.util.spec_from_file_location("builds_server", SERVER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextmanager
def build_server(folder: Path, *versions: str) -> Iterator[str]:
    """Serve ``folder`` with these releases listed; yields its builds_4 URL."""
    for version in versions:
        (folder / f"_couch/builds_4/medic:medic:{version}/docker-compose").mkdir(parents=True)
    (folder / "_couch/builds_4").mkdir(parents=True, exist_ok=True)
    handler = functools.partial(stand_in().Handler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/_couch/builds_4"
    finally:
        server.shutdown()
        server.server_close()
