"""Write rules for CRM records: create, update, archive, restore, merge, GDPR delete.

Applies validation, unique values (contact email → 409, other unique → 400),
system properties, history, the last-modified bump (every value change, not
association changes), the search-index lag and dropping the record's cached JSON
(serialize.envelope_bytes). Callers hold `portal.lock`.
Does not parse HTTP or build batch envelopes.
"""

from __future__ import annotations

from typing import Any

from hubspot_fdw.simulator import bodies, errors, history
from hubspot_fdw.simulator.clock import iso_ms
from hubspot_fdw.simulator.objecttypes import ObjectType
from hubspot_fdw.simulator.portal import Portal
from hubspot_fdw.simulator.records import Record
from hubspot_fdw.simulator.validation import check_properties

SYSTEM = ("hs_object_id", "hs_object_source", "hs_merged_object_ids")


def _unique_props(portal: Portal, t: ObjectType) -> list[str]:
    return [p.name for p in portal.catalog.all(t.type_id) if p.unique]


def _check_unique(portal: Portal, t: ObjectType, changes: dict[str, str | None],
                  target_id: int, creating: bool) -> None:
    store = portal.store(t)
    for prop in _unique_props(portal, t):
        value = changes.get(prop)
        if not value:
            continue
        holder = store.find_unique(prop, value)
        if holder is None or holder.id == target_id:
            continue
        if creating and t.name == "contacts" and prop == "email":
            raise errors.conflict(f"Contact already exists. Existing ID: {holder.id}")
        raise errors.validation(
            f"Cannot set PropertyValueCoordinates{{portalId={portal.portal_id}, objectTypeId={t.type_id}, "
            f"propertyName={prop}, value={value}}} on {target_id}. {holder.id} already has that value.")


def _source(portal: Portal, source: str, user: int | None) -> history.Source:
    if source == "CRM_UI" or user is not None:
        return history.Source.user(user if user is not None else history.default_user(portal), source)
    return history.Source.of(source)


def _defaults(portal: Portal, t: ObjectType, props: dict[str, str]) -> None:
    if t.name == "deals":
        pipes = portal.pipelines["0-3"]
        pipe = next((p for p in pipes if p.id == props.get("pipeline")), pipes[0])
        props.setdefault("pipeline", pipe.id)
        props.setdefault("dealstage", pipe.stages[0].id)
    elif t.name == "tickets":
        pipe = portal.pipelines["0-5"][0]
        props.setdefault("hs_pipeline", pipe.id)
        props.setdefault("hs_pipeline_stage", pipe.stages[0].id)


def create(portal: Portal, t: ObjectType, properties: Any, associations: Any = None,
           source: str = "API", user: int | None = None) -> Record:
    store = portal.store(t)
    changes = check_properties(portal.catalog, t.type_id, properties, {}, t.name == "contacts",
                               portal.portal_id)
    rid = store.next_id
    _check_unique(portal, t, changes, rid, creating=True)
    links = resolve_associations(portal, t, associations)
    rid = store.new_id()
    now = portal.clock.now_ms()
    props = {k: v for k, v in changes.items() if v is not None}
    _defaults(portal, t, props)
    props["hs_object_id"] = str(rid)
    props[t.create_prop] = iso_ms(now)
    props[t.modified_prop] = iso_ms(now)
    props["hs_object_source"] = source
    if t.name == "tickets":
        props["hs_ticket_id"] = str(rid)
    rec = Record(rid, props, now, now)
    by = _source(portal, source, user)
    calc = history.Source.calculated()
    rec.history = {k: [history.Entry(v, now, calc if k in (t.create_prop, t.modified_prop) else by)]
                   for k, v in props.items()}
    store.before_write(None, rid, now, portal.search_lag())
    store.insert(rec)
    store.index_unique(rec, _unique_props(portal, t))
    for u, y, type_ids in links:
        portal.edges.add_types(t.type_id, rid, u.type_id, y, type_ids)
    return rec


def validate_create(portal: Portal, t: ObjectType, properties: Any, associations: Any = None) -> None:
    """Every check `create` makes, without writing (atomic batches validate first)."""
    changes = check_properties(portal.catalog, t.type_id, properties, {}, t.name == "contacts",
                               portal.portal_id)
    _check_unique(portal, t, changes, portal.store(t).next_id, creating=True)
    resolve_associations(portal, t, associations)


def validate_update(portal: Portal, t: ObjectType, rec: Record, properties: Any) -> None:
    changes = check_properties(portal.catalog, t.type_id, properties, rec.props,
                               t.name == "contacts", portal.portal_id)
    _check_unique(portal, t, changes, rec.id, creating=False)


def resolve_associations(portal: Portal, t: ObjectType, associations: Any) -> list[tuple[ObjectType, int, set[int]]]:
    """Create-time `associations` → (target type, id, typeIds); 400 when invalid."""
    if not associations:
        return []
    if not isinstance(associations, list):
        raise errors.validation("Invalid input JSON: associations must be a list.")
    out = []
    for i, a in enumerate(associations):
        a = bodies.obj(a, f"associations[{i}]")
        to_id = bodies.id_text(bodies.opt_obj(a, "to", f"associations[{i}].").get("id", ""),
                               f"associations[{i}].to.id")
        types = bodies.objects(a, "types", f"associations[{i}].")
        targets: dict[str, set[int]] = {}
        for j, spec in enumerate(types):
            tid = bodies.opt_int(spec, "associationTypeId", f"associations[{i}].types[{j}].", -1)
            hit = next(((b, d) for (x, b), defs in portal.registry.by_pair.items() if x == t.type_id
                        for d in defs if d.type_id == tid), None)
            if hit is None:
                raise errors.validation(f"{tid} is not a valid association type id for {t.name}.")
            targets.setdefault(hit[0], set()).add(tid)
        for b, tids in targets.items():
            u = portal.types.by_id(b)
            if not bodies.is_id(to_id) or not portal.store(u).is_live(int(to_id)):
                raise errors.validation(f"One or more associations are invalid: {u.singular} {to_id} "
                                        f"does not exist.", context={"ids": [to_id]})
            unl = portal.registry.unlabeled(t.type_id, b)
            out.append((u, int(to_id), tids | ({unl.type_id} if unl else set())))
    return out


