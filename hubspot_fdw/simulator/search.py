"""CRM search (hubspot-api.md §2.8): request checks, filter operators, `query`,
one sort, offset paging with the 10,000-result cap, and the lagging index view.

Sorting: HubSpot documents one sort rule (property, ASCENDING or DESCENDING) and says
nothing about records without the property or how strings compare; here such records
come last in both directions, strings compare lower-cased, numbers and dates by value,
``hs_object_id`` as a number, ties by id. Clients that need an exact order must not
depend on the first two (the wrapper reads records without the property apart and does
not push text sorts down).

Does not serialize records (serialize.py) and does not apply the search rate
limit (ratelimit.py).
"""

from __future__ import annotations

import fnmatch
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from hubspot_fdw.simulator import bodies, errors
from hubspot_fdw.simulator.clock import parse_iso
from hubspot_fdw.simulator.objecttypes import ObjectType
from hubspot_fdw.simulator.portal import Portal
from hubspot_fdw.simulator.properties import PropertyDef
from hubspot_fdw.simulator.records import Record

OPERATORS = {"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY",
             "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"}
MAX_RESULTS = 10_000
MAX_LIMIT = 200
MAX_QUERY = 3000
TOKEN_SPLIT = re.compile(r"[\s,;:/()\[\]<>\"'!?|+]+")

Pred = Callable[[Record], bool]
ID_PROPERTY = "hs_object_id"
ID_COMPARISONS: dict[str, Callable[[int, int], bool]] = {
    "EQ": lambda a, b: a == b, "NEQ": lambda a, b: a != b, "LT": lambda a, b: a < b,
    "LTE": lambda a, b: a <= b, "GT": lambda a, b: a > b, "GTE": lambda a, b: a >= b}


def _integer(value: Any) -> bool:
    return isinstance(value, (int, str)) and re.fullmatch(r"-?\d+", str(value).strip()) is not None


def _typed(prop: PropertyDef | None, raw: Any) -> Any:
    """A comparable key for a value of this property (stored or given in a filter)."""
    if raw is None:
        return None
    text = str(raw)
    ptype = prop.type if prop else "string"
    if ptype == "number":
        try:
            d = Decimal(text)
        except InvalidOperation:
            return None
        return d if d.is_finite() else None
    if ptype in ("datetime", "date"):
        if re.fullmatch(r"-?\d+", text.strip()):
            return int(text)
        return parse_iso(text)
    if ptype == "enumeration":
        return text
    return text.lower()


def _bad_filter(message: str) -> errors.ApiError:
    return errors.validation(message)


