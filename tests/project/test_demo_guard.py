"""``make demo`` is safe against a real portal: with HUBSPOT_ACCESS_TOKEN set it says, before
it starts, that it only reads, and sends HubSpot no write unless DEMO_WRITES=1. The "real
portal" here is the simulator at HUBSPOT_API_URL, so the requests can be checked."""

from __future__ import annotations

import os
import subprocess
import sys

from hubspot_fdw.devtools.demo import writes_allowed
from hubspot_fdw.simulator.process import start_simulator

READS = ("/search", "/batch/read")


def is_write(request: dict) -> bool:
    if request["method"] in ("PATCH", "PUT", "DELETE"):
        return True
    return request["method"] == "POST" and not request["path"].endswith(READS)


def test_demo_only_reads_from_a_real_portal():
    with start_simulator(seed=3, no_limits=True, contacts=50, companies=10, deals=20, tickets=5) as sim:
        env = {k: v for k, v in os.environ.items() if k != "DEMO_WRITES"}
        env.update(HUBSPOT_ACCESS_TOKEN=sim.token, HUBSPOT_API_URL=sim.base_url)
        result = subprocess.run([sys.executable, "-m", "hubspot_fdw.devtools.demo"], capture_output=True,
                                text=True, timeout=300, env=env)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        out = result.stdout
        assert sim.token not in out + result.stderr
        assert "READ-ONLY" in out and "DEMO_WRITES=1" in out
        assert out.index("READ-ONLY") < out.index("Throwaway PostgreSQL") < out.index("IMPORT FOREIGN SCHEMA")
        assert "Writes skipped" in out and "INSERT INTO hubspot.contacts" not in out
        requests = sim.requests()
        assert any(r["path"].startswith("/crm/v3/objects/contacts") for r in requests)  # it did read
        assert [r for r in requests if is_write(r)] == []


def test_writes_need_the_explicit_flag():
    assert not writes_allowed([], {})
    assert not writes_allowed([], {"DEMO_WRITES": "0"})
    assert writes_allowed([], {"DEMO_WRITES": "1"})
    assert writes_allowed(["--allow-writes"], {})
