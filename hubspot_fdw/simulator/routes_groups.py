"""Property groups v3 routes: list, get, create (201), update, archive (204).

A group still holding live properties cannot be archived (HubSpot moves nothing for
you); names follow the property-name rule. Does not hold groups (groups.py).
"""

from __future__ import annotations

from typing import Any

from hubspot_fdw.simulator import bodies, errors
from hubspot_fdw.simulator.groups import PropertyGroup
from hubspot_fdw.simulator.property_input import NAME_RE
from hubspot_fdw.simulator.routing import Request, Response, Router


def _group(sim: Any, t, name: str) -> PropertyGroup:
    g = sim.portal.groups.get(t.type_id, name)
    if g is None:
        raise errors.error(404, f"Unable to find property group {name} for object type {t.type_id}.",
                           "OBJECT_NOT_FOUND")
    return g


def groups_list(sim: Any, req: Request) -> Response:
    p = sim.portal
    t = p.object_type(req.params["objectType"])
    with p.lock:
        return Response(200, {"results": [g.to_json() for g in p.groups.live(t.type_id)]})


def group_get(sim: Any, req: Request) -> Response:
    p = sim.portal
    t = p.object_type(req.params["objectType"])
    with p.lock:
        return Response(200, _group(sim, t, req.params["groupName"]).to_json())


def group_create(sim: Any, req: Request) -> Response:
    p = sim.portal
    t = p.object_type(req.params["objectType"])
    body = req.json_object()
    name = bodies.req_str(body, "name")
    label = bodies.req_str(body, "label")
    with p.lock:
        table = p.groups.of(t.type_id)
        order = bodies.opt_int(body, "displayOrder", default=len(table))
        if not NAME_RE.match(name):
            raise errors.validation(f"Property group name {name!r} is invalid: use lower-case letters, digits "
                                    "and underscores, starting with a letter.")
        old = table.get(name)
        if old is not None and not old.archived:
            raise errors.conflict(f"A property group named '{name}' already exists.", context={"name": [name]})
        g = table[name] = PropertyGroup(name, label, order)
        return Response(201, g.to_json())


def group_update(sim: Any, req: Request) -> Response:
    p = sim.portal
    t = p.object_type(req.params["objectType"])
    body = req.json_object()
    label = bodies.opt_str(body, "label")
    with p.lock:
        g = _group(sim, t, req.params["groupName"])
        order = bodies.opt_int(body, "displayOrder", default=g.display_order)
        if label is not None:
            if not label:
                raise errors.validation("label must not be empty.")
            g.label = label
        g.display_order = order
        return Response(200, g.to_json())


def group_archive(sim: Any, req: Request) -> Response:
    p = sim.portal
    t = p.object_type(req.params["objectType"])
    with p.lock:
        g = _group(sim, t, req.params["groupName"])
        if any(x.group == g.name for x in p.catalog.all(t.type_id)):
            raise errors.validation(f"Property group {g.name} still holds properties; move or archive them first.")
        g.archived = True
    return Response(204)


def register(router: Router) -> None:
    gr = "/crm/v3/properties/{objectType}/groups"
    router.add("GET", gr, groups_list)
    router.add("POST", gr, group_create)
    router.add("GET", gr + "/{groupName}", group_get)
    router.add("PATCH", gr + "/{groupName}", group_update)
    router.add("DELETE", gr + "/{groupName}", group_archive)
