"""Associations routes: v4 labels (schema) API, v4 record associations (single and
batch, default and labelled, per-record paging, NO_ASSOCIATIONS_FOUND 207s), and the
v3 batch read/create/archive and types (hubspot-api.md §7).

Adding, relabelling or removing an association bumps both records' last-modified
timestamp (HubSpot recalculates their association counts; the portal does it on
every edge change). Does not hold edges (associations.py).
"""

from __future__ import annotations

import re
from typing import Any

from hubspot_fdw.simulator import bodies, errors
from hubspot_fdw.simulator.associations import AssocDef
from hubspot_fdw.simulator.clock import iso_ms
from hubspot_fdw.simulator.routing import Request, Response, Router

MAX_BATCH_READ = 1000
MAX_BATCH_WRITE = 100
PAGE = 500


def pair_types(sim: Any, a: str, b: str):
    """The two object types of a path; 400 when they cannot be associated."""
    p = sim.portal
    ta, tb = p.object_type(a), p.object_type(b)
    if p.registry.unlabeled(ta.type_id, tb.type_id) is None:
        raise errors.validation(f"{ta.name} can't be associated with {tb.name}.")
    return ta, tb


def _types_json(sim: Any, a: str, b: str, type_ids: tuple[int, ...]) -> list[dict[str, Any]]:
    out = []
    for tid in type_ids:
        d = sim.portal.registry.get(a, b, tid)
        if d is not None:
            out.append(d.to_json())
    return out


def _live_targets(sim: Any, ta, x: int, tb) -> list[tuple[int, tuple[int, ...]]]:
    store = sim.portal.store(tb)
    return [(y, ts) for y, ts in sorted(sim.portal.edges.targets(ta.type_id, x, tb.type_id).items())
            if store.is_live(y)]


def _record_id(sim: Any, t, raw: Any) -> int:
    s = bodies.id_text(raw if raw is not None else "", "id")
    if not bodies.is_id(s) or not sim.portal.store(t).is_live(int(s)):
        raise errors.error(404, f"No {t.singular} with id {s} exists.", "OBJECT_NOT_FOUND",
                           context={"id": [s]})
    return int(s)


def _input_ids(sim: Any, ta, tb, inp: dict) -> tuple[int, int]:
    """The (from, to) record ids of one batch input; 404 error if either is unknown."""
    return (_record_id(sim, ta, bodies.opt_obj(inp, "from").get("id")),
            _record_id(sim, tb, bodies.opt_obj(inp, "to").get("id")))


def _check_shapes(inputs: list[dict[str, Any]], types: bool) -> None:
    """JSON type errors fail the whole batch (400) before any input is processed."""
    for n, inp in enumerate(inputs):
        for side in ("from", "to"):
            bodies.id_text(bodies.obj(inp.get(side), f"inputs[{n}].{side}").get("id", ""), f"inputs[{n}].{side}.id")
        if types:
            for j, spec in enumerate(bodies.objects(inp, "types", f"inputs[{n}].", required=True)):
                bodies.opt_int(spec, "associationTypeId", f"inputs[{n}].types[{j}].")
                bodies.opt_str(spec, "associationCategory", f"inputs[{n}].types[{j}].")


def _specs(sim: Any, ta, tb, specs: Any) -> set[int]:
    if not isinstance(specs, list) or not specs:
        raise errors.validation("Invalid input JSON: expected a list of association specs.")
    out = set()
    for i, spec in enumerate(specs):
        spec = bodies.obj(spec, f"types[{i}]")
        tid = bodies.opt_int(spec, "associationTypeId", f"types[{i}].")
        cat = bodies.opt_str(spec, "associationCategory", f"types[{i}].")
        d = sim.portal.registry.get(ta.type_id, tb.type_id, tid) if tid is not None else None
        if d is None or (cat and cat != d.category):
            raise errors.validation(f"Association type {cat}/{tid} is not valid from {ta.name} to {tb.name}.")
        out.add(d.type_id)
    return out


# -- labels ----------------------------------------------------------------------------
def labels_get(sim: Any, req: Request) -> Response:
    ta, tb = pair_types(sim, req.params["from"], req.params["to"])
    with sim.portal.lock:
        defs = sim.portal.registry.pair(ta.type_id, tb.type_id)
        return Response(200, {"results": [d.to_json() for d in defs]})


