"""The HTTP server: a ThreadingHTTPServer on 127.0.0.1 speaking HTTP/1.1 keep-alive.

Per request: admin routes (no auth, limits, faults or logging), otherwise faults →
bearer auth → rate limit → route → JSON response with HubSpot's headers → request
log. Does not implement any endpoint itself (routes_*.py) nor hold CRM state
(portal.py).
"""

from __future__ import annotations

import logging
import socket
import struct
import threading
import time
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from hubspot_fdw.simulator import errors
from hubspot_fdw.simulator.config import SimulatorOptions
from hubspot_fdw.simulator.faults import Decision, FaultInjector
from hubspot_fdw.simulator.portal import Portal
from hubspot_fdw.simulator.ratelimit import RateLimiter
from hubspot_fdw.simulator.requestlog import RequestLog
from hubspot_fdw.simulator.routing import Request, Response, Router
from hubspot_fdw.simulator.serialize import json_bytes

log = logging.getLogger("hubspot_fdw.simulator.server")

URI_TOO_LONG_HTML = (b"<html><head><title>414 Request-URI Too Large</title></head><body><center>"
                     b"<h1>414 Request-URI Too Large</h1></center></body></html>")
GATEWAY_HTML = {502: b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>",
                504: b"<html><head><title>504 Gateway Time-out</title></head><body><h1>504 Gateway Time-out</h1></body></html>"}


def build_router() -> Router:
    from hubspot_fdw.simulator import (routes_admin, routes_assoc_config, routes_associations,
                                       routes_batch, routes_groups, routes_meta, routes_objects,
                                       routes_pipelines, routes_schemas)
    router = Router()
    routes_admin.register(router)
    routes_batch.register(router)
    routes_objects.register(router)
    routes_associations.register(router)
    routes_meta.register(router)
    routes_groups.register(router)
    routes_schemas.register(router)
    routes_pipelines.register(router)
    routes_assoc_config.register(router)
    from hubspot_fdw.simulator import routes_account
    routes_account.register(router)
    return router


class Simulator:
    """Everything a route handler may touch."""

    def __init__(self, options: SimulatorOptions) -> None:
        self.options = options
        from zoneinfo import ZoneInfo
        ZoneInfo(options.time_zone)  # an unknown zone fails at start, not per request
        self.started = time.time()
        self.portal = Portal(options)
        self.limiter = RateLimiter(options.burst_max, options.daily_max, options.search_per_second,
                                   options.time_scale, not options.no_limits, day=self.portal_day,
                                   daily_headers=options.daily_headers)
        self.faults = FaultInjector(options.faults)
        self.portal.extra_lag_ms = options.faults.stale_search_ms
        self.log = RequestLog(options.log_size)
        self.router = build_router()
        self.base_url = ""

    def portal_day(self) -> date:
        """The date now in the portal's time zone, on the portal's clock."""
        from zoneinfo import ZoneInfo
        return datetime.fromtimestamp(self.portal.clock.peek_ms() / 1000, ZoneInfo(self.options.time_zone)).date()

    def reseed(self) -> None:
        portal = Portal(self.options)
        portal.extra_lag_ms = self.faults.options.stale_search_ms
        self.portal = portal


