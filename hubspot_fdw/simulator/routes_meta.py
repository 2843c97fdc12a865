"""Metadata routes: properties v3 (+ groups, batch read, create/update/archive),
schemas v3 for custom objects at both paths, owners, pipelines (hubspot-api.md §3, §4, §6).

Does not hold the catalog (properties.py) or the object types (objecttypes.py).
"""

from __future__ import annotations

import re
from typing import Any

from hubspot_fdw.simulator import errors
from hubspot_fdw.simulator.objecttypes import custom_type
from hubspot_fdw.simulator.properties import FIELD_TYPES, Option, PropertyDef
from hubspot_fdw.simulator.routing import Request, Response, Router
from hubspot_fdw.simulator.schemas import Schema
from hubspot_fdw.simulator.standard_properties import common
from hubspot_fdw.simulator.store import TypeStore

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


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


def _options(raw: Any) -> list[Option]:
    out = []
    for i, o in enumerate(raw or []):
        if not isinstance(o, dict) or "value" not in o or "label" not in o:
            raise errors.validation("Each option needs a label and a value.")
        out.append(Option(str(o["label"]), str(o["value"]), int(o.get("displayOrder", i)),
                          bool(o.get("hidden", False)), str(o.get("description", ""))))
    return out


def make_property(body: dict[str, Any], now: int) -> PropertyDef:
    name, ptype = body.get("name"), body.get("type", "string")
    ftype = body.get("fieldType", "text")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise errors.validation(f"Property name {name!r} is invalid: use lower-case letters, digits and "
                                "underscores, starting with a letter.")
    if ptype not in FIELD_TYPES:
        raise errors.validation(f"Invalid property type {ptype}; valid types are {sorted(FIELD_TYPES)}.")
    if ftype not in FIELD_TYPES[ptype]:
        raise errors.validation(f"fieldType {ftype} is not valid for type {ptype}; "
                                f"valid: {list(FIELD_TYPES[ptype])}.")
    options = _options(body.get("options"))
    if ptype == "bool" and not options:
        options = [Option("Yes", "true", 0), Option("No", "false", 1)]
    if ptype == "enumeration" and not options:
        raise errors.validation("Enumeration properties need options.")
    return PropertyDef(name=name, label=str(body.get("label") or name), type=ptype, field_type=ftype,
                       group=str(body.get("groupName") or "custom"), options=options,
                       unique=bool(body.get("hasUniqueValue")), hubspot_defined=False,
                       description=str(body.get("description") or ""), hidden=bool(body.get("hidden")),
                       form_field=bool(body.get("formField")), created_ms=now, updated_ms=now)


def prop_create(sim: Any, req: Request) -> Response:
    p = sim.portal
    t = p.object_type(req.params["objectType"])
    body = req.json_object()
    with p.lock:
        prop = make_property(body, p.clock.now_ms())
        if prop.name in {x.name for x in p.catalog.all(t.type_id)} | {x.name for x in p.catalog.all(t.type_id, True)}:
            raise errors.conflict(f"A property named '{prop.name}' already exists.",
                                  context={"name": [prop.name]})
        if prop.unique and sum(1 for x in p.catalog.all(t.type_id) if x.unique and not x.hubspot_defined) >= 10:
            raise errors.validation("At most 10 unique-value properties are allowed per object.")
        p.catalog.add(t.type_id, prop)
        return Response(201, prop.to_json())


def prop_update(sim: Any, req: Request) -> Response:
    p = sim.portal
    t = p.object_type(req.params["objectType"])
    body = req.json_object()
    with p.lock:
        prop = _prop(sim, t, req.params["propertyName"])
        if prop.hubspot_defined and set(body) - {"options", "label", "description", "displayOrder"}:
            raise errors.validation(f"{prop.name} is a HubSpot-defined property; only its label, "
                                    "description and options can change.")
        for key, attr in (("label", "label"), ("description", "description"), ("groupName", "group")):
            if key in body:
                setattr(prop, attr, str(body[key]))
        if "options" in body:
            prop.options = _options(body["options"])
            prop._option_values = None
        if "hidden" in body:
            prop.hidden = bool(body["hidden"])
        prop.updated_ms = p.clock.now_ms()
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
    names = [str((i or {}).get("name")) for i in body.get("inputs") or []]
    with p.lock:
        results = [x.to_json() for x in p.catalog.all(t.type_id, bool(body.get("archived"))) if x.name in names]
    return Response(200, {"status": "COMPLETE", "results": results,
                          "startedAt": "2024-01-01T00:00:00Z", "completedAt": "2024-01-01T00:00:00Z"})


