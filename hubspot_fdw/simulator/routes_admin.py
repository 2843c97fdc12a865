"""Admin API under /_sim (no auth, no rate limit, no faults, not logged).

  GET    /_sim/health                      → {"status":"ok"}
  GET    /_sim/info                        → options, base URL, token, counts per type
  GET    /_sim/requests?since=SEQ          → {"requests":[{seq,method,path,query,body,status,fault,…}],"last":SEQ}
  DELETE /_sim/requests                    → clear the log (sequence numbers keep growing)
  GET    /_sim/faults                      → current fault options
  PUT    /_sim/faults                      → merge the JSON body into the fault options (FaultOptions names)
  POST   /_sim/faults                      → replace the fault options with the body
  DELETE /_sim/faults                      → no faults
  GET|PUT /_sim/limits                     → {enabled, burst_max, daily_max, search_per_second, time_scale}
  POST   /_sim/limits/reset                → empty every rate window
  GET|PUT /_sim/search                     → {"index_lag_ms": N}
  POST   /_sim/clock                       → {"advance_ms": N}: move record timestamps' clock forward
  POST   /_sim/reset                       → rebuild the portal from the seed, clear log, windows, faults
  PATCH  /_sim/objects/{type}/{id}         → {"properties":{…},"userId":N?,"source":S?} as an edit in
                                             HubSpot (read-only allowed; history: source S, default
                                             CRM_UI by that user; IMPORT as a CRM import would)
  POST   /_sim/objects/{type}/{id}/archive → archive;   …/restore → restore (new last-modified)
  POST   /_sim/objects/{type}/merge        → {"primaryObjectId","objectIdToMerge"}
  POST   /_sim/objects/{type}              → {"properties":{…},"userId":N?,"source":S?} create as a user
                                             (source CRM_UI) or an import (IMPORT)
Property creation and associations use the normal API.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from hubspot_fdw.simulator import errors, writes
from hubspot_fdw.simulator.config import FaultOptions
from hubspot_fdw.simulator.routing import Request, Response, Router
from hubspot_fdw.simulator.serialize import envelope

SOURCES = ("CRM_UI", "IMPORT", "API", "CALCULATED", "INTEGRATION", "AUTOMATION_PLATFORM", "FORM", "SALES",
           "MIGRATION")


def health(sim: Any, req: Request) -> Response:
    return Response(200, {"status": "ok"})


def info(sim: Any, req: Request) -> Response:
    o = sim.options
    with sim.portal.lock:
        stats = sim.portal.stats()
    return Response(200, {"base_url": sim.base_url, "token": o.token, "portal_id": o.portal_id,
                          "seed": o.seed, "sizes": o.sizes, "time_scale": o.time_scale,
                          "no_limits": not sim.limiter.enabled, "index_lag_ms": sim.portal.index_lag_ms,
                          "clock_offset_ms": sim.portal.clock.offset_ms, "types": stats})


def requests_get(sim: Any, req: Request) -> Response:
    entries = sim.log.since(req.qint("since", 0))
    return Response(200, {"requests": entries, "last": sim.log.seq})


def requests_clear(sim: Any, req: Request) -> Response:
    return Response(200, {"last": sim.log.clear()})


def faults_get(sim: Any, req: Request) -> Response:
    return Response(200, asdict(sim.faults.options))


def _faults_set(sim: Any, req: Request, replace: bool) -> Response:
    try:
        opts = sim.faults.configure(req.json_object(), replace=replace)
    except (ValueError, TypeError) as exc:
        raise errors.validation(str(exc))
    sim.portal.extra_lag_ms = opts.stale_search_ms
    return Response(200, asdict(opts))


def faults_put(sim: Any, req: Request) -> Response:
    return _faults_set(sim, req, replace=False)


def faults_post(sim: Any, req: Request) -> Response:
    return _faults_set(sim, req, replace=True)


def faults_clear(sim: Any, req: Request) -> Response:
    sim.faults.configure(asdict(FaultOptions()), replace=True)
    sim.portal.extra_lag_ms = 0
    return Response(200, asdict(sim.faults.options))


def _limits(sim: Any) -> dict[str, Any]:
    lim = sim.limiter
    return {"enabled": lim.enabled, "burst_max": lim.burst_max, "daily_max": lim.daily_max,
            "search_per_second": lim.search_per_second, "time_scale": lim.time_scale,
            "daily_headers": lim.daily_headers, "secondly": lim.secondly}


def limits_get(sim: Any, req: Request) -> Response:
    return Response(200, _limits(sim))


def limits_put(sim: Any, req: Request) -> Response:
    data = {**_limits(sim), **req.json_object()}
    sim.limiter.configure(int(data["burst_max"]), int(data["daily_max"]), int(data["search_per_second"]),
                          float(data["time_scale"]), bool(data["enabled"]), bool(data["daily_headers"]))
    return Response(200, _limits(sim))


def limits_reset(sim: Any, req: Request) -> Response:
    sim.limiter.reset()
    return Response(200, _limits(sim))


def search_get(sim: Any, req: Request) -> Response:
    return Response(200, {"index_lag_ms": sim.portal.index_lag_ms})


def search_put(sim: Any, req: Request) -> Response:
    sim.portal.index_lag_ms = int(req.json_object().get("index_lag_ms", 0))
    return Response(200, {"index_lag_ms": sim.portal.index_lag_ms})


def clock(sim: Any, req: Request) -> Response:
    sim.portal.clock.advance(int(req.json_object().get("advance_ms", 0)))
    return Response(200, {"offset_ms": sim.portal.clock.offset_ms, "now_ms": sim.portal.clock.peek_ms()})


def reset(sim: Any, req: Request) -> Response:
    sim.reseed()
    sim.log.clear()
    sim.limiter.reset()
    sim.faults.configure(asdict(FaultOptions()), replace=True)
    return Response(200, {"status": "ok"})


def _source(body: dict[str, Any]) -> str:
    """The edit's sourceType (``"source"`` in the body; default CRM_UI, a user in HubSpot)."""
    value = body.get("source", "CRM_UI")
    if value not in SOURCES:
        raise errors.validation(f"source must be one of {', '.join(SOURCES)}")
    return value


