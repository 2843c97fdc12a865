"""Metadata routes: properties v3 (list, get, create, update, archive, batch read/create/
archive) and owners (hubspot-api.md §3.2, §4). Property groups, schemas and pipelines
have their own route files (routes_groups.py, routes_schemas.py, routes_pipelines.py).

Does not hold the catalog (properties.py) nor parse property bodies (property_input.py).
"""

from __future__ import annotations

from typing import Any

from hubspot_fdw.simulator import bodies, errors
from hubspot_fdw.simulator.clock import iso_ms
from hubspot_fdw.simulator.properties import PropertyDef
from hubspot_fdw.simulator.property_input import apply_update, make_property
from hubspot_fdw.simulator.routing import Request, Response, Router


# -- properties ------------------------------------------------------------------------
def props_list(sim: Any, req: Request) -> Response:
    p = sim.portal
    t = p.object_type(req.params["objectType"])
    wanted = req.qlist("properties")
    with p.lock:
        props = p.catalog.all(t.type_id, archived=req.qbool("archived"))
        if wanted:
            props = [x for x in props if x.name in wanted]
        return Response(200, {"results": [x.to_json() for x in props]})


def _prop(sim: Any, t, name: str) -> PropertyDef:
    prop = sim.portal.catalog.get(t.type_id, name)
    if prop is None:
        raise errors.error(404, f"Unable to find property {name} for object type {t.type_id}.",
                           "OBJECT_NOT_FOUND")
    return prop


def prop_get(sim: Any, req: Request) -> Response:
    t = sim.portal.object_type(req.params["objectType"])
    with sim.portal.lock:
        return Response(200, _prop(sim, t, req.params["propertyName"]).to_json())


def prop_create(sim: Any, req: Request) -> Response:
    p = sim.portal
    t = p.object_type(req.params["objectType"])
    body = req.json_object()
    with p.lock:
        prop = make_property(body, p.clock.now_ms())
        _check_new(p, t, prop)
        p.catalog.add(t.type_id, prop)
        return Response(201, prop.to_json())


def _check_new(p: Any, t, prop: PropertyDef, batch: list[PropertyDef] | None = None) -> None:
    taken = {x.name for x in p.catalog.all(t.type_id)} | {x.name for x in p.catalog.all(t.type_id, True)}
    if prop.name in taken or any(x.name == prop.name for x in batch or []):
        raise errors.conflict(f"A property named '{prop.name}' already exists.", context={"name": [prop.name]})
    uniques = sum(1 for x in p.catalog.all(t.type_id) + (batch or []) if x.unique and not x.hubspot_defined)
    if prop.unique and uniques >= 10:
        raise errors.validation("At most 10 unique-value properties are allowed per object.")


def props_batch_create(sim: Any, req: Request) -> Response:
    p = sim.portal
    t = p.object_type(req.params["objectType"])
    inputs = bodies.objects(req.json_object(), "inputs", required=True)
    with p.lock:
        started = p.clock.now_ms()
        made: list[PropertyDef] = []
        for i, inp in enumerate(inputs):       # all or nothing: every input checked first
            prop = make_property(inp, started, f"inputs[{i}].")
            _check_new(p, t, prop, made)
            made.append(prop)
        for prop in made:
            p.catalog.add(t.type_id, prop)
        return Response(201, _batch(started, p.clock.now_ms(), [x.to_json() for x in made]))


def props_batch_archive(sim: Any, req: Request) -> Response:
    p = sim.portal
    t = p.object_type(req.params["objectType"])
    inputs = bodies.objects(req.json_object(), "inputs", required=True)
    names = [bodies.req_str(x, "name", f"inputs[{i}].") for i, x in enumerate(inputs)]
    with p.lock:
        for name in names:
            prop = p.catalog.get(t.type_id, name)
            if prop is not None and prop.hubspot_defined:
                raise errors.validation(f"{name} is a HubSpot-defined property and cannot be archived.")
        now = p.clock.now_ms()
        for name in names:
            p.catalog.archive(t.type_id, name, now)
    return Response(204)


def _batch(started: int, completed: int, results: list[dict[str, Any]]) -> dict[str, Any]:
    return {"status": "COMPLETE", "results": results, "startedAt": iso_ms(started),
            "completedAt": iso_ms(max(completed, started + 1))}


def prop_update(sim: Any, req: Request) -> Response:
    p = sim.portal
    t = p.object_type(req.params["objectType"])
    body = req.json_object()
    with p.lock:
        prop = _prop(sim, t, req.params["propertyName"])
        apply_update(prop, body, p.clock.now_ms())
        return Response(200, prop.to_json())


def prop_archive(sim: Any, req: Request) -> Response:
    p = sim.portal
    t = p.object_type(req.params["objectType"])
    with p.lock:
        prop = _prop(sim, t, req.params["propertyName"])
        if prop.hubspot_defined:
            raise errors.validation(f"{prop.name} is a HubSpot-defined property and cannot be archived.")
        p.catalog.archive(t.type_id, prop.name, p.clock.now_ms())
    return Response(204)


def props_batch_read(sim: Any, req: Request) -> Response:
    p = sim.portal
    t = p.object_type(req.params["objectType"])
    body = req.json_object()
    names = {bodies.req_str(x, "name", f"inputs[{i}].")
             for i, x in enumerate(bodies.objects(body, "inputs", required=True))}
    archived = bodies.opt_bool(body, "archived")
    with p.lock:
        started = p.clock.peek_ms()
        results = [x.to_json() for x in p.catalog.all(t.type_id, archived) if x.name in names]
        return Response(200, _batch(started, p.clock.peek_ms(), results))


# -- owners ----------------------------------------------------------------------------
def owners_list(sim: Any, req: Request) -> Response:
    limit = req.qint("limit", 100)
    if limit < 1 or limit > 500:
        raise errors.validation("limit must be between 1 and 500.")
    start = req.qafter()
    email = req.qstr("email")
    archived = req.qbool("archived")
    owners = [o for o in sim.portal.owners if o.archived == archived and (not email or o.email == email.lower())]
    body: dict[str, Any] = {"results": [o.to_json() for o in owners[start:start + limit]]}
    if start + limit < len(owners):
        nxt = str(start + limit)
        body["paging"] = {"next": {"after": nxt,
                                   "link": f"https://api.hubapi.com/crm/v3/owners/?limit={limit}&after={nxt}"}}
    return Response(200, body)


def owner_get(sim: Any, req: Request) -> Response:
    key = req.params["ownerId"]
    by_user = (req.qstr("idProperty") or "id") == "userId"
    archived = req.qbool("archived")
    for o in sim.portal.owners:
        if (str(o.user_id) if by_user else o.id) == key and o.archived == archived:
            return Response(200, o.to_json())
    raise errors.not_found()


def register(router: Router) -> None:
    pr = "/crm/v3/properties/{objectType}"
    router.add("POST", pr + "/batch/read", props_batch_read)
    router.add("POST", pr + "/batch/create", props_batch_create)
    router.add("POST", pr + "/batch/archive", props_batch_archive)
    router.add("GET", pr, props_list)
    router.add("POST", pr, prop_create)
    router.add("GET", pr + "/{propertyName}", prop_get)
    router.add("PATCH", pr + "/{propertyName}", prop_update)
    router.add("DELETE", pr + "/{propertyName}", prop_archive)
    router.add("GET", "/crm/v3/owners", owners_list)
    router.add("GET", "/crm/v3/owners/{ownerId}", owner_get)
