#!/usr/bin/env python3
"""Maintainer tool: copy the facts of HubSpot's recorded answers into the simulator's data.

Reads a directory of real HubSpot responses (the recordings of a public integration
project: one JSON file per response, ``crm/*.json``) and writes
``hubspot_fdw/simulator/data/hubspot_properties.json``: every HubSpot-defined property
definition of the recorded portal per object type (companies, deals), as HubSpot sent
it. The portal's own custom properties are left out. The simulator's ``realistic``
profile is built from that file; nothing reads the recordings at run time.

    python scripts/recorded_facts.py /path/to/hubspot-recorded
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "hubspot_fdw" / "simulator" / "data" / "hubspot_properties.json"


def _results(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text())
    body = data["record"]["response"] if "record" in data else data
    return list(body["results"])


def property_files(crm: Path) -> dict[str, list[Path]]:
    """Object type → the recorded answers of GET /crm/v3/properties/{type}."""
    out: dict[str, list[Path]] = {}
    for path in sorted(crm.glob("*.json")):
        name = path.name
        for object_type in ("companies", "deals", "contacts", "tickets"):
            if f"get_crm_v3_properties_{object_type}" in name or f"get_proxy_crm_v3_properties_{object_type}" in name:
                out.setdefault(object_type, []).append(path)
    return out


def collect(crm: Path) -> dict[str, list[dict[str, Any]]]:
    facts: dict[str, list[dict[str, Any]]] = {}
    for object_type, paths in property_files(crm).items():
        by_name: dict[str, dict[str, Any]] = {}
        for path in paths:
            for prop in _results(path):
                if prop.get("hubspotDefined"):
                    by_name.setdefault(prop["name"], prop)
        facts[object_type] = sorted(by_name.values(), key=lambda p: p["name"])
    return facts


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    facts = collect(Path(argv[1]) / "crm")
    lines = ["{"]
    types = list(facts)
    for i, object_type in enumerate(types):
        lines.append(f' "{object_type}": [')
        props = facts[object_type]
        for j, prop in enumerate(props):
            sep = "," if j < len(props) - 1 else ""
            lines.append("  " + json.dumps(prop, ensure_ascii=False, separators=(",", ":")) + sep)
        lines.append(" ]" + ("," if i < len(types) - 1 else ""))
    lines.append("}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n")
    print(f"{OUT}: " + ", ".join(f"{t} {len(p)}" for t, p in facts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