def _user(body: dict[str, Any]) -> int | None:
    """The HubSpot user making an edit (``"userId"`` in the body; default the first owner's user)."""
    value = body.get("userId")
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise errors.validation("userId must be an integer")
    return value


def obj_update(sim: Any, req: Request) -> Response:
    p = sim.portal
    t = p.object_type(req.params["type"])
    with p.lock:
        rec = p.must_find(t, req.params["id"])
        body = req.json_object()
        rec = writes.update(p, t, rec, body.get("properties"), source=_source(body),
                            allow_read_only=True, raw=bool(body.get("raw")), user=_user(body))
        return Response(200, envelope(rec, sorted(rec.props), p.record_url(t, rec.id)))


def obj_archive(sim: Any, req: Request) -> Response:
    p = sim.portal
    t = p.object_type(req.params["type"])
    with p.lock:
        writes.archive(p, t, p.must_find(t, req.params["id"]))
    return Response(204)


def obj_restore(sim: Any, req: Request) -> Response:
    p = sim.portal
    t = p.object_type(req.params["type"])
    with p.lock:
        rec = p.must_find(t, req.params["id"], archived=True)
        writes.restore(p, t, rec)
        return Response(200, envelope(rec, sorted(rec.props), p.record_url(t, rec.id)))


def obj_merge(sim: Any, req: Request) -> Response:
    p = sim.portal
    t = p.object_type(req.params["type"])
    body = req.json_object()
    with p.lock:
        rec = writes.merge(p, t, p.must_find(t, str(body.get("primaryObjectId"))),
                           p.must_find(t, str(body.get("objectIdToMerge"))))
        return Response(200, envelope(rec, sorted(rec.props), p.record_url(t, rec.id)))


def obj_create(sim: Any, req: Request) -> Response:
    p = sim.portal
    t = p.object_type(req.params["type"])
    body = req.json_object()
    with p.lock:
        rec = writes.create(p, t, body.get("properties"), body.get("associations"), source=_source(body),
                            user=_user(body))
        return Response(201, envelope(rec, sorted(rec.props), p.record_url(t, rec.id)))


ROUTER = Router()
for _m, _p, _h in (
        ("GET", "/_sim/health", health), ("GET", "/_sim/info", info),
        ("GET", "/_sim/requests", requests_get), ("DELETE", "/_sim/requests", requests_clear),
        ("GET", "/_sim/faults", faults_get), ("PUT", "/_sim/faults", faults_put),
        ("POST", "/_sim/faults", faults_post), ("DELETE", "/_sim/faults", faults_clear),
        ("GET", "/_sim/limits", limits_get), ("PUT", "/_sim/limits", limits_put),
        ("POST", "/_sim/limits/reset", limits_reset),
        ("GET", "/_sim/search", search_get), ("PUT", "/_sim/search", search_put),
        ("POST", "/_sim/clock", clock), ("POST", "/_sim/reset", reset),
        ("POST", "/_sim/objects/{type}/merge", obj_merge),
        ("POST", "/_sim/objects/{type}", obj_create),
        ("PATCH", "/_sim/objects/{type}/{id}", obj_update),
        ("POST", "/_sim/objects/{type}/{id}/archive", obj_archive),
        ("POST", "/_sim/objects/{type}/{id}/restore", obj_restore)):
    ROUTER.add(_m, _p, _h, kind="admin")


def dispatch(sim: Any, req: Request) -> Response:
    return ROUTER.match(req).handler(sim, req)


def register(router: Router) -> None:
    """Admin routes are dispatched separately (before auth); nothing to add."""
