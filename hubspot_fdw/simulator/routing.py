"""Request/Response values and a small path router (`{name}` matches one segment).

Also the query-parameter rules every route shares: repeated *and* comma-separated
lists, case-insensitive booleans, percent-decoded path segments (hubspot-api.md §0).
Does not open sockets (server.py) and knows no HubSpot semantics.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import parse_qs, unquote

from hubspot_fdw.simulator import errors


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    segments: list[str] = field(default_factory=list)
    params: dict[str, str] = field(default_factory=dict)
    _json: Any = None
    _parsed: bool = False

    @classmethod
    def parse(cls, method: str, target: str, headers: dict[str, str], body: bytes) -> "Request":
        path, _, qs = target.partition("?")
        segs = [unquote(s) for s in path.split("/") if s != ""]
        return cls(method, path, parse_qs(qs, keep_blank_values=True), headers, body, segs)

    def json(self, default: Any = None) -> Any:
        if not self._parsed:
            self._parsed = True
            if not self.body.strip():
                self._json = default
            else:
                try:
                    self._json = json.loads(self.body)
                except (ValueError, UnicodeDecodeError, RecursionError) as exc:
                    raise errors.validation(f"Invalid input JSON on line 1: {exc}")
        return self._json

    def json_object(self) -> dict[str, Any]:
        body = self.json({})
        if not isinstance(body, dict):
            raise errors.validation("Invalid input JSON: expected an object.")
        return body

    def qlist(self, name: str) -> list[str] | None:
        """Repeated and comma forms, any mix; None when absent."""
        if name not in self.query:
            return None
        out: list[str] = []
        for v in self.query[name]:
            out.extend(x.strip() for x in v.split(",") if x.strip())
        return out

    def qstr(self, name: str, default: str | None = None) -> str | None:
        vals = self.query.get(name)
        return vals[-1] if vals else default

    def qbool(self, name: str, default: bool = False) -> bool:
        v = self.qstr(name)
        if v is None or v == "":
            return default
        if v.lower() in ("true", "1"):
            return True
        if v.lower() in ("false", "0"):
            return False
        raise errors.validation(f"Invalid boolean value for {name}: {v}")

    def qint(self, name: str, default: int) -> int:
        v = self.qstr(name)
        if v is None or v == "":
            return default
        digits = v[1:] if v[:1] == "-" else v
        if not (digits.isascii() and digits.isdigit()):
            raise errors.validation(f"Invalid integer value for {name}: {v}")
        return int(v)

    def qafter(self, name: str = "after") -> int:
        """A paging cursor: ASCII digits only ("¹" is a Python digit, not a HubSpot one)."""
        v = self.qstr(name) or "0"
        if not (v.isascii() and v.isdigit()):
            raise errors.validation(f"Invalid after: {v}")
        return int(v)


@dataclass
class Response:
    status: int
    body: Any = None                       # JSON-able, or None for an empty body
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None               # pre-encoded body (overrides `body`)
    content_type: str = "application/json;charset=utf-8"


Handler = Callable[[Any, Request], Response]


@dataclass
class Route:
    method: str
    parts: list[str]
    handler: Handler
    kind: str          # "standard" | "search" | "admin"
    literals: tuple[tuple[int, str], ...] = ()     # (position, segment) that must be equal
    names: tuple[tuple[int, str], ...] = ()        # (position, parameter name)

    def __post_init__(self) -> None:
        self.literals = tuple((i, p) for i, p in enumerate(self.parts) if not p.startswith("{"))
        self.names = tuple((i, p[1:-1]) for i, p in enumerate(self.parts) if p.startswith("{"))


class Router:
    def __init__(self) -> None:
        self.routes: list[Route] = []
        self._by_length: dict[int, list[Route]] = {}   # segment count → routes (match scans one list)

    def add(self, method: str, pattern: str, handler: Handler, kind: str = "standard") -> None:
        route = Route(method, [p for p in pattern.split("/") if p], handler, kind)
        self.routes.append(route)
        self._by_length.setdefault(len(route.parts), []).append(route)

    def match(self, req: Request) -> Route:
        """The route for the request; HEAD is answered by the GET route (body dropped by
        the server). 405 with an Allow header when only the method is wrong."""
        method = "GET" if req.method == "HEAD" else req.method
        allowed: list[str] = []
        best: Route | None = None
        segs = req.segments
        for r in self._by_length.get(len(segs), ()):
            if any(segs[i] != lit for i, lit in r.literals):
                continue
            if r.method != method:
                allowed.append(r.method)
                continue
            if best is None or len(r.literals) > len(best.literals):   # literal segments beat {params}
                best = r
        if best is not None:
            req.params = {name: segs[i] for i, name in best.names}
            return best
        if allowed:
            err = errors.error(405, f"HTTP {req.method} is not supported by {req.path}; supported "
                               f"methods: {', '.join(sorted(set(allowed)))}", "VALIDATION_ERROR")
            err.headers["Allow"] = ", ".join(sorted(set(allowed)))
            raise err
        raise errors.route_not_found(req.method, req.path)
