"""CHT's 3.x -> 4.x migration guide (cht-docs hosting/cht/migration/migration-to-4x-docker.md)
done by hand with the stand-ins, in Docker: the data migration tool's image reads the 3.x
CouchDB's secret and uuid (get-env); a copy of 3.x's data folder serves in cht-couchdb,
given the same secret and uuid, and passes the tool's move-node and verify with every
document there. What `cht-install migrate` will run, proven on the twins first."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import REGISTRY

TOOL = f"{REGISTRY}/medic/couchdb-migration:1.1.0"
COUCHDB = f"{REGISTRY}/medic/cht-couchdb:5.0.2"
DATA = "/srv/storage/medic-core/couchdb/data"
NETWORK = "cht-migration-test"


def exec_in(client: Any, container: str, *argv: str) -> str:
    code, out = client.containers.get(container).exec_run(list(argv))
    assert code == 0, out.decode(errors="replace")
    return str(out.decode())


def tool(client: Any, network: str, couch_url: str, *argv: str) -> tuple[int, str]:
    """`docker compose run couch-migration ARGV` as the guide runs it (stdin closed)."""
    container = client.containers.run(TOOL, list(argv), network=network, detach=True,
                                      environment={"COUCH_URL": couch_url}, stdin_open=False)
    try:
        code = container.wait(timeout=600)["StatusCode"]
        return code, container.logs().decode(errors="replace")
    finally:
        container.remove(force=True)


@pytest.fixture
def documents(healthy: Path, docker_client: Any) -> Iterator[dict[str, int]]:
    """A database of the 3.x site with a marker and generated documents, as CHT keeps its
    data; removed afterwards."""
    password = exec_in(docker_client, "medic-os", "cat",
                       "/srv/storage/medic-core/passwd/medic").strip()
    script = ("import json,urllib.request,base64,sys\n"
              "auth='Basic '+base64.b64encode(b'medic:'+sys.argv[1].encode()).decode()\n"
              "def put(p,b=None):\n"
              " r=urllib.request.Request('http://127.0.0.1:5985'+p,method='PUT',\n"
              "  data=json.dumps(b).encode() if b else None,headers={'Authorization':auth})\n"
              " urllib.request.urlopen(r).read()\n"
              "put('/migration-test')\n"
              "put('/migration-test/marker',{'type':'marker','value':'precious'})\n"
              "[put(f'/migration-test/doc-{i}',{'type':'person','n':i}) for i in range(200)]\n")
    exec_in(docker_client, "medic-os", "python3", "-c", script, password)
    yield {"migration-test": 201}
    exec_in(docker_client, "medic-os", "python3", "-c",
            script.split("put('/migration-test')")[0]
            + "urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:5985/"
              "migration-test',method='DELETE',headers={'Authorization':auth})).read()\n",
            password)


def test_the_guide_by_hand_moves_3x_data_with_its_secret_and_uuid(
        healthy: Path, docker_client: Any, documents: dict[str, int],
        tmp_path: Path) -> None:
    password = exec_in(docker_client, "medic-os", "cat",
                       "/srv/storage/medic-core/passwd/medic").strip()
    docker_client.images.pull(TOOL)
    # 3. save the existing CouchDB configuration (the tool on 3.x's network, via haproxy)
    code, out = tool(docker_client, "medic-net", f"http://medic:{password}@haproxy:5984",
                     "get-env")
    assert code == 0, out
    found = dict(line.strip().split("=", 1) for line in out.splitlines() if "=" in line)
    assert found["COUCHDB_USER"] == "medic" and found["COUCHDB_UUID"], found
    secret = found["COUCHDB_SECRET"] or "a-new-secret-for-a-site-never-signed-in-by-cookie"
    # 4. a copy of the data folder, read from the medic-data volume (3.x left running:
    # the copy is only for this test; the guide stops 3.x first)
    copy = tmp_path / "couchdb"
    copy.mkdir()
    docker_client.containers.run(COUCHDB, ["cp", "-a", f"{DATA}/.", "/copy/"], remove=True,
                                 entrypoint=[], volumes={
                                     "medic-data": {"bind": "/srv", "mode": "ro"},
                                     str(copy): {"bind": "/copy", "mode": "rw"}})
    assert (copy / "_dbs" / "migration-test.json").exists()
    # 5. the 4.x CouchDB on the copy, with the same secret and uuid
    network = docker_client.networks.create(NETWORK)
    couchdb = None
    try:
        couchdb = docker_client.containers.run(
            COUCHDB, detach=True, name="cht-migration-test-couchdb", network=NETWORK,
            environment={"COUCHDB_USER": "medic", "COUCHDB_PASSWORD": password,
                         "COUCHDB_SECRET": secret, "COUCHDB_UUID": found["COUCHDB_UUID"]},
            volumes={str(copy): {"bind": "/opt/couchdb/data", "mode": "rw"}})
        url = f"http://medic:{password}@cht-migration-test-couchdb:5984"
        for argv, said in ((["check-couchdb-up"], "CouchDb is Ready"),
                           (["move-node"], "Removed nodes: []"),
                           (["verify"], "Migration verification passed.")):
            code, out = tool(docker_client, NETWORK, url, *argv)
            assert code == 0 and said in out, out
        # the same node name (couchdb@127.0.0.1 in both): the shard maps are unchanged
        shard_map = json.loads((copy / "_dbs" / "migration-test.json").read_text())
        assert set(shard_map["by_node"]) == {"couchdb@127.0.0.1"}
        ini = exec_in(docker_client, couchdb.name, "cat",
                      "/opt/couchdb/etc/local.d/cluster-credentials.ini")
        assert f"uuid = {found['COUCHDB_UUID']}" in ini and f"secret = {secret}" in ini
        marker = exec_in(docker_client, couchdb.name, "python3", "-c",
                         "import urllib.request,base64,sys\n"
                         "a='Basic '+base64.b64encode(b'medic:'+sys.argv[1].encode()).decode()\n"
                         "print(urllib.request.urlopen(urllib.request.Request("
                         "'http://127.0.0.1:5984/migration-test',headers={'Authorization':a}"
                         ")).read().decode())", password)
        assert json.loads(marker)["doc_count"] == documents["migration-test"]
    finally:
        if couchdb is not None:
            couchdb.remove(force=True)
        network.remove()
        shutil.rmtree(copy, ignore_errors=True)