def _filter_pred(portal: Portal, t: ObjectType, f: dict[str, Any]) -> Pred:
    name = f.get("propertyName")
    op = f.get("operator", "EQ")
    if not isinstance(op, str) or op not in OPERATORS:
        raise _bad_filter(f"Invalid operator {op}. Valid operators are {sorted(OPERATORS)}.")
    if not isinstance(name, str) or not name:
        raise _bad_filter("Each filter needs a propertyName.")
    if name.startswith("associations."):
        return _association_pred(portal, t, name.split(".", 1)[1], op, f)
    prop = portal.catalog.get(t.type_id, name)
    if prop is None:
        raise _bad_filter(f"There was a problem with the request. Property {name} does not exist "
                          f"for object type {t.type_id}.")
    multi = prop.multi
    if name == ID_PROPERTY and op in ID_COMPARISONS and _integer(f.get("value")):
        bound, compare = int(f["value"]), ID_COMPARISONS[op]
        return lambda r: compare(r.id, bound)   # the record's id, without parsing its text

    def get(rec: Record) -> str | None:
        return rec.props.get(name)

    if op == "HAS_PROPERTY":
        return lambda r: get(r) is not None
    if op == "NOT_HAS_PROPERTY":
        return lambda r: get(r) is None
    if op in ("IN", "NOT_IN"):
        values = f.get("values")
        if not isinstance(values, list):
            raise _bad_filter(f"Operator {op} requires values.")
        # string IN values must be given lower-case (they are compared to lower-cased data)
        wanted = {str(v) if prop.type in ("enumeration", "string") else _typed(prop, v) for v in values}

        def isin(r: Record) -> bool:
            v = get(r)
            if v is None:
                return False
            if multi:
                return any(p in wanted for p in v.split(";"))
            return (v.lower() if prop.type == "string" else _typed(prop, v)) in wanted
        return isin if op == "IN" else (lambda r: not isin(r))
    if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        if "value" not in f:
            raise _bad_filter(f"Operator {op} requires a value.")
        pattern = str(f["value"]).lower()

        def contains(r: Record) -> bool:
            v = get(r)
            if v is None:
                return False
            low = v.lower()
            tokens = [x for x in TOKEN_SPLIT.split(low) if x]
            if "*" in pattern:
                return fnmatch.fnmatchcase(low, pattern) or any(fnmatch.fnmatchcase(x, pattern) for x in tokens)
            return pattern == low or pattern in tokens
        return contains if op == "CONTAINS_TOKEN" else (lambda r: not contains(r))
    if "value" not in f:
        raise _bad_filter(f"Operator {op} requires a value.")
    low = _typed(prop, f["value"])
    if low is None:
        raise _bad_filter(f"{f['value']} is not a valid value for property {name}.")
    if op == "BETWEEN":
        if "highValue" not in f:
            raise _bad_filter("Operator BETWEEN requires a highValue.")
        high = _typed(prop, f["highValue"])
        return lambda r: _cmp(prop, get(r), lambda v: low <= v <= high)
    if op in ("EQ", "NEQ"):
        if multi:
            eq = lambda r: get(r) is not None and str(f["value"]) in get(r).split(";")  # noqa: E731
        else:
            eq = lambda r: _cmp(prop, get(r), lambda v: v == low)  # noqa: E731
        return eq if op == "EQ" else (lambda r: not eq(r))
    compare = {"LT": lambda v: v < low, "LTE": lambda v: v <= low,
               "GT": lambda v: v > low, "GTE": lambda v: v >= low}[op]
    return lambda r: _cmp(prop, get(r), compare)


def _cmp(prop: PropertyDef, stored: str | None, test: Callable[[Any], bool]) -> bool:
    v = _typed(prop, stored)
    if v is None:
        return False
    try:
        return bool(test(v))
    except TypeError:
        return False


def _association_pred(portal: Portal, t: ObjectType, other: str, op: str, f: dict) -> Pred:
    u = portal.types.find(other) or portal.types.find(other + "s")
    if u is None or u.custom:
        raise _bad_filter(f"Association filter on {other} is not supported.")
    if op not in ("EQ", "IN"):
        raise _bad_filter(f"Operator {op} is not supported for association filters.")
    given = [f.get("value")] if op == "EQ" else bodies.opt_list(f, "values", "filters[].")
    ids = {int(v) for v in (str(x) for x in given) if bodies.is_id(v)}
    side = portal.edges.out.get((t.type_id, u.type_id), {})
    return lambda r: any(y in ids for y in side.get(r.id, {}))


def _query_pred(t: ObjectType, query: str) -> Pred:
    words = [w for w in TOKEN_SPLIT.split(query.lower()) if w]
    fields = t.searchable

    def match(r: Record) -> bool:
        tokens: list[str] = []
        for n in fields:
            v = r.props.get(n)
            if v:
                low = v.lower()
                tokens.append(low)
                tokens.extend(x for x in TOKEN_SPLIT.split(low) if x)
                tokens.extend(x for x in re.split(r"[@.\-_]", low) if x)
        return all(any(tok.startswith(w) for tok in tokens) for w in words)
    return match


