"""Real HubSpot error bodies (quoted in public issue threads, kept in
hubspot_error_bodies.json with their sources) map to the SQLSTATE the README documents,
and a 403 names the scopes HubSpot named; the table reference (docs/tables.md) lists them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from hubspot_fdw.api.errors import HubSpotPermissionError, error_from_response, required_scopes

ROOT = Path(__file__).resolve().parents[2]
BODIES = json.loads((Path(__file__).with_name("hubspot_error_bodies.json")).read_text())
README = (ROOT / "README.md").read_text()
TABLES_DOC = (ROOT / "docs" / "tables.md").read_text()


def _documented_sqlstates() -> set[str]:
    return set(re.findall(r"^\| `([0-9A-Z]{5})`", README, re.M))


def _scope_row(table: str) -> str:
    """The table's row in the standard types' table, else the Scopes line of its own section."""
    for line in TABLES_DOC.splitlines():
        cells = line.split("|")
        if len(cells) > 3 and f"`{table}`" in cells[1]:
            return line
    section = TABLES_DOC.split(f"\n## {table}\n", 1)
    if len(section) == 2:
        return next(line for line in section[1].splitlines() if line.startswith("- **Scopes**"))
    raise AssertionError(f"no scope row for {table} in docs/tables.md")


@pytest.mark.parametrize("case", BODIES, ids=[c["name"] for c in BODIES])
def test_real_error_body_maps_to_documented_sqlstate(case) -> None:
    error = error_from_response(case["status"], json.dumps(case["body"]).encode())
    assert error.sqlstate == case["sqlstate"] and case["sqlstate"] in _documented_sqlstates()
    assert error.message == case["body"]["message"]       # HubSpot's words, no more, no less
    if case["status"] == 409:
        assert error.existing_id == "37765128953"
    if case["status"] == 429:
        assert error.policy_name == "SECONDLY"


@pytest.mark.parametrize("case", [c for c in BODIES if c["status"] == 403], ids=lambda c: c["name"])
def test_403_names_hubspots_scopes_and_the_reference_lists_them(case) -> None:
    error = error_from_response(403, json.dumps(case["body"]).encode(),
                                {"X-HubSpot-Correlation-Id": "abc"})
    assert isinstance(error, HubSpotPermissionError)
    named = [s for e in case["body"]["errors"] for k in ("requiredGranularScopes", "requiredScopes")
             for s in e["context"].get(k, [])]
    assert error.required_scopes == named and named
    assert all(scope in error.detail for scope in named)
    assert "MISSING_SCOPES" in error.detail
    row = _scope_row(case["table"])
    assert any(re.search(rf"(?<![\w.]){re.escape(scope)}(?![\w.])", row) for scope in named), row


def test_required_scopes_order_and_duplicates() -> None:
    errors = [{"context": {"requiredScopes": ["b", "a"]}}, {"context": {"requiredGranularScopes": ["g", "b"]}},
              {"message": "no context"}]
    assert required_scopes(errors) == ["g", "b", "a"]
    plain = error_from_response(403, b'{"status":"error","message":"no","category":"MISSING_SCOPES"}')
    assert plain.required_scopes == [] and plain.hint == HubSpotPermissionError.default_hint