def labels_create(sim: Any, req: Request) -> Response:
    ta, tb = pair_types(sim, req.params["from"], req.params["to"])
    body = req.json_object()
    label, name = bodies.opt_str(body, "label"), bodies.opt_str(body, "name")
    inverse = bodies.opt_str(body, "inverseLabel")
    if not label or not name or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise errors.validation("label and name are required; name may hold letters, digits and "
                                "underscores and must not start with a digit.")
    with sim.portal.lock:
        existing = [d for d in sim.portal.registry.pair(ta.type_id, tb.type_id) if d.category == "USER_DEFINED"]
        if len(existing) >= 10:
            raise errors.validation("At most 10 association labels are allowed per object pair.")
        defs = sim.portal.registry.create_label(ta.type_id, ta.singular, tb.type_id, tb.singular,
                                                label, inverse, name)
        return Response(200, {"results": [d.to_json() for d in defs]})


def labels_update(sim: Any, req: Request) -> Response:
    ta, tb = pair_types(sim, req.params["from"], req.params["to"])
    body = req.json_object()
    tid = bodies.opt_int(body, "associationTypeId", default=-1)
    label = bodies.opt_str(body, "label")
    inverse = bodies.opt_str(body, "inverseLabel")
    with sim.portal.lock:
        d = sim.portal.registry.get(ta.type_id, tb.type_id, tid)
        if d is None or d.category != "USER_DEFINED":
            raise errors.validation("Only USER_DEFINED association labels can be updated.")
        if label is not None:
            d.label = label
        inv = sim.portal.registry.get(tb.type_id, ta.type_id, d.inverse)
        if inv is not None and inv is not d and inverse:
            inv.label = inverse
    return Response(204)


def labels_delete(sim: Any, req: Request) -> Response:
    ta, tb = pair_types(sim, req.params["from"], req.params["to"])
    tid = int(req.params["typeId"]) if bodies.is_id(req.params["typeId"]) else -1
    with sim.portal.lock:
        side = sim.portal.edges.out.get((ta.type_id, tb.type_id), {})
        if any(tid in ts for row in side.values() for ts in row.values()):
            raise errors.validation(f"Association type {tid} is in use and cannot be deleted.")
        if not sim.portal.registry.remove_label(ta.type_id, tb.type_id, tid):
            raise errors.validation(f"Association type {tid} cannot be deleted.")
    return Response(204)


# -- single record ---------------------------------------------------------------------
def _pair_results(sim: Any, ta, x: int, tb, y: int) -> list[dict[str, Any]]:
    out = []
    for (s, sid, d, did) in ((ta, x, tb, y), (tb, y, ta, x)):
        for tid in sim.portal.edges.types_between(s.type_id, sid, d.type_id, did):
            dd: AssocDef | None = sim.portal.registry.get(s.type_id, d.type_id, tid)
            if dd is not None and dd.key == "":
                out.append({"from": {"id": str(sid)}, "to": {"id": str(did)},
                            "associationSpec": {"associationCategory": dd.category,
                                                "associationTypeId": dd.type_id}})
    return out


def create_default(sim: Any, req: Request) -> Response:
    ta, tb = pair_types(sim, req.params["objectType"], req.params["toObjectType"])
    with sim.portal.lock:
        started = sim.portal.clock.peek_ms()
        x = _record_id(sim, ta, req.params["objectId"])
        y = _record_id(sim, tb, req.params["toObjectId"])
        d = sim.portal.registry.unlabeled(ta.type_id, tb.type_id)
        sim.portal.edges.add_types(ta.type_id, x, tb.type_id, y, {d.type_id})
        results = _pair_results(sim, ta, x, tb, y)
    return Response(200, {"status": "COMPLETE", "results": results, "startedAt": iso_ms(started),
                          "completedAt": iso_ms(started + 1)})


def _labels_between(sim: Any, ta, x: int, tb, y: int) -> dict[str, Any]:
    ts = sim.portal.edges.types_between(ta.type_id, x, tb.type_id, y)
    labels = [d["label"] for d in _types_json(sim, ta.type_id, tb.type_id, ts) if d["label"]]
    return {"fromObjectTypeId": ta.type_id, "fromObjectId": x, "toObjectTypeId": tb.type_id,
            "toObjectId": y, "labels": labels}