def update(portal: Portal, t: ObjectType, rec: Record, properties: Any, source: str = "API",
           allow_read_only: bool = False, raw: bool = False, user: int | None = None) -> Record:
    """Apply a property update. ``raw`` (admin only) stores the strings unchecked, to
    reproduce values a portal may hold that its own validation would refuse today."""
    store = portal.store(t)
    if raw:
        changes = {str(k): (None if v is None else str(v)) for k, v in dict(properties or {}).items()}
    else:
        changes = check_properties(portal.catalog, t.type_id, properties, rec.props,
                                   t.name == "contacts", portal.portal_id, allow_read_only)
        _check_unique(portal, t, changes, rec.id, creating=False)
    real = {k: v for k, v in changes.items() if rec.props.get(k) != v}
    if not real:
        return rec
    now = portal.clock.now_ms()
    store.before_write(rec, rec.id, now, portal.search_lag())
    history.record_changes(portal, t, rec, real, now, _source(portal, source, user))
    _apply(rec, real)
    derived = {k: v for k, v in _calculated(portal, t, rec, real).items() if rec.props.get(k) != v}
    if derived:
        history.record_changes(portal, t, rec, derived, now, history.Source.calculated())
        _apply(rec, derived)
    touch(t, rec, now, portal)
    store.index_unique(rec, _unique_props(portal, t))
    return rec


def _apply(rec: Record, changes: dict[str, str | None]) -> None:
    for k, v in changes.items():
        if v is None:
            rec.props.pop(k, None)
        else:
            rec.props[k] = v


def _calculated(portal: Portal, t: ObjectType, rec: Record, changes: dict[str, str | None]) -> dict[str, str]:
    """Properties HubSpot recalculates after a change: a deal's closed flag and stage
    probability follow its stage (the stage's metadata)."""
    if t.name != "deals" or not ({"dealstage", "pipeline"} & set(changes)):
        return {}
    pipe = next((p for p in portal.pipelines.get("0-3", []) if p.id == rec.props.get("pipeline")), None)
    stage = next((s for s in pipe.stages if s.id == rec.props.get("dealstage")), None) if pipe else None
    if stage is None:
        return {}
    known = portal.catalog.names(t.type_id)
    out = {"hs_is_closed": stage.metadata.get("isClosed"),
           "hs_deal_stage_probability": stage.metadata.get("probability")}
    return {k: v for k, v in out.items() if v is not None and k in known}


def touch(t: ObjectType, rec: Record, now: int, portal: Portal | None = None) -> None:
    """The last-modified bump; HubSpot calculates that property (its history says CALCULATED)."""
    if portal is not None:
        history.record_changes(portal, t, rec, {t.modified_prop: iso_ms(now)}, now, history.Source.calculated())
    rec.cache = None
    rec.updated_ms = now
    rec.props[t.modified_prop] = iso_ms(now)


def archive(portal: Portal, t: ObjectType, rec: Record) -> None:
    now = portal.clock.now_ms()
    portal.store(t).before_write(rec, rec.id, now, portal.search_lag())
    rec.cache = None
    rec.archived = True
    rec.archived_ms = now


def restore(portal: Portal, t: ObjectType, rec: Record) -> None:
    now = portal.clock.now_ms()
    portal.store(t).before_write(rec, rec.id, now, portal.search_lag())
    rec.cache = None
    rec.archived = False
    rec.archived_ms = 0
    touch(t, rec, now)


def merge(portal: Portal, t: ObjectType, primary: Record, other: Record) -> Record:
    """The other record vanishes (not archived); the primary keeps its id, fills its empty
    values from the other, takes its associations and lists it in hs_merged_object_ids."""
    if primary.id == other.id:
        raise errors.validation("Cannot merge an object with itself.")
    store = portal.store(t)
    now = portal.clock.now_ms()
    lag = portal.search_lag()
    store.before_write(primary, primary.id, now, lag)
    store.before_write(other, other.id, now, lag)
    filled = {k: v for k, v in other.props.items()
              if k not in primary.props and k not in SYSTEM and k not in t.always}
    merged = [x for x in (primary.props.get("hs_merged_object_ids") or "").split(";") if x]
    merged += [x for x in (other.props.get("hs_merged_object_ids") or "").split(";") if x]
    merged.append(str(other.id))
    changes = {**filled, "hs_merged_object_ids": ";".join(merged)}
    history.record_changes(portal, t, primary, changes, now, history.Source.of("MERGE"))
    primary.props.update(changes)
    touch(t, primary, now, portal)
    other.cache = None
    other.deleted = True
    for u_tid, y, types in portal.edges.drop_record(t.type_id, other.id):
        if u_tid == t.type_id and y == primary.id:
            continue
        portal.edges.add_types(t.type_id, primary.id, u_tid, y, set(types))
    return primary


def gdpr_delete(portal: Portal, t: ObjectType, rec: Record) -> None:
    now = portal.clock.now_ms()
    portal.store(t).before_write(rec, rec.id, now, portal.search_lag())
    rec.cache = None
    rec.deleted = True
    portal.edges.drop_record(t.type_id, rec.id)
