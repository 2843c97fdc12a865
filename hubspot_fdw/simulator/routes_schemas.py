"""Custom object schemas v3 routes at `/crm-object-schemas/v3/schemas` and `/crm/v3/schemas`:
list, get, batch read, create, update, archive (and purge with `archived=true`),
association definitions create/delete (hubspot-api.md §6; HubSpot's schemas spec).

Every field is checked before anything changes: a PATCH naming a missing property
(`requiredProperties`, `searchableProperties`, `secondaryDisplayProperties`,
`primaryDisplayProperty`) or of the wrong JSON type is a 400 and leaves the schema as
it was. Does not hold the catalog (properties.py) or object types (objecttypes.py).
"""

from __future__ import annotations

import re
from typing import Any

from hubspot_fdw.simulator import bodies, errors
from hubspot_fdw.simulator.clock import iso_ms
from hubspot_fdw.simulator.objecttypes import custom_type
from hubspot_fdw.simulator.property_input import make_property
from hubspot_fdw.simulator.routing import Request, Response, Router
from hubspot_fdw.simulator.schemas import Schema
from hubspot_fdw.simulator.standard_properties import common
from hubspot_fdw.simulator.store import TypeStore

NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
LISTS = (("requiredProperties", "required"), ("searchableProperties", "searchable"),
         ("secondaryDisplayProperties", "secondary"))


def _schema(sim: Any, key: str, archived: bool | None = False) -> Schema:
    t = sim.portal.types.find(key)
    schema = sim.portal.schemas.get(t.type_id) if t else None
    if schema is None or (archived is not None and schema.archived != archived):
        raise errors.error(404, f"Unable to find object schema {key}.", "OBJECT_NOT_FOUND")
    return schema


def _json(sim: Any, s: Schema, props: bool = True, assocs: bool = True) -> dict[str, Any]:
    return s.to_json(sim.portal.catalog, sim.portal.registry, props, assocs)


def _labels(body: dict[str, Any], required: bool) -> dict[str, str] | None:
    if "labels" not in body and not required:
        return None
    labels = bodies.obj(body.get("labels"), "labels")
    out = {k: bodies.opt_str(labels, k, "labels.") for k in ("singular", "plural")}
    if not out["singular"] or not out["plural"]:
        raise errors.validation("labels.singular and labels.plural are required.",
                                errors=[{"message": "must not be blank", "code": "REQUIRED", "in": "labels"}])
    return out   # type: ignore[return-value]