def create_labelled(sim: Any, req: Request) -> Response:
    ta, tb = pair_types(sim, req.params["objectType"], req.params["toObjectType"])
    with sim.portal.lock:
        x = _record_id(sim, ta, req.params["objectId"])
        y = _record_id(sim, tb, req.params["toObjectId"])
        wanted = _specs(sim, ta, tb, req.json())
        wanted.add(sim.portal.registry.unlabeled(ta.type_id, tb.type_id).type_id)
        sim.portal.edges.set_types(ta.type_id, x, tb.type_id, y, wanted)   # the list replaces labels
        return Response(201, _labels_between(sim, ta, x, tb, y))


def remove_pair(sim: Any, req: Request) -> Response:
    ta, tb = pair_types(sim, req.params["objectType"], req.params["toObjectType"])
    with sim.portal.lock:
        x, y = req.params["objectId"], req.params["toObjectId"]
        if bodies.is_id(x) and bodies.is_id(y):
            sim.portal.edges.set_types(ta.type_id, int(x), tb.type_id, int(y), set())
    return Response(204)


def list_for_record(sim: Any, req: Request) -> Response:
    ta, tb = pair_types(sim, req.params["objectType"], req.params["toObjectType"])
    limit = req.qint("limit", PAGE)
    if limit < 1 or limit > PAGE:
        raise errors.validation(f"limit must be between 1 and {PAGE}.")
    start = req.qafter()
    with sim.portal.lock:
        x = _record_id(sim, ta, req.params["objectId"])
        targets = _live_targets(sim, ta, x, tb)
        page = targets[start:start + limit]
        results = [{"toObjectId": y, "associationTypes": _types_json(sim, ta.type_id, tb.type_id, ts)}
                   for y, ts in page]
    body: dict[str, Any] = {"results": results}
    if start + limit < len(targets):
        nxt = str(start + limit)
        body["paging"] = {"next": {"after": nxt, "link": (
            f"https://api.hubapi.com/crm/v4/objects/{ta.name}/{x}/associations/{tb.name}?limit={limit}&after={nxt}")}}
    return Response(200, body)


# -- batch -----------------------------------------------------------------------------
def _inputs(body: dict[str, Any], cap: int) -> list[dict[str, Any]]:
    inputs = bodies.objects(body, "inputs", required=True)
    if len(inputs) > cap:
        raise errors.validation(f"Too many inputs: the maximum number of inputs is {cap} (got {len(inputs)}).")
    return inputs


def _batch(started: int, results: list, errs: list, ok: int = 200) -> Response:
    body: dict[str, Any] = {"status": "COMPLETE", "results": results}
    if errs:
        body["numErrors"] = len(errs)
        body["errors"] = errs
    body["startedAt"] = iso_ms(started)
    body["completedAt"] = iso_ms(started + 1)
    return Response(207 if errs else ok, body)


def batch_read(sim: Any, req: Request) -> Response:
    ta, tb = pair_types(sim, req.params["from"], req.params["to"])
    inputs = _inputs(req.json_object(), MAX_BATCH_READ)
    results, errs = [], []
    with sim.portal.lock:
        started = sim.portal.clock.peek_ms()
        for n, inp in enumerate(inputs):
            sid = bodies.id_text(inp.get("id", ""), f"inputs[{n}].id")
            after = bodies.id_text(inp.get("after") or "0", f"inputs[{n}].after")
            if not bodies.is_id(after):
                raise errors.validation(f"Invalid after: {after}")
            targets = (_live_targets(sim, ta, int(sid), tb)
                       if bodies.is_id(sid) and sim.portal.store(ta).is_live(int(sid)) else [])
            start = int(after)
            if not targets:
                errs.append(errors.standard_error(
                    "OBJECT_NOT_FOUND", f"No {tb.singular} is associated with {ta.singular} {sid}.",
                    {"fromObjectId": [sid], "fromObjectType": [ta.singular], "toObjectType": [tb.singular]},
                    sub_category="crm.associations.NO_ASSOCIATIONS_FOUND"))
                continue
            page = targets[start:start + PAGE]
            item: dict[str, Any] = {"from": {"id": sid}, "to": [
                {"toObjectId": y, "associationTypes": _types_json(sim, ta.type_id, tb.type_id, ts)}
                for y, ts in page]}
            if start + PAGE < len(targets):
                item["paging"] = {"next": {"after": str(start + PAGE)}}
            results.append(item)
    return _batch(started, results, errs)


