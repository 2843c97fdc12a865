"""Pipelines v3 routes: pipelines and stages, read and write, and their audits
(hubspot-api.md §3.3; HubSpot's pipelines spec).

Deals, tickets and custom objects have pipelines. Creation answers 201, archive 204;
archived pipelines/stages leave the lists (`archived=true` lists them) and the values
`pipeline`/`dealstage` (`hs_pipeline`/`hs_pipeline_stage`) accept follow every change
(those properties list no options: portal.external_options). Deal stages need `metadata.probability` in [0, 1]; ticket stages may
carry `ticketState` OPEN/CLOSED. Does not check that records still use a stage.
"""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from hubspot_fdw.simulator import bodies, errors
from hubspot_fdw.simulator.clock import iso_ms
from hubspot_fdw.simulator.pipelines import Audit, Pipeline, Stage
from hubspot_fdw.simulator.routing import Request, Response, Router

def _type(sim: Any, req: Request):
    t = sim.portal.object_type(req.params["objectType"])
    if t.type_id not in ("0-3", "0-5") and not t.custom:
        raise errors.validation(f"Object type {t.type_id} does not support pipelines.")
    return t


def _all(sim: Any, t) -> list[Pipeline]:
    return sim.portal.pipelines.setdefault(t.type_id, [])


def _pipeline(sim: Any, t, pid: str, archived: bool = False) -> Pipeline:
    for pl in _all(sim, t):
        if pl.id == pid and bool(pl.archived_ms) == archived:
            return pl
    raise errors.error(404, f"Unable to find pipeline {pid}.", "OBJECT_NOT_FOUND")


def _stage(pl: Pipeline, sid: str) -> Stage:
    for s in pl.stages:
        if s.id == sid and not s.archived_ms:
            return s
    raise errors.error(404, f"Unable to find stage {sid} in pipeline {pl.id}.", "OBJECT_NOT_FOUND")


def _metadata(t, body: dict[str, Any], path: str) -> dict[str, str]:
    meta = {k: bodies.scalar_text(v, f"{path}metadata.{k}") for k, v in bodies.opt_obj(body, "metadata", path).items()}
    if t.type_id == "0-3":
        try:
            prob = Decimal(meta.get("probability", ""))
            ok = prob.is_finite() and 0 <= prob <= 1
        except InvalidOperation:
            ok = False
        if not ok:
            raise errors.validation("Deal stages need metadata.probability, a number between 0.0 and 1.0.",
                                    errors=[{"message": "probability must be between 0.0 and 1.0",
                                             "code": "INVALID_METADATA", "in": f"{path}metadata.probability"}])
        meta["probability"] = str(prob) if "." in str(prob) else f"{prob}.0"
        meta.setdefault("isClosed", "true" if prob in (0, 1) else "false")
    elif t.type_id == "0-5" and meta.get("ticketState", "OPEN") not in ("OPEN", "CLOSED"):
        raise errors.validation("metadata.ticketState must be OPEN or CLOSED.")
    return meta


def _new_stage(t, body: dict[str, Any], now: int, path: str = "") -> Stage:
    label = bodies.req_str(body, "label", path)
    order = bodies.opt_int(body, "displayOrder", path, 0)
    sid = bodies.opt_str(body, "stageId", path) or str(uuid.uuid4())
    return Stage(sid, label, order, _metadata(t, body, path), now, now)


def _changed(pl: Pipeline, action: str, ident: str, raw: dict[str, Any], now: int,
             status: int) -> Response:
    """Record the audit entry, answer `raw` (204: no body)."""
    pl.audits.insert(0, Audit(action, ident, now, raw))
    return Response(status, raw if status != 204 else None)


# -- pipelines -------------------------------------------------------------------------
def pipelines_list(sim: Any, req: Request) -> Response:
    t = _type(sim, req)
    archived = req.qbool("archived")
    with sim.portal.lock:
        pipes = sorted((p for p in _all(sim, t) if bool(p.archived_ms) == archived), key=lambda p: (p.order, p.id))
        return Response(200, {"results": [p.to_json() for p in pipes]})


