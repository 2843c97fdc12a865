"""CRM objects v3 batch routes: read, create, update, upsert, archive (hubspot-api.md §2.7).

100 inputs per call (50 with property history); 207 multi-status with
StandardError entries where HubSpot gives partial results; batch create is
partial only when every input has a unique objectWriteTraceId, otherwise one bad
input fails the whole call before anything is written. Does not embed
associations (batch read never does).
"""

from __future__ import annotations

from typing import Any

from hubspot_fdw.simulator import bodies, errors, writes
from hubspot_fdw.simulator.clock import iso_ms
from hubspot_fdw.simulator.routing import Request, Response, Router
from hubspot_fdw.simulator.serialize import envelope, property_names, with_history

MAX_INPUTS = 100
MAX_HISTORY_INPUTS = 50


def _inputs(body: dict[str, Any], cap: int = MAX_INPUTS) -> list[dict[str, Any]]:
    inputs = bodies.objects(body, "inputs", required=True)
    if len(inputs) > cap:
        if cap == MAX_HISTORY_INPUTS:
            raise errors.validation("The maximum number of inputs supported in a batch request for "
                                    f"property histories is {cap}. Please reduce the number of items "
                                    "and try again")
        raise errors.validation(f"Too many inputs: the maximum number of inputs is {cap} "
                                f"(got {len(inputs)}).", context={"maxInputs": [str(cap)]})
    return inputs


def _envelope(started: int, results: list, errs: list, created: bool = False) -> Response:
    body: dict[str, Any] = {"status": "COMPLETE", "results": results}
    if errs:
        body["numErrors"] = len(errs)
        body["errors"] = errs
    body["startedAt"] = iso_ms(started)
    body["completedAt"] = iso_ms(max(started + 1, started))
    return Response(207 if errs else (201 if created else 200), body)


def _not_found(t, ids: list[str]) -> dict[str, Any]:
    return errors.standard_error(
        "OBJECT_NOT_FOUND",
        f"Could not get some {t.error_name} objects, they may be deleted or not exist. Check that ids are valid.",
        {"ids": ids})


def read(sim: Any, req: Request) -> Response:
    p = sim.portal
    t = p.object_type(req.params["objectType"])
    body = req.json_object()
    history = bodies.str_list(body, "propertiesWithHistory") or None
    inputs = _inputs(body, MAX_HISTORY_INPUTS if history else MAX_INPUTS)
    archived = req.qbool("archived")
    id_prop = bodies.opt_str(body, "idProperty")
    props = bodies.str_list(body, "properties")
    ids = [bodies.id_text(inp.get("id", ""), f"inputs[{i}].id") for i, inp in enumerate(inputs)]
    with p.lock:
        started = p.clock.peek_ms()
        names = property_names(p, t, props)
        results, missing, seen = [], [], set()
        for oid in ids:
            rec = p.find(t, oid, id_prop, archived)
            if rec is None:
                missing.append(oid)
            elif rec.id not in seen:
                seen.add(rec.id)
                out = envelope(rec, names, p.record_url(t, rec.id))
                with_history(out, p, t, rec, history)
                results.append(out)
    return _envelope(started, results, [_not_found(t, missing)] if missing else [])


def create(sim: Any, req: Request) -> Response:
    p = sim.portal
    t = p.object_type(req.params["objectType"])
    inputs = _inputs(req.json_object())
    traces = [bodies.opt_str(i, "objectWriteTraceId", f"inputs[{n}].") for n, i in enumerate(inputs)]
    for n, i in enumerate(inputs):
        bodies.opt_obj(i, "properties", f"inputs[{n}].")
    partial = bool(inputs) and all(traces) and len(set(traces)) == len(traces)
    with p.lock:
        started = p.clock.peek_ms()
        if not partial:
            for inp in inputs:
                writes.validate_create(p, t, inp.get("properties"), inp.get("associations"))
        results, errs = [], []
        for inp, trace in zip(inputs, traces):
            try:
                rec = writes.create(p, t, inp.get("properties"), inp.get("associations"))
            except errors.ApiError as exc:
                if not partial:
                    raise
                errs.append(errors.standard_error(exc.body.get("category", "VALIDATION_ERROR"),
                                                  exc.body["message"], {"objectWriteTraceId": [trace]}))
                continue
            out = envelope(rec, sorted(rec.props), p.record_url(t, rec.id))
            if trace:
                out["objectWriteTraceId"] = trace
            results.append(out)
    return _envelope(started, results, errs, created=True)


def update(sim: Any, req: Request) -> Response:
    p = sim.portal
    t = p.object_type(req.params["objectType"])
    inputs = _inputs(req.json_object())
    with p.lock:
        started = p.clock.peek_ms()
        found, missing = [], []
        for n, inp in enumerate(inputs):
            oid = bodies.id_text(inp.get("id", ""), f"inputs[{n}].id")
            rec = p.find(t, oid, bodies.opt_str(inp, "idProperty", f"inputs[{n}]."))
            bodies.opt_obj(inp, "properties", f"inputs[{n}].")
            if rec is None:
                missing.append(oid)
            else:
                writes.validate_update(p, t, rec, inp.get("properties"))
                found.append((rec, inp))
        results = []
        for rec, inp in found:
            rec = writes.update(p, t, rec, inp.get("properties"))
            out = envelope(rec, sorted(rec.props), p.record_url(t, rec.id))
            if inp.get("objectWriteTraceId"):
                out["objectWriteTraceId"] = inp["objectWriteTraceId"]
            results.append(out)
    return _envelope(started, results, [_not_found(t, missing)] if missing else [])


def upsert(sim: Any, req: Request) -> Response:
    p = sim.portal
    t = p.object_type(req.params["objectType"])
    inputs = _inputs(req.json_object())
    with p.lock:
        started = p.clock.peek_ms()
        plan = []
        for n, inp in enumerate(inputs):
            id_prop = bodies.opt_str(inp, "idProperty", f"inputs[{n}].")
            oid = bodies.id_text(inp.get("id", ""), f"inputs[{n}].id")
            if not id_prop:
                raise errors.validation("idProperty is required for upsert inputs.")
            rec = p.find(t, oid, id_prop)
            props = dict(bodies.opt_obj(inp, "properties", f"inputs[{n}]."))
            if rec is None:
                if id_prop != "hs_object_id":
                    props.setdefault(id_prop, oid)
                writes.validate_create(p, t, props)
            else:
                writes.validate_update(p, t, rec, props)
            plan.append((rec, props))
        results = []
        for rec, props in plan:
            new = rec is None
            rec = writes.create(p, t, props) if new else writes.update(p, t, rec, props)
            out = envelope(rec, sorted(rec.props), p.record_url(t, rec.id))
            out["new"] = new
            results.append(out)
    return _envelope(started, results, [])


def archive(sim: Any, req: Request) -> Response:
    p = sim.portal
    t = p.object_type(req.params["objectType"])
    inputs = _inputs(req.json_object())
    with p.lock:
        ids = [bodies.id_text(inp.get("id", ""), f"inputs[{n}].id") for n, inp in enumerate(inputs)]
        for oid in ids:
            rec = p.find(t, oid, None)
            if rec is not None:
                writes.archive(p, t, rec)
    return Response(204)


def register(router: Router) -> None:
    base = "/crm/v3/objects/{objectType}/batch/"
    for name, fn in (("read", read), ("create", create), ("update", update), ("upsert", upsert),
                     ("archive", archive)):
        router.add("POST", base + name, fn)