def batch_create(sim: Any, req: Request) -> Response:
    ta, tb = pair_types(sim, req.params["from"], req.params["to"])
    inputs = _inputs(req.json_object(), MAX_BATCH_WRITE)
    _check_shapes(inputs, types=True)
    results, errs = [], []
    unl = sim.portal.registry.unlabeled(ta.type_id, tb.type_id).type_id
    with sim.portal.lock:
        started = sim.portal.clock.peek_ms()
        for inp in inputs:
            try:
                x, y = _input_ids(sim, ta, tb, inp)
                types = _specs(sim, ta, tb, inp.get("types"))
            except errors.ApiError as exc:
                errs.append(errors.standard_error(exc.body.get("category", "VALIDATION_ERROR"),
                                                  exc.body["message"], exc.body.get("context")))
                continue
            sim.portal.edges.add_types(ta.type_id, x, tb.type_id, y, types | {unl})
            results.append(_labels_between(sim, ta, x, tb, y))
    return _batch(started, results, errs, ok=201)


def batch_default(sim: Any, req: Request) -> Response:
    ta, tb = pair_types(sim, req.params["from"], req.params["to"])
    inputs = _inputs(req.json_object(), MAX_BATCH_WRITE)
    _check_shapes(inputs, types=False)
    results, errs = [], []
    unl = sim.portal.registry.unlabeled(ta.type_id, tb.type_id).type_id
    with sim.portal.lock:
        started = sim.portal.clock.peek_ms()
        for inp in inputs:
            try:
                x, y = _input_ids(sim, ta, tb, inp)
            except errors.ApiError as exc:
                errs.append(errors.standard_error("OBJECT_NOT_FOUND", exc.body["message"], exc.body.get("context")))
                continue
            sim.portal.edges.add_types(ta.type_id, x, tb.type_id, y, {unl})
            results.extend(_pair_results(sim, ta, x, tb, y))
    return _batch(started, results, errs)


def batch_archive(sim: Any, req: Request) -> Response:
    ta, tb = pair_types(sim, req.params["from"], req.params["to"])
    inputs = _inputs(req.json_object(), MAX_BATCH_WRITE)
    with sim.portal.lock:
        plan = []
        for n, inp in enumerate(inputs):
            x = bodies.id_text(bodies.opt_obj(inp, "from", f"inputs[{n}].").get("id", ""), f"inputs[{n}].from.id")
            tos = inp.get("to") or []
            tos = tos if isinstance(tos, list) else [tos]
            ys = [bodies.id_text(bodies.obj(to, f"inputs[{n}].to[{j}]").get("id", ""), f"inputs[{n}].to[{j}].id")
                  for j, to in enumerate(tos)]
            plan.append((x, ys))
        for x, ys in plan:
            for y in ys:
                if bodies.is_id(x) and bodies.is_id(y):
                    sim.portal.edges.set_types(ta.type_id, int(x), tb.type_id, int(y), set())
    return Response(204)


def batch_labels_archive(sim: Any, req: Request) -> Response:
    ta, tb = pair_types(sim, req.params["from"], req.params["to"])
    inputs = _inputs(req.json_object(), MAX_BATCH_WRITE)
    unl = sim.portal.registry.unlabeled(ta.type_id, tb.type_id).type_id
    with sim.portal.lock:
        plan = []
        for n, inp in enumerate(inputs):
            x = bodies.id_text(bodies.opt_obj(inp, "from", f"inputs[{n}].").get("id", ""), f"inputs[{n}].from.id")
            y = bodies.id_text(bodies.opt_obj(inp, "to", f"inputs[{n}].").get("id", ""), f"inputs[{n}].to.id")
            plan.append((x, y, _specs(sim, ta, tb, inp.get("types"))))
        for x, y, drop in plan:
            if not (bodies.is_id(x) and bodies.is_id(y)):
                continue
            have = set(sim.portal.edges.types_between(ta.type_id, int(x), tb.type_id, int(y)))
            keep = set() if unl in drop else have - drop
            sim.portal.edges.set_types(ta.type_id, int(x), tb.type_id, int(y), keep)
    return Response(204)


# -- v3 --------------------------------------------------------------------------------
def v3_types(sim: Any, req: Request) -> Response:
    ta, tb = pair_types(sim, req.params["from"], req.params["to"])
    defs = sim.portal.registry.pair(ta.type_id, tb.type_id)
    return Response(200, {"results": [{"id": str(d.type_id), "name": d.name} for d in defs]})


