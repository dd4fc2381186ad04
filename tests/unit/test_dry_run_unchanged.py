"""The dry-run JSON of every os-release in tests/data, for both CHT lines, is exactly as
recorded in tests/data/dry-run: a change of shape inside the engine changes no plan.
After a change that means to change a plan, record them again with
CHT_RECORD_DRY_RUNS=1 and read the diff."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).parent.parent / "data"
RELEASES = sorted(p.name for p in (DATA / "os-release").iterdir())
SIZE_ONLY = re.compile(r"<\d+ bytes>")
NEW_UUID = re.compile(r"(COUCHDB_UUID=)[0-9a-f]{32}")
LINES = {"3.x": (), "current": ("--cht-version", "5.0.2")}
def planned(root: Path, release: str) -> str:
    """Both lines' dry-run JSON for a fresh machine of this release, as one text."""
    plans = {}
    for line, extra in LINES.items():
        done = subprocess.run(
            [sys.executable, "-m", "installer.cli", "--dry-run", "--json", "--root",
             str(root / line), "--os-release", str(DATA / "os-release" / release),
             "--hostname", "cht.example.org", *extra],
            capture_output=True, text=True, check=False)
        plan = json.loads(done.stdout.replace(str(root / line), "<root>"))
        for step in plan.get("steps", []):
            for action in step["actions"]:
                if action.get("mode") == "0600" and SIZE_ONLY.fullmatch(
                        str(action.get("content", ""))):
                    action["content"] = "<a new key>"  # its length varies by a few bytes
                elif "content" in action:  # CouchDB's server UUID is made anew each time
                    action["content"] = NEW_UUID.sub(r"\1<a new uuid>", action["content"])
        plans[line] = {"exit": done.returncode, "plan": plan}
    return json.dumps(plans, indent=1, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("release", RELEASES)
def test_the_dry_run_is_as_recorded(tmp_path: Path, release: str) -> None:
    recorded = DATA / "dry-run" / f"{release}.json"
    now = planned(tmp_path, release)
    if os.environ.get("CHT_RECORD_DRY_RUNS") == "1":
        recorded.write_text(now)
    assert recorded.read_text() == now