def groups_list(sim: Any, req: Request) -> Response:
    p = sim.portal
    t = p.object_type(req.params["objectType"])
    with p.lock:
        groups = sorted({x.group for x in p.catalog.all(t.type_id)})
    return Response(200, {"results": [{"name": g, "label": g.replace("information", " information").title(),
                                       "displayOrder": i, "archived": False} for i, g in enumerate(groups)]})


# -- schemas ---------------------------------------------------------------------------
def _schema(sim: Any, key: str) -> Schema:
    t = sim.portal.types.find(key)
    schema = sim.portal.schemas.get(t.type_id) if t else None
    if schema is None:
        raise errors.error(404, f"Unable to find object schema {key}.", "OBJECT_NOT_FOUND")
    return schema


def schemas_list(sim: Any, req: Request) -> Response:
    p = sim.portal
    archived = req.qbool("archived")
    with p.lock:
        out = [s.to_json(p.catalog, p.registry, req.qbool("includePropertyDefinitions", True),
                         req.qbool("includeAssociationDefinitions", True))
               for s in p.schemas.values() if s.archived == archived]
    return Response(200, {"results": out})


def schema_get(sim: Any, req: Request) -> Response:
    p = sim.portal
    with p.lock:
        return Response(200, _schema(sim, req.params["objectType"]).to_json(p.catalog, p.registry))


def schema_create(sim: Any, req: Request) -> Response:
    p = sim.portal
    body = req.json_object()
    name = body.get("name")
    labels = body.get("labels") or {}
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
        raise errors.validation("name must start with a letter and hold only letters, digits and underscores.")
    if not labels.get("singular") or not labels.get("plural"):
        raise errors.validation("labels.singular and labels.plural are required.")
    with p.lock:
        if any(s.otype.name == name for s in p.schemas.values()):
            raise errors.conflict(f"An object type named {name} already exists.")
        now = p.clock.now_ms()
        props = [make_property(x, now) for x in body.get("properties") or []]
        names = {x.name for x in props}
        primary = body.get("primaryDisplayProperty") or (props[0].name if props else None)
        for key in ("requiredProperties", "searchableProperties", "secondaryDisplayProperties"):
            missing = [x for x in body.get(key) or [] if x not in names]
            if missing:
                raise errors.validation(f"{key} names unknown properties: {missing}")
        type_id = f"2-{3465404 + 100 + len(p.schemas)}"
        t = custom_type(name, type_id, labels["singular"], labels["plural"], p.portal_id,
                        primary or "hs_object_id", tuple(body.get("searchableProperties") or ()),
                        len(p.types.types))
        p.types.add(t)
        p.catalog.define(t.type_id, f"{name}_information",
                         common(t, t.create_prop, t.modified_prop, False))
        for prop in props:
            p.catalog.add(t.type_id, prop)
        owner = p.catalog.get(t.type_id, "hubspot_owner_id")
        owner.options = p.catalog.get("0-1", "hubspot_owner_id").options
        p.stores[t.type_id] = TypeStore(t, 0, p.seeder.record)
        for other in p.types.types:
            if other.name != "products":
                p.registry.ensure_default(t.type_id, t.singular, other.type_id, other.singular)
        schema = Schema(t, primary or "", list(body.get("secondaryDisplayProperties") or []),
                        list(body.get("requiredProperties") or []),
                        list(body.get("searchableProperties") or []), now, now)
        p.schemas[t.type_id] = schema
        return Response(201, schema.to_json(p.catalog, p.registry))


def schema_update(sim: Any, req: Request) -> Response:
    p = sim.portal
    body = req.json_object()
    with p.lock:
        s = _schema(sim, req.params["objectType"])
        for key, attr in (("primaryDisplayProperty", "primary"), ("secondaryDisplayProperties", "secondary"),
                          ("requiredProperties", "required"), ("searchableProperties", "searchable")):
            if key in body:
                setattr(s, attr, body[key])
        s.updated_ms = p.clock.now_ms()
        return Response(200, s.to_json(p.catalog, p.registry, include_associations=False))


