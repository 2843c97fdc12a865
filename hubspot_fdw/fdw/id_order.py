"""``ORDER BY id … LIMIT n`` on a live object table, exactly as PostgreSQL orders it.

``id`` is a text column: PostgreSQL orders ids as strings ('10' before '9'), in every
collation alike, since ids are digits only. HubSpot sorts ``hs_object_id`` as a number.
The two orders agree among ids with the same number of digits, and every id with L
digits comes, numerically, before every id with more. So the search walks the id
lengths: each request, sorted by ``hs_object_id``, starts where the previous length
ended (``GTE 10^L`` ascending, ``LT 10^(L-1)`` descending); of its answer the ids with
the length of the first one are kept (the first n of that length, numerically = as
text), and the next request starts at the next length. A request that answers fewer
than n records has read everything left, and ends the walk. The kept ids of all
lengths are then sorted as text and the first n returned.

Cost: one request when the table (after the conditions) holds at most n records, or
when the first answer settles the order by itself (``settled_by``: ascending, when the
last of its ids as text is 1, 10, 100, …, since no longer id can come before it as
text; descending, when that id is 9, 9x, 99x, …). Else one request per id length
present plus one that finds nothing further (two for a table whose ids all have the
same length, the usual case). One request cannot be exact in general: from a single
sorted answer nothing says whether longer (or shorter) ids exist, and those can come
first as text.

Without a LIMIT (or above 10,000) the whole table is read: two one-record searches (the
lowest and the highest id) say whether every id has the same length; then the records
stream in id order (list pages ascending, or a search sorted by ``hs_object_id``
descending or under conditions) and nothing is held. With ids of several lengths the
records are read as without ORDER BY and sorted here.

Deliberately not here: which sorts are accepted (live.py), the request itself
(api/search.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

from hubspot_fdw.api import Filter, HubSpotClient
from hubspot_fdw.api.models import HubSpotObject

ID_PROPERTY = "hs_object_id"
MAX_ID_SORT_LIMIT = 10_000   # above this, read everything in id order (everything())


@dataclass(frozen=True)
class IdWalk:
    """The requests of one ``ORDER BY id [DESC] LIMIT n`` scan."""

    object_type: str
    filters: Sequence[Filter]
    properties: Sequence[str]
    limit: int
    descending: bool

    @property
    def direction(self) -> str:
        return "DESCENDING" if self.descending else "ASCENDING"

    def _bound(self, length: int | None) -> list[Filter]:
        """The condition that starts the walk after ids of ``length`` digits."""
        if length is None:
            return []
        if self.descending:
            return [Filter(ID_PROPERTY, "LT", str(10 ** (length - 1)))]
        return [Filter(ID_PROPERTY, "GTE", str(10 ** length))]

    def first_body(self) -> dict[str, Any]:
        return {"filterGroups": [{"filters": [f.to_json() for f in self.filters]}] if self.filters else [],
                "sorts": [{"propertyName": ID_PROPERTY, "direction": self.direction}],
                "properties": list(self.properties), "limit": min(self.limit, 200)}

    def describe(self, path: str) -> list[str]:
        then = "LT 10^(digits-1)" if self.descending else "GTE 10^digits"
        return [f"HubSpot: POST {path}/search {json.dumps(self.first_body())}",
                f"HubSpot: then, while a request returns all {self.limit} asked for, the same with "
                f"{ID_PROPERTY} {then} of its first id (ids are text: each id length is read "
                f"apart and merged as text)"]

    def one_length(self, client: HubSpotClient) -> bool:
        """Whether the matching ids all have the same number of digits (two requests)."""
        group = [list(self.filters)] if self.filters else []
        ends = [next(iter(client.search(self.object_type, filter_groups=group, sort=(ID_PROPERTY, d),
                                        properties=[ID_PROPERTY], limit=1)), None)
                for d in ("ASCENDING", "DESCENDING")]
        return None in ends or len(ends[0].id) == len(ends[1].id)

    def everything(self, client: HubSpotClient) -> Iterator[HubSpotObject]:
        """Every matching record in text order of its id (no LIMIT)."""
        group = [list(self.filters)] if self.filters else []
        if not self.one_length(client):
            yield from sorted(client.search(self.object_type, filter_groups=group, properties=self.properties),
                              key=lambda r: r.id, reverse=self.descending)
        elif self.filters or self.descending:
            yield from client.search(self.object_type, filter_groups=group, sort=(ID_PROPERTY, self.direction),
                                     properties=self.properties)
        else:
            for page in client.iter_pages(self.object_type, properties=list(self.properties), limit=100):
                yield from page.results

    def describe_everything(self, path: str) -> list[str]:
        body = {**self.first_body(), "sorts": [{"propertyName": ID_PROPERTY, "direction": "ASCENDING"}],
                "properties": [ID_PROPERTY], "limit": 1}
        then = (f"POST {path}/search sorted by {ID_PROPERTY} {self.direction}, 200 a page"
                if self.filters or self.descending
                else f"GET {path}?limit=100 (then each paging.next.after)")
        return [f"HubSpot: POST {path}/search {json.dumps(body)}, and the same DESCENDING "
                f"(do all ids have the same length?)",
                f"HubSpot: then {then}, streamed in id order; with ids of several lengths, "
                f"everything sorted by id as text here"]

    def settled_by(self, first: Sequence[HubSpotObject]) -> bool:
        """Whether the walk's first answer (the n lowest ids, or highest when descending,
        as numbers) is already the n first as text. Every id not in it is a larger
        number (smaller when descending). Ascending, such an id has at least as many
        digits as the answer's last id as text, t; if t is 1 followed by zeros, that
        id's first digits are t or more, so it comes after t. Descending, such an id has
        at most as many digits as t; if all but t's last digit are 9s, that id's digits
        are at most t's first ones, so it comes before t."""
        ids = [r.id for r in first]
        if self.descending:
            last = min(ids)
            return set(last[:-1]) <= {"9"}
        last = max(ids)
        return last == "1" + "0" * (len(last) - 1)

    def records(self, client: HubSpotClient) -> list[HubSpotObject]:
        kept: list[HubSpotObject] = []
        length: int | None = None
        while True:
            group = [*self.filters, *self._bound(length)]
            got = list(client.search(self.object_type, filter_groups=[group] if group else [],
                                     sort=(ID_PROPERTY, self.direction), properties=self.properties,
                                     limit=self.limit))
            if len(got) < self.limit or (length is None and self.settled_by(got)):
                kept.extend(got)           # everything left, or proven first as text
                break
            length = len(got[0].id)
            kept.extend(r for r in got if len(r.id) == length)
            if (length == 1) if self.descending else (length >= 19):
                break
        kept.sort(key=lambda r: r.id, reverse=self.descending)
        return kept[:self.limit]