def pipeline_get(sim: Any, req: Request) -> Response:
    t = _type(sim, req)
    with sim.portal.lock:
        return Response(200, _pipeline(sim, t, req.params["pipelineId"]).to_json())


def pipeline_create(sim: Any, req: Request) -> Response:
    t = _type(sim, req)
    body = req.json_object()
    p = sim.portal
    with p.lock:
        now = p.clock.now_ms()
        label = bodies.req_str(body, "label")
        order = bodies.opt_int(body, "displayOrder", default=0)
        stages = [_new_stage(t, s, now, f"stages[{i}].") for i, s in enumerate(bodies.objects(body, "stages", required=True))]
        if not stages:
            raise errors.validation("A pipeline needs at least one stage.")
        pid = bodies.opt_str(body, "pipelineId") or str(uuid.uuid4())
        if any(x.id == pid for x in _all(sim, t)) or len({s.id for s in stages}) != len(stages):
            raise errors.conflict(f"A pipeline or stage with id {pid} already exists.")
        if any(x.label == label and not x.archived_ms for x in _all(sim, t)):
            raise errors.conflict(f"A pipeline labelled {label} already exists.")
        pl = Pipeline(pid, label, order, now, stages, now)
        _all(sim, t).append(pl)
        return _changed(pl, "CREATE", pid, pl.to_json(), now, 201)


def pipeline_replace(sim: Any, req: Request) -> Response:
    t = _type(sim, req)
    body = req.json_object()
    p = sim.portal
    with p.lock:
        pl = _pipeline(sim, t, req.params["pipelineId"])
        now = p.clock.now_ms()
        label = bodies.req_str(body, "label")
        order = bodies.opt_int(body, "displayOrder", default=pl.order)
        stages = [_new_stage(t, s, now, f"stages[{i}].") for i, s in enumerate(bodies.objects(body, "stages", required=True))]
        if not stages:
            raise errors.validation("A pipeline needs at least one stage.")
        old = {s.id: s for s in pl.stages}
        for s in stages:
            if s.id in old:
                s.created_ms = old[s.id].created_ms
        pl.label, pl.order, pl.stages, pl.updated_ms = label, order, stages, now
        return _changed(pl, "UPDATE", pl.id, pl.to_json(), now, 200)


def pipeline_update(sim: Any, req: Request) -> Response:
    t = _type(sim, req)
    body = req.json_object()
    p = sim.portal
    with p.lock:
        archived = bodies.opt_bool(body, "archived", default=None)   # False restores an archived one
        pid = req.params["pipelineId"]
        pl = next((x for x in _all(sim, t) if x.id == pid and (not x.archived_ms or archived is False)), None)
        if pl is None:
            raise errors.error(404, f"Unable to find pipeline {pid}.", "OBJECT_NOT_FOUND")
        label = bodies.opt_str(body, "label", default=pl.label)
        order = bodies.opt_int(body, "displayOrder", default=pl.order)
        now = p.clock.now_ms()
        pl.label, pl.order, pl.updated_ms = label, order, now
        if archived is not None:
            pl.archived_ms = now if archived else 0
        return _changed(pl, "UPDATE", pl.id, pl.to_json(), now, 200)


def pipeline_archive(sim: Any, req: Request) -> Response:
    t = _type(sim, req)
    p = sim.portal
    with p.lock:
        pl = _pipeline(sim, t, req.params["pipelineId"])
        if sum(1 for x in _all(sim, t) if not x.archived_ms) <= 1:
            raise errors.validation("The last pipeline of an object type cannot be deleted.")
        now = p.clock.now_ms()
        pl.archived_ms = now
        return _changed(pl, "DELETE", pl.id, {}, now, 204)


def _audit_json(sim: Any, audits: list[Audit]) -> Response:
    return Response(200, {"results": [
        {"portalId": sim.portal.portal_id, "identifier": a.identifier, "action": a.action,
         "timestamp": iso_ms(a.timestamp_ms), "fromUserId": 9586504, "message": "", "rawObject": a.raw}
        for a in audits]})


def pipeline_audit(sim: Any, req: Request) -> Response:
    t = _type(sim, req)
    with sim.portal.lock:
        pl = _pipeline(sim, t, req.params["pipelineId"])
        return _audit_json(sim, [a for a in pl.audits if a.identifier == pl.id])


