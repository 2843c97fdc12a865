"""CRM objects v3 batch routes: read, create, update, upsert, archive (hubspot-api.md §2.7).

100 inputs per call (50 with property history); 207 multi-status with
StandardError entries where HubSpot gives partial results; batch create is
partial only when every input has a unique objectWriteTraceId, otherwise one bad
input fails the whole call before anything is written. Does not embed
associations (batch read never does).
"""

from __future__ import annotations

from typing import Any

from hubspot_fdw.simulator import errors, writes
from hubspot_fdw.simulator.clock import iso_ms
from hubspot_fdw.simulator.routing import Request, Response, Router
from hubspot_fdw.simulator.serialize import envelope, property_names, with_history

MAX_INPUTS = 100
MAX_HISTORY_INPUTS = 50


def _inputs(body: dict[str, Any], cap: int = MAX_INPUTS) -> list[Any]:
    inputs = body.get("inputs")
    if not isinstance(inputs, list):
        raise errors.validation("Invalid input JSON: inputs must be a list.")
    if len(inputs) > cap:
        if cap == MAX_HISTORY_INPUTS:
            raise errors.validation("The maximum number of inputs supported in a batch request for "
                                    f"property histories is {cap}")
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
    history = body.get("propertiesWithHistory") or None
    inputs = _inputs(body, MAX_HISTORY_INPUTS if history else MAX_INPUTS)
    archived = req.qbool("archived")
    id_prop = body.get("idProperty")
    with p.lock:
        started = p.clock.peek_ms()
        names = property_names(p, t, body.get("properties"))
        results, missing, seen = [], [], set()
        for inp in inputs:
            oid = str((inp or {}).get("id", ""))
            rec = p.find(t, oid, id_prop, archived)
            if rec is None:
                missing.append(oid)
            elif rec.id not in seen:
                seen.add(rec.id)
                out = envelope(rec, names)
                with_history(out, p, t, rec, history)
                results.append(out)
    return _envelope(started, results, [_not_found(t, missing)] if missing else [])


def create(sim: Any, req: Request) -> Response:
    p = sim.portal
    t = p.object_type(req.params["objectType"])
    inputs = _inputs(req.json_object())
    traces = [(i or {}).get("objectWriteTraceId") for i in inputs]
    partial = bool(inputs) and all(traces) and len(set(traces)) == len(traces)
    with p.lock:
        started = p.clock.peek_ms()
        if not partial:
            for inp in inputs:
                writes.validate_create(p, t, (inp or {}).get("properties"), (inp or {}).get("associations"))
        results, errs = [], []
        for inp, trace in zip(inputs, traces):
            try:
                rec = writes.create(p, t, (inp or {}).get("properties"), (inp or {}).get("associations"))
            except errors.ApiError as exc:
                if not partial:
                    raise
                errs.append(errors.standard_error(exc.body.get("category", "VALIDATION_ERROR"),
                                                  exc.body["message"], {"objectWriteTraceId": [trace]}))
                continue
            out = envelope(rec, sorted(rec.props))
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
        for inp in inputs:
            inp = inp or {}
            oid = str(inp.get("id", ""))
            rec = p.find(t, oid, inp.get("idProperty"))
            if rec is None:
                missing.append(oid)
            else:
                writes.validate_update(p, t, rec, inp.get("properties"))
                found.append((rec, inp))
        results = []
        for rec, inp in found:
            rec = writes.update(p, t, rec, inp.get("properties"))
            out = envelope(rec, sorted(rec.props))
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
        for inp in inputs:
            inp = inp or {}
            id_prop = inp.get("idProperty")
            oid = str(inp.get("id", ""))
            if not id_prop:
                raise errors.validation("idProperty is required for upsert inputs.")
            rec = p.find(t, oid, id_prop)
            props = dict(inp.get("properties") or {})
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
            out = envelope(rec, sorted(rec.props))
            out["new"] = new
            results.append(out)
    return _envelope(started, results, [])


def archive(sim: Any, req: Request) -> Response:
    p = sim.portal
    t = p.object_type(req.params["objectType"])
    inputs = _inputs(req.json_object())
    with p.lock:
        for inp in inputs:
            rec = p.find(t, str((inp or {}).get("id", "")), None)
            if rec is not None:
                writes.archive(p, t, rec)
    return Response(204)


def register(router: Router) -> None:
    base = "/crm/v3/objects/{objectType}/batch/"
    for name, fn in (("read", read), ("create", create), ("update", update), ("upsert", upsert),
                     ("archive", archive)):
        router.add("POST", base + name, fn)