def compile_request(portal: Portal, t: ObjectType, body: dict[str, Any]) -> tuple[Pred | None, int, int, Any]:
    """Validate the request; returns (predicate, after, limit, sort key fn or None)."""
    opts = portal.options
    groups = bodies.objects(body, "filterGroups")
    if body.get("filters"):
        groups = groups + [{"filters": body["filters"]}]
    groups = [{"filters": bodies.objects(g, "filters", f"filterGroups[{i}].")} for i, g in enumerate(groups)]
    total = sum(len(g["filters"]) for g in groups)
    if len(groups) > opts.search_max_groups or total > opts.search_max_filters or any(
            len(g.get("filters") or []) > opts.search_max_filters_per_group for g in groups):
        raise errors.validation(
            f"Too many filters: at most {opts.search_max_groups} filterGroups with at most "
            f"{opts.search_max_filters_per_group} filters each and {opts.search_max_filters} filters "
            f"in total are allowed (got {len(groups)} groups, {total} filters).")
    compiled = [[_filter_pred(portal, t, f) for f in g["filters"]] for g in groups]
    preds: list[Pred] = []
    if compiled:
        preds.append(lambda r: any(all(p(r) for p in g) for g in compiled))
    query = body.get("query")
    if query:
        if len(str(query)) > MAX_QUERY:
            raise errors.validation(f"Search query is longer than {MAX_QUERY} characters.")
        preds.append(_query_pred(t, str(query)))
    try:
        limit = int(body.get("limit") if body.get("limit") is not None else 10)
        after = bodies.as_int(body.get("after") or 0, "after")
    except (TypeError, ValueError, OverflowError, errors.ApiError):
        raise errors.validation("limit and after must be integers.")
    if limit < 1 or limit > MAX_LIMIT:
        raise errors.validation(f"limit must be between 1 and {MAX_LIMIT} (got {limit}).")
    if after < 0:
        raise errors.validation("after must not be negative.")
    if after >= MAX_RESULTS:
        raise errors.validation(
            f"The search API returns at most {MAX_RESULTS} results per query; "
            f"after={after} is beyond that. Narrow the query (e.g. by last-modified date) instead.")
    sort = _sort_key(portal, t, bodies.opt_list(body, "sorts"))
    pred = None
    if preds:
        pred = preds[0] if len(preds) == 1 else (lambda r: all(p(r) for p in preds))
    return pred, after, limit, sort


def _sort_key(portal: Portal, t: ObjectType, sorts: list[Any]) -> Any:
    if len(sorts) > 1:
        raise errors.validation("Only one sort is supported.")
    if not sorts:
        return None
    s = sorts[0]
    if isinstance(s, str):
        name, desc = s.lstrip("-"), s.startswith("-")
    else:
        s = bodies.obj(s, "sorts[0]")
        name = bodies.opt_str(s, "propertyName", "sorts[0].")
        desc = str(s.get("direction", "ASCENDING")).upper() == "DESCENDING"
    prop = portal.catalog.get(t.type_id, name or "")
    if prop is None:
        raise errors.validation(f"Cannot sort by {name}: property does not exist.")

    if name == ID_PROPERTY:
        return (lambda r: (False, r.id, r.id)), desc   # every record has its id: a number

    def key(r: Record) -> tuple:
        v = _typed(prop, r.props.get(name))
        return (v is None, v if v is not None else 0, r.id)
    return key, desc


def run(portal: Portal, t: ObjectType, body: dict[str, Any]) -> tuple[int, list[Record], int | None]:
    """(total, page of records, next offset or None). Caller holds the portal lock."""
    pred, after, limit, sort = compile_request(portal, t, body)
    view = portal.store(t).searchable(portal.clock.peek_ms())
    matched = [r for r in view if pred is None or pred(r)]
    if sort is not None:
        key, desc = sort
        matched.sort(key=key)
        if desc:
            present = [r for r in matched if not key(r)[0]]
            absent = [r for r in matched if key(r)[0]]
            present.reverse()
            matched = present + absent
    page = matched[after:after + limit]
    nxt = after + limit if after + limit < len(matched) else None
    return len(matched), page, nxt
