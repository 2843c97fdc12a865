"""Owners v3 (read-only API, paged with ``after``).

Deliberately not here: owners as a table (catalog/columns.py).
"""

from __future__ import annotations

from typing import Any, Iterator

from hubspot_fdw.api.models import Owner, Page
from hubspot_fdw.api.transport import Transport, path_segment

PAGE_LIMIT = 100


def list_page(t: Transport, *, after: str | None = None, limit: int = PAGE_LIMIT, archived: bool = False,
              email: str | None = None) -> Page:
    params: dict[str, Any] = {"limit": min(max(1, limit), PAGE_LIMIT), "archived": "true" if archived else "false"}
    if after:
        params["after"] = after
    if email:
        params["email"] = email
    body = t.request("GET", "/crm/v3/owners", params=params).body or {}
    nxt = ((body.get("paging") or {}).get("next") or {}).get("after")
    return Page([Owner.from_json(o) for o in body.get("results") or []], str(nxt) if nxt else None)


def iter_owners(t: Transport, *, archived: bool = False) -> Iterator[Owner]:
    after = None
    while True:
        page = list_page(t, after=after, archived=archived)
        yield from page.results
        if not page.after or page.after == after:
            return
        after = page.after


def get_owner(t: Transport, owner_id: str, *, archived: bool = False) -> Owner:
    body = t.request("GET", f"/crm/v3/owners/{path_segment(owner_id)}",
                     params={"archived": "true" if archived else "false"}).body
    return Owner.from_json(body)
