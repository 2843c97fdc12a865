"""The official Node SDK (@hubspot/api-client 13.5.0, pinned in node/package.json), only its
basePath pointed at the simulator: every call of node/sdk_calls.js succeeds and parses.

Skips when node/npm are not installed, or when the SDK cannot be installed (no registry).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).resolve().parent / "node"


@pytest.fixture(scope="module")
def node_sdk(tmp_path_factory) -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node/npm not installed: the Node SDK check needs them")
    if (NODE_DIR / "node_modules" / "@hubspot" / "api-client").is_dir():
        return NODE_DIR
    work = tmp_path_factory.mktemp("node-sdk")        # the checkout may be read-only
    for name in ("package.json", "sdk_calls.js"):
        shutil.copy(NODE_DIR / name, work / name)
    r = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent"], cwd=work,
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        pytest.skip(f"cannot install @hubspot/api-client: {r.stderr[-300:]}")
    return work


def test_node_sdk_calls_succeed(node_sdk, fresh):
    r = subprocess.run(["node", str(node_sdk / "sdk_calls.js"), fresh.base_url, fresh.token],
                       capture_output=True, text=True, timeout=180)
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert r.returncode == 0 and not out["failed"], out["failed"] or r.stderr[-1000:]
    assert len(out["ok"]) >= 18