def schema_archive(sim: Any, req: Request) -> Response:
    p = sim.portal
    with p.lock:
        s = _schema(sim, req.params["objectType"])
        if p.store(s.otype).count():
            raise errors.validation("Object schema still has records; archive them first.")
        s.archived = True
    return Response(204)


def schema_assoc_create(sim: Any, req: Request) -> Response:
    p = sim.portal
    body = req.json_object()
    with p.lock:
        s = _schema(sim, req.params["objectType"])
        to = p.object_type(str(body.get("toObjectTypeId", "")))
        p.registry.ensure_default(s.otype.type_id, s.otype.singular, to.type_id, to.singular)
        d = p.registry.unlabeled(s.otype.type_id, to.type_id)
        return Response(200, {"id": str(d.type_id), "name": body.get("name") or d.name,
                              "fromObjectTypeId": s.otype.type_id, "toObjectTypeId": to.type_id,
                              "createdAt": "2024-01-01T00:00:00Z", "updatedAt": "2024-01-01T00:00:00Z"})


# -- owners ----------------------------------------------------------------------------
def owners_list(sim: Any, req: Request) -> Response:
    limit = req.qint("limit", 100)
    if limit < 1 or limit > 500:
        raise errors.validation("limit must be between 1 and 500.")
    after = req.qstr("after") or "0"
    if not after.isdigit():
        raise errors.validation(f"Invalid after: {after}")
    email = req.qstr("email")
    archived = req.qbool("archived")
    owners = [o for o in sim.portal.owners if o.archived == archived and (not email or o.email == email.lower())]
    start = int(after)
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


# -- pipelines -------------------------------------------------------------------------
def _pipelines(sim: Any, req: Request) -> list:
    t = sim.portal.object_type(req.params["objectType"])
    return sim.portal.pipelines.get(t.type_id, [])


def _pipeline(sim: Any, req: Request):
    for pl in _pipelines(sim, req):
        if pl.id == req.params["pipelineId"]:
            return pl
    raise errors.error(404, f"Unable to find pipeline {req.params['pipelineId']}.", "OBJECT_NOT_FOUND")


def pipelines_list(sim: Any, req: Request) -> Response:
    return Response(200, {"results": [pl.to_json() for pl in _pipelines(sim, req)]})


def pipeline_get(sim: Any, req: Request) -> Response:
    return Response(200, _pipeline(sim, req).to_json())


def stages_list(sim: Any, req: Request) -> Response:
    return Response(200, {"results": [s.to_json() for s in _pipeline(sim, req).stages]})


def stage_get(sim: Any, req: Request) -> Response:
    for s in _pipeline(sim, req).stages:
        if s.id == req.params["stageId"]:
            return Response(200, s.to_json())
    raise errors.error(404, f"Unable to find stage {req.params['stageId']}.", "OBJECT_NOT_FOUND")


def register(router: Router) -> None:
    pr = "/crm/v3/properties/{objectType}"
    router.add("GET", pr + "/groups", groups_list)
    router.add("POST", pr + "/batch/read", props_batch_read)
    router.add("GET", pr, props_list)
    router.add("POST", pr, prop_create)
    router.add("GET", pr + "/{propertyName}", prop_get)
    router.add("PATCH", pr + "/{propertyName}", prop_update)
    router.add("DELETE", pr + "/{propertyName}", prop_archive)
    for base in ("/crm/v3/schemas", "/crm-object-schemas/v3/schemas"):
        router.add("GET", base, schemas_list)
        router.add("POST", base, schema_create)
        router.add("GET", base + "/{objectType}", schema_get)
        router.add("PATCH", base + "/{objectType}", schema_update)
        router.add("DELETE", base + "/{objectType}", schema_archive)
        router.add("POST", base + "/{objectType}/associations", schema_assoc_create)
    router.add("GET", "/crm/v3/owners", owners_list)
    router.add("GET", "/crm/v3/owners/{ownerId}", owner_get)
    pl = "/crm/v3/pipelines/{objectType}"
    router.add("GET", pl, pipelines_list)
    router.add("GET", pl + "/{pipelineId}", pipeline_get)
    router.add("GET", pl + "/{pipelineId}/stages", stages_list)
    router.add("GET", pl + "/{pipelineId}/stages/{stageId}", stage_get)