_json_bytes = json_bytes


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "HubSpotSimulator/1.0"
    sim: Simulator

    def log_message(self, format: str, *args: Any) -> None:   # noqa: A002 - stdlib name
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s " + format, self.address_string(), *args)

    def _handle(self) -> None:
        started = time.monotonic()
        sim = self.sim
        if len(self.path) > sim.options.max_url_length:
            # HubSpot's edge refuses long request lines before any API logic (HTML, no auth)
            self.close_connection = True
            cid = errors.correlation_id()
            req = Request.parse(self.command, self.path, {}, b"")
            sim.log.add(req.method, req.path, req.query, b"", 414, None, started, cid, sim.portal.clock.peek_ms())
            self._send(Response(414, raw=URI_TOO_LONG_HTML, content_type="text/html"), cid, None)
            return
        raw_length = self.headers.get("Content-Length") or "0"
        if not (raw_length.isascii() and raw_length.isdigit()):
            self.close_connection = True
            self._send(Response(400, errors.validation("Invalid Content-Length header.").render(
                errors.correlation_id())), errors.correlation_id(), None)
            return
        length = int(raw_length)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        req = Request.parse(self.command, self.path, headers, body)
        if req.path.startswith("/_sim"):
            self._admin(req)
            return
        cid = errors.correlation_id()
        decision = sim.faults.decide(req.method, req.path)
        resp = self._respond(req, decision, cid)
        fault = decision.kind if decision else None
        if decision and decision.latency_s:
            time.sleep(decision.latency_s)
        sim.log.add(req.method, req.path, req.query, body, resp.status, fault, started, cid,
                    sim.portal.clock.peek_ms())
        self._send(resp, cid, fault)

    def _respond(self, req: Request, decision: Decision | None, cid: str) -> Response:
        sim = self.sim
        try:
            if decision and decision.kind == "storm":
                policy = "SECONDLY" if req.path.endswith("/search") else "TEN_SECONDLY_ROLLING"
                msg = ("You have reached your secondly limit." if policy == "SECONDLY"
                       else "You have reached your ten_secondly_rolling limit.")
                raise errors.rate_limited(policy, msg)
            if decision and decision.kind == "error":
                if decision.status in GATEWAY_HTML:
                    return Response(decision.status, raw=GATEWAY_HTML[decision.status],
                                    content_type="text/html")
                raise errors.error(decision.status, "An internal error occurred." if decision.status == 500
                                   else "Service Unavailable", "INTERNAL_ERROR" if decision.status == 500
                                   else "SERVICE_UNAVAILABLE")
            auth = req.headers.get("authorization", "")
            if auth != f"Bearer {sim.options.token}":
                raise errors.unauthorized()
            route = sim.router.match(req)
            limit_headers: dict[str, str] = {}
            if route.kind == "search":
                sim.limiter.search_request()
            else:
                limit_headers = sim.limiter.standard()
            resp = route.handler(sim, req)
            resp.headers.update(limit_headers)
            return resp
        except errors.ApiError as exc:
            return Response(exc.status, exc.render(cid), dict(exc.headers))
        except Exception:   # a simulator bug: answer like HubSpot's 500, keep serving
            log.exception("handler failed for %s %s", req.method, req.path)
            return Response(500, {"status": "error", "message": "internal error",
                                  "correlationId": cid, "category": "INTERNAL_ERROR"})

    def _admin(self, req: Request) -> None:
        from hubspot_fdw.simulator import routes_admin
        try:
            resp = routes_admin.dispatch(self.sim, req)
        except errors.ApiError as exc:
            resp = Response(exc.status, exc.render(errors.correlation_id()), dict(exc.headers))
        except Exception as exc:
            log.exception("admin call failed")
            resp = Response(500, {"status": "error", "message": f"admin error: {exc}"})
        self._send(resp, errors.correlation_id(), None)

    def _send(self, resp: Response, cid: str, fault: str | None) -> None:
        payload = resp.raw if resp.raw is not None else (b"" if resp.body is None else _json_bytes(resp.body))
        if self.command == "HEAD":
            payload = b""                  # HEAD: the GET answer's status and headers only
        full = len(payload)
        if fault == "truncate" and payload:
            payload = payload[: max(1, full // 2)]
            full = len(payload)
        lines = [f"HTTP/1.1 {resp.status} {self.responses.get(resp.status, ('',))[0]}",
                 f"Date: {self.date_time_string()}"]
        if payload or resp.status != 204:
            lines.append(f"Content-Type: {resp.content_type}")
        lines.append(f"Content-Length: {full}")
        lines.append(f"X-HubSpot-Correlation-Id: {cid}")
        lines.extend(f"{k}: {v}" for k, v in resp.headers.items())
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.log_request(resp.status, full)
        if fault == "reset":
            self.wfile.write(head + payload[: len(payload) // 2])
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        self.wfile.write(head + payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_TRACE = _handle

    def __getattr__(self, name: str) -> Any:
        # any other method (CONNECT, PROPFIND, …) gets a JSON 405/404, not http.server's HTML 501
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)


class SimulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def serve(options: SimulatorOptions) -> tuple[SimulatorServer, Simulator]:
    """Build the portal and bind; the caller runs `serve_forever()`."""
    sim = Simulator(options)
    handler = type("BoundHandler", (Handler,), {"sim": sim})
    server = SimulatorServer((options.host, options.port), handler)
    host, port = server.server_address[:2]
    sim.base_url = f"http://{host}:{port}"
    return server, sim


def run_in_thread(options: SimulatorOptions) -> tuple[SimulatorServer, Simulator, threading.Thread]:
    """In-process server (for benchmarks/debugging); tests use process.start_simulator."""
    server, sim = serve(options)
    thread = threading.Thread(target=server.serve_forever, name="hubspot-simulator", daemon=True)
    thread.start()
    return server, sim, thread