def _check_names(body: dict[str, Any], known: set[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, _ in LISTS:
        if key in body:
            names = bodies.str_list(body, key)
            missing = [x for x in names if x not in known]
            if missing:
                raise errors.validation(f"{key} names properties that do not exist: {missing}",
                                        errors=[{"message": f"Property {m} does not exist", "code": "INVALID_PROPERTY",
                                                 "in": key} for m in missing])
            out[key] = names
    return out


def schemas_list(sim: Any, req: Request) -> Response:
    p = sim.portal
    archived = req.qbool("archived")
    props = req.qbool("includePropertyDefinitions", True)
    assocs = req.qbool("includeAssociationDefinitions", True)
    with p.lock:
        out = [_json(sim, s, props, assocs) for s in p.schemas.values() if s.archived == archived]
    return Response(200, {"results": out})


def schema_get(sim: Any, req: Request) -> Response:
    with sim.portal.lock:
        return Response(200, _json(sim, _schema(sim, req.params["objectType"])))


def schemas_batch_read(sim: Any, req: Request) -> Response:
    body = req.json_object()
    keys = bodies.str_list(body, "inputs")
    props = bodies.opt_bool(body, "includePropertyDefinitions", default=True)
    assocs = bodies.opt_bool(body, "includeAssociationDefinitions", default=True)
    p = sim.portal
    with p.lock:
        out, seen = [], set()
        for key in keys:
            t = p.types.find(key)
            s = p.schemas.get(t.type_id) if t else None
            if s is not None and not s.archived and s.id not in seen:
                seen.add(s.id)
                out.append(_json(sim, s, props, assocs))
    return Response(200, {"results": out})


def schema_create(sim: Any, req: Request) -> Response:
    p = sim.portal
    body = req.json_object()
    name = bodies.req_str(body, "name")
    if not NAME_RE.fullmatch(name):
        raise errors.validation("name must start with a letter and hold only letters, digits and underscores.")
    labels = _labels(body, required=True)
    with p.lock:
        if any(s.otype.name == name for s in p.schemas.values()):
            raise errors.conflict(f"An object type named {name} already exists.")
        now = p.clock.now_ms()
        props = [make_property(x, now) for x in bodies.objects(body, "properties")]
        names = {x.name for x in props}
        if len(names) != len(props):
            raise errors.validation("Property names must be unique within a schema.")
        lists = _check_names(body, names)
        primary = bodies.opt_str(body, "primaryDisplayProperty")
        if primary is not None and primary not in names:
            raise errors.validation(f"primaryDisplayProperty {primary} is not one of the schema's properties.")
        primary = primary or (props[0].name if props else None)
        targets = []
        for i, key in enumerate(bodies.str_list(body, "associatedObjects")):
            u = p.types.find(key)
            if u is None:
                raise errors.validation(f"associatedObjects[{i}]: unknown object type {key}.")
            targets.append(u)
        type_id = f"2-{3465404 + 100 + len(p.schemas)}"
        while p.types.find(type_id) is not None:
            type_id = f"2-{int(type_id[2:]) + 1}"
        searchable = lists.get("searchableProperties", [])
        t = custom_type(name, type_id, labels["singular"], labels["plural"], p.portal_id,
                        primary or "hs_object_id", tuple(searchable), len(p.types.types))
        p.types.add(t)
        p.catalog.define(t.type_id, f"{name}_information", common(t, t.create_prop, t.modified_prop, False))
        for prop in props:
            p.catalog.add(t.type_id, prop)
        p.stores[t.type_id] = TypeStore(t, 0, p.seeder.record)
        for other in targets:
            p.registry.ensure_default(t.type_id, t.singular, other.type_id, other.singular)
        schema = Schema(t, primary or "", lists.get("secondaryDisplayProperties", []),
                        lists.get("requiredProperties", []), searchable, now, now,
                        description=bodies.opt_str(body, "description") or "")
        p.schemas[t.type_id] = schema
        return Response(201, _json(sim, schema))


def schema_update(sim: Any, req: Request) -> Response:
    p = sim.portal
    body = req.json_object()
    with p.lock:
        s = _schema(sim, req.params["objectType"])
        known = p.catalog.names(s.otype.type_id)
        lists = _check_names(body, known)          # every check before any change
        primary = bodies.opt_str(body, "primaryDisplayProperty")
        if primary is not None and primary not in known:
            raise errors.validation(f"primaryDisplayProperty {primary} is not a property of {s.otype.name}.")
        labels = _labels(body, required=False)
        description = bodies.opt_str(body, "description")
        clear = bodies.opt_bool(body, "clearDescription")
        for key, attr in LISTS:
            if key in lists:
                setattr(s, attr, lists[key])
        if "searchableProperties" in lists:
            s.otype.searchable = tuple(lists["searchableProperties"])
        if primary is not None:
            s.primary = primary
        if labels is not None:
            s.otype.labels.update(labels)
        if description is not None or clear:
            s.description = "" if clear else (description or "")
        s.updated_ms = p.clock.now_ms()
        return Response(200, _json(sim, s, assocs=False))


def schema_archive(sim: Any, req: Request) -> Response:
    p = sim.portal
    purge = req.qbool("archived")
    with p.lock:
        s = _schema(sim, req.params["objectType"], archived=None)
        if purge:                          # archived=true: delete an archived schema for good
            if not s.archived:
                raise errors.validation("Only an archived object schema can be purged; archive it first.")
            del p.schemas[s.otype.type_id]
            return Response(204)
        if s.archived:
            raise errors.error(404, f"Unable to find object schema {req.params['objectType']}.", "OBJECT_NOT_FOUND")
        if p.store(s.otype).count():
            raise errors.validation("Object schema still has records; archive them first.")
        s.archived = True
    return Response(204)


def schema_assoc_create(sim: Any, req: Request) -> Response:
    p = sim.portal
    body = req.json_object()
    to_key = bodies.req_str(body, "toObjectTypeId")
    from_key = bodies.opt_str(body, "fromObjectTypeId")
    name = bodies.opt_str(body, "name")
    with p.lock:
        s = _schema(sim, req.params["objectType"])
        if from_key is not None and p.types.find(from_key) is not s.otype:
            raise errors.validation(f"fromObjectTypeId {from_key} must be the schema's own type {s.otype.type_id}.")
        to = p.object_type(to_key)
        p.registry.ensure_default(s.otype.type_id, s.otype.singular, to.type_id, to.singular)
        d = p.registry.unlabeled(s.otype.type_id, to.type_id)
        now = p.clock.now_ms()
        return Response(201, {"id": str(d.type_id), "name": name or d.name,
                              "fromObjectTypeId": s.otype.type_id, "toObjectTypeId": to.type_id,
                              "createdAt": iso_ms(now), "updatedAt": iso_ms(now)})


def schema_assoc_delete(sim: Any, req: Request) -> Response:
    p = sim.portal
    ident = req.params["associationIdentifier"]
    with p.lock:
        s = _schema(sim, req.params["objectType"])
        tid = int(ident) if bodies.is_id(ident) else -1
        for (a, b), defs in list(p.registry.by_pair.items()):
            if a == s.otype.type_id and any(d.type_id == tid and d.key == "" for d in defs):
                p.registry.remove_pair(a, b)
                p.edges.drop_pair(a, b)
                return Response(204)
    raise errors.error(404, f"Unable to find association {ident} of object schema {s.otype.type_id}.",
                       "OBJECT_NOT_FOUND")


def register(router: Router) -> None:
    for base in ("/crm/v3/schemas", "/crm-object-schemas/v3/schemas"):
        router.add("GET", base, schemas_list)
        router.add("POST", base, schema_create)
        router.add("POST", base + "/batch/read", schemas_batch_read)
        router.add("GET", base + "/{objectType}", schema_get)
        router.add("PATCH", base + "/{objectType}", schema_update)
        router.add("DELETE", base + "/{objectType}", schema_archive)
        router.add("POST", base + "/{objectType}/associations", schema_assoc_create)
        router.add("DELETE", base + "/{objectType}/associations/{associationIdentifier}", schema_assoc_delete)
