"""Association schema v4 routes under `/crm/associations/v4/`: the labels API at that
path (the same as `/crm/v4/associations/{from}/{to}/labels`) and association limit
configurations (`definitions/configurations`: list all, list a pair, batch create,
update, purge), as the Node SDK's DefinitionConfigurationsApi calls them; the same
operations also answer under `/crm/v4/associations/definitions/configurations`, the
path the Python SDK 12.0.0 uses.

Limits are stored and listed; creating associations does not enforce them. Does not
hold definitions (associations.py) or the labels logic (routes_associations.py).
"""

from __future__ import annotations

from typing import Any

from hubspot_fdw.simulator import bodies, errors, routes_associations
from hubspot_fdw.simulator.clock import iso_ms
from hubspot_fdw.simulator.routing import Request, Response, Router

MAX_LIMIT = 10_000


def _config_json(reg: Any, d: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"category": d.category, "typeId": d.type_id, "label": d.label}
    limit = reg.limits.get((d.from_type, d.to_type, d.type_id))
    if limit is not None:
        out["userEnforcedMaxToObjectIds"] = limit
    return out


def configs_all(sim: Any, req: Request) -> Response:
    reg = sim.portal.registry
    with sim.portal.lock:
        out = []
        for (a, b, tid) in sorted(reg.limits):
            d = reg.get(a, b, tid)
            if d is not None:
                out.append(_config_json(reg, d))
    return Response(200, {"results": out})


def configs_pair(sim: Any, req: Request) -> Response:
    ta, tb = routes_associations.pair_types(sim, req.params["from"], req.params["to"])
    reg = sim.portal.registry
    with sim.portal.lock:
        return Response(200, {"results": [_config_json(reg, d) for d in reg.pair(ta.type_id, tb.type_id)]})


def _specs(sim: Any, ta, tb, body: dict[str, Any], with_limit: bool) -> list[tuple[Any, int | None]]:
    out = []
    for i, inp in enumerate(bodies.objects(body, "inputs", required=True)):
        where = f"inputs[{i}]."
        tid = bodies.opt_int(inp, "typeId", where)
        cat = bodies.opt_str(inp, "category", where)
        d = sim.portal.registry.get(ta.type_id, tb.type_id, tid) if tid is not None else None
        if d is None or (cat is not None and cat != d.category):
            raise errors.validation(f"Association type {cat}/{tid} is not valid from {ta.name} to {tb.name}.")
        limit = None
        if with_limit:
            limit = bodies.opt_int(inp, "maxToObjectIds", where)
            if limit is None or not 1 <= limit <= MAX_LIMIT:
                raise errors.validation(f"{where}maxToObjectIds must be between 1 and {MAX_LIMIT}.")
        out.append((d, limit))
    return out


def _batch(sim: Any, req: Request, results_of) -> Response:
    ta, tb = routes_associations.pair_types(sim, req.params["from"], req.params["to"])
    body = req.json_object()
    reg = sim.portal.registry
    with sim.portal.lock:
        started = sim.portal.clock.peek_ms()
        specs = _specs(sim, ta, tb, body, with_limit=True)
        results = []
        for d, limit in specs:
            reg.limits[(d.from_type, d.to_type, d.type_id)] = limit
            results.append(results_of(reg, d))
        return Response(201 if req.path.endswith("/create") else 200,
                        {"status": "COMPLETE", "results": results, "startedAt": iso_ms(started),
                         "completedAt": iso_ms(sim.portal.clock.peek_ms() + 1)})


def configs_create(sim: Any, req: Request) -> Response:
    return _batch(sim, req, _config_json)


def configs_update(sim: Any, req: Request) -> Response:
    return _batch(sim, req, lambda reg, d: {
        "category": d.category, "typeId": d.type_id,
        "userEnforcedMaxToObjectIds": reg.limits[(d.from_type, d.to_type, d.type_id)]})


def configs_purge(sim: Any, req: Request) -> Response:
    ta, tb = routes_associations.pair_types(sim, req.params["from"], req.params["to"])
    body = req.json_object()
    with sim.portal.lock:
        for d, _ in _specs(sim, ta, tb, body, with_limit=False):
            sim.portal.registry.limits.pop((d.from_type, d.to_type, d.type_id), None)
    return Response(204)


def register(router: Router) -> None:
    base = "/crm/associations/v4"
    router.add("GET", base + "/{from}/{to}/labels", routes_associations.labels_get)
    router.add("POST", base + "/{from}/{to}/labels", routes_associations.labels_create)
    router.add("PUT", base + "/{from}/{to}/labels", routes_associations.labels_update)
    router.add("DELETE", base + "/{from}/{to}/labels/{typeId}", routes_associations.labels_delete)
    # the spec's path, and the one the Python SDK 12.0.0 calls
    for conf in (base + "/definitions/configurations", "/crm/v4/associations/definitions/configurations"):
        router.add("GET", conf + "/all", configs_all)
        router.add("GET", conf + "/{from}/{to}", configs_pair)
        router.add("POST", conf + "/{from}/{to}/batch/create", configs_create)
        router.add("POST", conf + "/{from}/{to}/batch/update", configs_update)
        router.add("POST", conf + "/{from}/{to}/batch/purge", configs_purge)
