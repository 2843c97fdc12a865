"""CRM objects v3 single-record routes: list, read, create, update, archive, merge,
GDPR delete, and search (hubspot-api.md §2.1-2.6, §2.8).

Does not implement batch calls (routes_batch.py) or the write rules (writes.py).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from hubspot_fdw.simulator import bodies, errors, search, writes
from hubspot_fdw.simulator.routing import Request, Response, Router
from hubspot_fdw.simulator.serialize import (embedded_associations, envelope, envelope_bytes, json_bytes,
                                             property_names, with_history)

PUBLIC_BASE = "https://api.hubapi.com"
MAX_LIST_LIMIT = 100
MAX_HISTORY_LIMIT = 50


def _assoc_types(sim: Any, names: list[str] | None) -> list:
    out = []
    for n in names or []:
        u = sim.portal.types.find(n)
        if u is None:
            raise errors.unknown_object_type(n)
        out.append(u)
    return out


def _one(sim: Any, t, rec, names, history, assoc_types) -> dict[str, Any]:
    out = envelope(rec, names, sim.portal.record_url(t, rec.id))
    with_history(out, sim.portal, t, rec, history)
    if assoc_types:
        blocks = embedded_associations(sim.portal, t, rec, assoc_types)
        if blocks:
            out["associations"] = blocks
    return out


def list_page(sim: Any, req: Request) -> Response:
    portal = sim.portal
    t = portal.object_type(req.params["objectType"])
    history = req.qlist("propertiesWithHistory")
    limit = req.qint("limit", 10)
    cap = MAX_HISTORY_LIMIT if history else MAX_LIST_LIMIT
    if limit < 1 or limit > cap:
        raise errors.validation(f"limit must be between 1 and {cap} (got {limit}).")
    after = req.qafter()
    archived = req.qbool("archived")
    requested = req.qlist("properties")
    assoc_types = _assoc_types(sim, req.qlist("associations"))
    with portal.lock:
        names = property_names(portal, t, requested)
        recs, nxt = portal.store(t).page(after, limit, archived)
        if history or assoc_types:
            frags = [json_bytes(_one(sim, t, r, names, history, assoc_types)) for r in recs]
        else:                      # the hot path: cached per-record JSON (serialize.py)
            key = tuple(names)
            frags = [envelope_bytes(r, key, portal.record_url(t, r.id)) for r in recs]
    # the bytes json_bytes({"results": [...], "paging": {...}}) would give
    out = [b'{"results":[', b",".join(frags), b"]"]
    if nxt is not None:
        q: list[tuple[str, str]] = [("limit", str(limit))]
        if requested:
            q.append(("properties", ",".join(requested)))
        if history:
            q.append(("propertiesWithHistory", ",".join(history)))
        q.append(("archived", "true" if archived else "false"))
        q.append(("after", str(nxt)))
        q.extend(("associations", a) for a in req.qlist("associations") or [])
        out.append(b',"paging":')
        out.append(json_bytes({"next": {"after": str(nxt),
                                        "link": f"{PUBLIC_BASE}/crm/v3/objects/{t.name}?{urlencode(q)}"}}))
    out.append(b"}")
    return Response(200, raw=b"".join(out))


def get_one(sim: Any, req: Request) -> Response:
    portal = sim.portal
    t = portal.object_type(req.params["objectType"])
    with portal.lock:
        rec = portal.must_find(t, req.params["objectId"], req.qstr("idProperty"), req.qbool("archived"))
        names = property_names(portal, t, req.qlist("properties"))
        out = _one(sim, t, rec, names, req.qlist("propertiesWithHistory"),
                   _assoc_types(sim, req.qlist("associations")))
    return Response(200, out)


def create(sim: Any, req: Request) -> Response:
    portal = sim.portal
    t = portal.object_type(req.params["objectType"])
    body = req.json_object()
    with portal.lock:
        rec = writes.create(portal, t, bodies.opt_obj(body, "properties"), body.get("associations"))
        return Response(201, envelope(rec, sorted(rec.props), portal.record_url(t, rec.id)))


def update(sim: Any, req: Request) -> Response:
    portal = sim.portal
    t = portal.object_type(req.params["objectType"])
    body = req.json_object()
    with portal.lock:
        rec = portal.must_find(t, req.params["objectId"], req.qstr("idProperty"))
        rec = writes.update(portal, t, rec, bodies.opt_obj(body, "properties"))
        return Response(200, envelope(rec, sorted(rec.props), portal.record_url(t, rec.id)))


def archive(sim: Any, req: Request) -> Response:
    portal = sim.portal
    t = portal.object_type(req.params["objectType"])
    with portal.lock:
        rec = portal.find(t, req.params["objectId"], None)
        if rec is not None:               # archiving a missing/archived record is a no-op 204
            writes.archive(portal, t, rec)
    return Response(204)


def merge(sim: Any, req: Request) -> Response:
    portal = sim.portal
    t = portal.object_type(req.params["objectType"])
    if not (t.mergeable or t.custom):
        raise errors.route_not_found(req.method, req.path)
    body = req.json_object()
    primary_id = bodies.req_str(body, "primaryObjectId")
    other_id = bodies.req_str(body, "objectIdToMerge")
    with portal.lock:
        primary = portal.find(t, primary_id, None)
        other = portal.find(t, other_id, None)
        if primary is None or other is None:
            missing = primary_id if primary is None else other_id
            raise errors.error(404, f"Object {missing} of type {t.type_id} not found.", "OBJECT_NOT_FOUND")
        rec = writes.merge(portal, t, primary, other)
        return Response(200, envelope(rec, sorted(rec.props), portal.record_url(t, rec.id)))


def gdpr_delete(sim: Any, req: Request) -> Response:
    portal = sim.portal
    t = portal.object_type(req.params["objectType"])
    if t.name != "contacts":
        raise errors.route_not_found(req.method, req.path)
    body = req.json_object()
    object_id = bodies.req_str(body, "objectId")
    id_prop = bodies.opt_str(body, "idProperty")
    with portal.lock:   # purging also removes an archived (recycle-bin) contact
        rec = portal.find(t, object_id, id_prop) or portal.find(t, object_id, id_prop, archived=True)
        if rec is None:
            rec = portal.must_find(t, object_id, id_prop)
        writes.gdpr_delete(portal, t, rec)
    return Response(204)


def do_search(sim: Any, req: Request) -> Response:
    portal = sim.portal
    t = portal.object_type(req.params["objectType"])
    body = req.json_object()
    with portal.lock:
        total, recs, nxt = search.run(portal, t, body)
        names = property_names(portal, t, bodies.str_list(body, "properties"), search=True)
        results = [envelope(r, names, portal.record_url(t, r.id)) for r in recs]
    out: dict[str, Any] = {"total": total, "results": results}
    if nxt is not None:
        out["paging"] = {"next": {"after": str(nxt)}}
    return Response(200, out)


def register(router: Router) -> None:
    base = "/crm/v3/objects/{objectType}"
    router.add("POST", base + "/search", do_search, kind="search")
    router.add("POST", base + "/merge", merge)
    router.add("POST", base + "/gdpr-delete", gdpr_delete)
    router.add("GET", base, list_page)
    router.add("POST", base, create)
    router.add("GET", base + "/{objectId}", get_one)
    router.add("PATCH", base + "/{objectId}", update)
    router.add("DELETE", base + "/{objectId}", archive)