# -- stages ----------------------------------------------------------------------------
def stages_list(sim: Any, req: Request) -> Response:
    t = _type(sim, req)
    with sim.portal.lock:
        return Response(200, {"results": [s.to_json() for s in _pipeline(sim, t, req.params["pipelineId"]).live_stages()]})


def stage_get(sim: Any, req: Request) -> Response:
    t = _type(sim, req)
    with sim.portal.lock:
        pl = _pipeline(sim, t, req.params["pipelineId"])
        return Response(200, _stage(pl, req.params["stageId"]).to_json())


def stage_create(sim: Any, req: Request) -> Response:
    t = _type(sim, req)
    body = req.json_object()
    p = sim.portal
    with p.lock:
        pl = _pipeline(sim, t, req.params["pipelineId"])
        now = p.clock.now_ms()
        st = _new_stage(t, body, now)
        if any(s.id == st.id for s in pl.stages):
            raise errors.conflict(f"A stage with id {st.id} already exists.")
        pl.stages.append(st)
        pl.updated_ms = now
        return _changed(pl, "CREATE", st.id, st.to_json(), now, 201)


def stage_replace(sim: Any, req: Request, partial: bool = False) -> Response:
    t = _type(sim, req)
    body = req.json_object()
    p = sim.portal
    with p.lock:
        pl = _pipeline(sim, t, req.params["pipelineId"])
        st = _stage(pl, req.params["stageId"])
        label = bodies.opt_str(body, "label", default=st.label) if partial else bodies.req_str(body, "label")
        order = bodies.opt_int(body, "displayOrder", default=st.order)
        meta = _metadata(t, {"metadata": {**st.metadata, **bodies.opt_obj(body, "metadata")}} if partial
                         else body, "")
        archived = bodies.opt_bool(body, "archived", default=False) if partial else False
        if archived and len(pl.live_stages()) <= 1:
            raise errors.validation("The last stage of a pipeline cannot be deleted.")
        now = p.clock.now_ms()
        st.label, st.order, st.metadata, st.updated_ms = label, order, meta, now
        if archived:
            st.archived_ms = now
        pl.updated_ms = now
        return _changed(pl, "UPDATE", st.id, st.to_json(), now, 200)


def stage_archive(sim: Any, req: Request) -> Response:
    t = _type(sim, req)
    p = sim.portal
    with p.lock:
        pl = _pipeline(sim, t, req.params["pipelineId"])
        st = _stage(pl, req.params["stageId"])
        if len(pl.live_stages()) <= 1:
            raise errors.validation("The last stage of a pipeline cannot be deleted.")
        now = p.clock.now_ms()
        st.archived_ms = now
        pl.updated_ms = now
        return _changed(pl, "DELETE", st.id, {}, now, 204)


def stage_audit(sim: Any, req: Request) -> Response:
    t = _type(sim, req)
    with sim.portal.lock:
        pl = _pipeline(sim, t, req.params["pipelineId"])
        st = _stage(pl, req.params["stageId"])
        return _audit_json(sim, [a for a in pl.audits if a.identifier == st.id])


def register(router: Router) -> None:
    pl = "/crm/v3/pipelines/{objectType}"
    one = pl + "/{pipelineId}"
    stage = one + "/stages/{stageId}"
    router.add("GET", pl, pipelines_list)
    router.add("POST", pl, pipeline_create)
    router.add("GET", one, pipeline_get)
    router.add("PUT", one, pipeline_replace)
    router.add("PATCH", one, pipeline_update)
    router.add("DELETE", one, pipeline_archive)
    router.add("GET", one + "/audit", pipeline_audit)
    router.add("GET", one + "/stages", stages_list)
    router.add("POST", one + "/stages", stage_create)
    router.add("GET", stage, stage_get)
    router.add("PUT", stage, stage_replace)
    router.add("PATCH", stage, lambda sim, req: stage_replace(sim, req, partial=True))
    router.add("DELETE", stage, stage_archive)
    router.add("GET", stage + "/audit", stage_audit)
