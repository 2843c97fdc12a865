"""Record → HubSpot JSON (SimplePublicObject and friends, hubspot-api.md §2.2, §5, §7.5).

Resolves which properties a response carries (defaults, requested, always-present,
unknown names omitted, known-but-empty as null, keys sorted) and embeds
associations. Also the hot-path JSON encoding: each record's envelope is encoded
once per (record state, property set) and cached on the record, so list pages are
joined from byte fragments (`envelope_bytes`, `json_bytes`). Does not read request
parameters (routes do) or filter records.
"""

from __future__ import annotations

import json
from typing import Any

from hubspot_fdw.simulator import history
from hubspot_fdw.simulator.clock import iso_ms
from hubspot_fdw.simulator.objecttypes import ObjectType
from hubspot_fdw.simulator.portal import Portal
from hubspot_fdw.simulator.records import Record


def property_names(portal: Portal, t: ObjectType, requested: list[str] | None,
                   search: bool = False) -> list[str]:
    """Sorted names a response carries for every record."""
    known = portal.catalog.names(t.type_id)
    if requested:
        names = {n for n in requested if n in known}
    else:
        names = set(t.search_defaults if search else t.list_defaults)
    names.update(t.always)
    return sorted(names)


def envelope(rec: Record, names: list[str], url: str | None = None) -> dict[str, Any]:
    props = rec.props
    pmap = {n: props.get(n) for n in names}
    out: dict[str, Any] = {
        "id": pmap.get("hs_object_id") or str(rec.id),
        "properties": pmap,
        "createdAt": iso_ms(rec.created_ms),
        "updatedAt": iso_ms(rec.updated_ms),
        "archived": rec.archived,
    }
    if rec.archived:
        out["archivedAt"] = iso_ms(rec.archived_ms)
    if url is not None:
        out["url"] = url
    return out


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
CACHE_PER_RECORD = 8      # property sets remembered per record before its cache is emptied


def json_bytes(body: Any) -> bytes:
    """The wire encoding of every JSON response body (compact, UTF-8, not ASCII-escaped)."""
    return _ENCODER.encode(body).encode("utf-8")


def envelope_bytes(rec: Record, names: tuple[str, ...], url: str | None = None) -> bytes:
    """`json_bytes(envelope(rec, list(names), url))`, cached on the record.

    The cache is dropped by writes.py on every change and is also keyed on the
    record's (updated_ms, archived, archived_ms), which every write moves.
    Callers hold the portal lock.
    """
    stamp = (rec.updated_ms, rec.archived, rec.archived_ms)
    cache = rec.cache
    if cache is None or cache[0] != stamp:
        cache = rec.cache = (stamp, {})
    else:
        hit = cache[1].get(names)
        if hit is not None:
            return hit
    frags = cache[1]
    if len(frags) >= CACHE_PER_RECORD:
        frags.clear()
    out = frags[names] = json_bytes(envelope(rec, list(names), url))
    return out


def with_history(out: dict[str, Any], portal: Portal, t: ObjectType, rec: Record,
                 names: list[str] | None) -> None:
    """``propertiesWithHistory``: each known requested property's values, newest first."""
    if not names:
        return
    known = portal.catalog.names(t.type_id)
    out["propertiesWithHistory"] = {n: [e.to_json() for e in history.entries(portal, t, rec, n)]
                                    for n in names if n in known}


def embedded_associations(portal: Portal, t: ObjectType, rec: Record,
                          to_types: list[ObjectType]) -> dict[str, Any] | None:
    """`associations` block: one {id, type} per (record, v3 type name); absent when none."""
    blocks: dict[str, Any] = {}
    for u in to_types:
        store = portal.store(u)
        results = []
        for y, type_ids in sorted(portal.edges.targets(t.type_id, rec.id, u.type_id).items()):
            if not store.is_live(y):
                continue
            for tid in type_ids:
                d = portal.registry.get(t.type_id, u.type_id, tid)
                results.append({"id": str(y), "type": d.name if d else str(tid)})
        if results:
            blocks[u.embed_key] = {"results": results}
    return blocks or None
