"""Pipelines and stages whose labels HubSpot stores with NUL characters, quotes and line
breaks (its public API accepts them): IMPORT keeps every table's comments and records
the labels without the NULs, and live reads of pipelines and pipeline_stages return the
rows without the NULs, as the cache does, instead of failing."""

from __future__ import annotations

from typing import Any

import psycopg2
import pytest
import requests

from .conftest import query

EVIL_PIPELINE = "Evil\u0000 pipe \"quoted\"\nline2 'x"
EVIL_STAGE = "St\u0000age '; DROP"


@pytest.fixture(scope="module")
def evil(sim) -> dict[str, Any]:
    """A deal pipeline created through the public API with hostile labels and metadata."""
    body = {"label": EVIL_PIPELINE, "displayOrder": 5,
            "stages": [{"label": EVIL_STAGE, "displayOrder": 0,
                        "metadata": {"probability": "0.5", "note\u0000": "a\u0000b"}},
                       {"label": "Line\nbreak", "displayOrder": 1, "metadata": {"probability": "0.1"}}]}
    r = requests.post(f"{sim.base_url}/crm/v3/pipelines/deals", json=body,
                      headers={"Authorization": f"Bearer {sim.token}"}, timeout=30)
    assert r.status_code == 201, r.text
    return r.json()


def test_import_keeps_comments_and_labels_without_nul(conn, evil) -> None:
    query(conn, "CREATE SCHEMA evil")
    conn.notices.clear()
    query(conn, "IMPORT FOREIGN SCHEMA hubspot LIMIT TO (deals, contacts) FROM SERVER hubspot INTO evil")
    assert not [n for n in conn.notices if "without HubSpot comments" in n]
    assert query(conn, "SELECT col_description('evil.contacts'::regclass, 0) IS NOT NULL")[0][0]
    stage = evil["stages"][0]["id"]
    assert query(conn, "SELECT hubspot_fdw.label('evil.deals', 'dealstage', %s), "
                       "hubspot_fdw.label('evil.deals', 'pipeline', %s)", (stage, evil["id"])) == \
        [("Stage '; DROP", "Evil pipe \"quoted\"\nline2 'x")]


def test_live_pipelines_and_stages_read_without_nul(conn, evil) -> None:
    query(conn, "SET hubspot_fdw.read_mode = 'live'")
    assert query(conn, "SELECT label FROM hubspot.pipelines WHERE id = %s", (evil["id"],)) == \
        [("Evil pipe \"quoted\"\nline2 'x",)]
    rows = query(conn, "SELECT label, metadata FROM hubspot.pipeline_stages WHERE pipeline_id = %s "
                       "ORDER BY display_order", (evil["id"],))
    assert [r[0] for r in rows] == ["Stage '; DROP", "Line\nbreak"]
    assert rows[0][1]["note"] == "ab"


def test_a_rejection_naming_a_label_with_nul_is_reported_as_is(conn, evil) -> None:
    """The valid stages in a rejected write's DETAIL include the hostile label: the error
    is HubSpot's rejection (23514), not an encoding error about the NUL."""
    deal = query(conn, "SELECT id FROM hubspot.deals ORDER BY id LIMIT 1")[0][0]
    with pytest.raises(psycopg2.Error) as info:
        query(conn, "UPDATE hubspot.deals SET dealstage = 'nosuchstage' WHERE id = %s", (deal,))
    assert info.value.pgcode == "23514", info.value.pgerror
    assert "(Stage '; DROP)" in info.value.diag.message_detail


def test_import_says_when_hubspot_refuses_the_pipelines(conn, sim) -> None:
    """HubSpot failing the pipelines call: the import stands, and a NOTICE says the stage
    labels were not recorded (not a silent gap in hubspot_fdw.label)."""
    query(conn, "CREATE SCHEMA refused")
    sim.set_faults(error_rate=1.0, error_statuses=[503], path_contains="/crm/v3/pipelines")
    try:
        conn.notices.clear()
        query(conn, "IMPORT FOREIGN SCHEMA hubspot LIMIT TO (deals) FROM SERVER hubspot INTO refused")
    finally:
        sim.clear_faults()
    assert query(conn, "SELECT count(*) FROM pg_class WHERE relnamespace = 'refused'::regnamespace") == [(1,)]
    assert any("deals: pipeline and stage labels not recorded" in n for n in conn.notices), conn.notices
    assert query(conn, "SELECT hubspot_fdw.label('refused.deals', 'dealstage', 'closedwon')") == [("closedwon",)]