def v3_batch_read(sim: Any, req: Request) -> Response:
    ta, tb = pair_types(sim, req.params["from"], req.params["to"])
    inputs = _inputs(req.json_object(), MAX_BATCH_READ)
    reg = sim.portal.registry
    primary = reg.by_key(ta.type_id, tb.type_id, "primary")
    results, errs = [], []
    with sim.portal.lock:
        started = sim.portal.clock.peek_ms()
        for n, inp in enumerate(inputs):
            sid = bodies.id_text(inp.get("id", ""), f"inputs[{n}].id")
            targets = _live_targets(sim, ta, int(sid), tb) if bodies.is_id(sid) else []
            if primary is not None:
                targets = [(y, ts) for y, ts in targets if primary.type_id in ts]
            if not targets:
                errs.append(errors.standard_error(
                    "OBJECT_NOT_FOUND", f"No {tb.singular} is associated with {ta.singular} {sid}.",
                    {"fromObjectId": [sid]}, sub_category="crm.associations.NO_ASSOCIATIONS_FOUND"))
                continue
            unl = reg.unlabeled(ta.type_id, tb.type_id)
            name = primary.name if primary is not None else unl.name
            results.append({"from": {"id": sid}, "to": [{"id": str(y), "type": name} for y, _ in targets]})
    return _batch(started, results, errs)


def _v3_write(sim: Any, req: Request, create: bool) -> Response:
    ta, tb = pair_types(sim, req.params["from"], req.params["to"])
    inputs = _inputs(req.json_object(), MAX_BATCH_WRITE)
    reg = sim.portal.registry
    results = []
    with sim.portal.lock:
        started = sim.portal.clock.peek_ms()
        plan = []                  # every input checked before any edge changes
        for n, inp in enumerate(inputs):
            name = bodies.opt_str(inp, "type", f"inputs[{n}].")
            d = next((d for d in reg.pair(ta.type_id, tb.type_id) if d.name == name), None)
            if d is None:
                raise errors.validation(f"Unknown association type {name}.")
            plan.append((d, *_input_ids(sim, ta, tb, inp)))
        for d, x, y in plan:
            if create:
                sim.portal.edges.add_types(ta.type_id, x, tb.type_id, y,
                                           {d.type_id, reg.unlabeled(ta.type_id, tb.type_id).type_id})
                results.append({"from": {"id": str(x)}, "to": {"id": str(y)}, "type": d.name})
            else:
                have = set(sim.portal.edges.types_between(ta.type_id, x, tb.type_id, y))
                keep = set() if d.key == "" else have - {d.type_id}
                sim.portal.edges.set_types(ta.type_id, x, tb.type_id, y, keep)
    if not create:
        return Response(204)
    return _batch(started, results, [], ok=201)


def register(router: Router) -> None:
    v4 = "/crm/v4/associations/{from}/{to}"
    router.add("GET", v4 + "/labels", labels_get)
    router.add("POST", v4 + "/labels", labels_create)
    router.add("PUT", v4 + "/labels", labels_update)
    router.add("DELETE", v4 + "/labels/{typeId}", labels_delete)
    router.add("POST", v4 + "/batch/read", batch_read)
    router.add("POST", v4 + "/batch/create", batch_create)
    router.add("POST", v4 + "/batch/associate/default", batch_default)
    router.add("POST", v4 + "/batch/archive", batch_archive)
    router.add("POST", v4 + "/batch/labels/archive", batch_labels_archive)
    obj = "/crm/v4/objects/{objectType}/{objectId}/associations"
    router.add("PUT", obj + "/default/{toObjectType}/{toObjectId}", create_default)
    router.add("PUT", obj + "/{toObjectType}/{toObjectId}", create_labelled)
    router.add("DELETE", obj + "/{toObjectType}/{toObjectId}", remove_pair)
    router.add("GET", obj + "/{toObjectType}", list_for_record)
    v3 = "/crm/v3/associations/{from}/{to}"
    router.add("GET", v3 + "/types", v3_types)
    router.add("POST", v3 + "/batch/read", v3_batch_read)
    router.add("POST", v3 + "/batch/create", lambda sim, req: _v3_write(sim, req, True))
    router.add("POST", v3 + "/batch/archive", lambda sim, req: _v3_write(sim, req, False))
