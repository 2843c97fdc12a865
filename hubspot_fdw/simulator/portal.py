"""The simulated HubSpot portal: builds and owns all state behind one lock.

Types, property catalog, owners, pipelines, association definitions and edges,
custom object schemas, per-type record stores, the clock and the search index
lag. Does not speak HTTP and does not implement write rules (writes.py).
"""

from __future__ import annotations

import threading
from typing import Any

from hubspot_fdw.simulator import errors, hubspot_facts, profiles
from hubspot_fdw.simulator.bodies import is_id
from hubspot_fdw.simulator.associations import STANDARD, AssociationRegistry, AssociationStore
from hubspot_fdw.simulator.clock import Clock
from hubspot_fdw.simulator.config import SimulatorOptions
from hubspot_fdw.simulator.groups import GroupStore
from hubspot_fdw.simulator.objecttypes import ObjectType, TypeRegistry, custom_type, record_url, standard_types
from hubspot_fdw.simulator.owners import Owner, seed_owners
from hubspot_fdw.simulator.pipelines import Pipeline, seed_pipelines
from hubspot_fdw.simulator.properties import Option, PropertyCatalog
from hubspot_fdw.simulator.records import Record
from hubspot_fdw.simulator.schemas import Schema
from hubspot_fdw.simulator.seed import START_MS, SeedContext, Seeder
from hubspot_fdw.simulator.standard_properties import SPECS, common
from hubspot_fdw.simulator.store import TypeStore

PIPELINE_PROPERTIES = {"0-3": ("pipeline", "dealstage")}  # other types: hs_pipeline, hs_pipeline_stage
CUSTOM = (  # name, objectTypeId suffix offset, singular, plural, primary display, searchable
    ("cars", 0, "Car", "Cars", "vin", ("vin", "model")),
    ("service_requests", 1, "Service request", "Service requests", "request_name", ("request_name",)),
)
CUSTOM_ORDINAL = 14  # seeded ids of custom objects: after the first standard types
USER_LABELS = (  # from type, to type, key, label, inverse label
    ("contacts", "companies", "billing_contact", "Billing contact", "Billed company"),
    ("deals", "contacts", "decision_maker", "Decision maker", "Decision maker"),
    ("cars", "contacts", "car_owner", "Car owner", "Owned car"),
)


class Portal:
    def __init__(self, options: SimulatorOptions) -> None:
        self.options = options
        self.portal_id = options.portal_id
        self.lock = threading.RLock()
        self.clock = Clock()
        self.index_lag_ms = options.index_lag_ms
        self.extra_lag_ms = 0
        self.types = TypeRegistry()
        self.catalog = PropertyCatalog()
        self.registry = AssociationRegistry()
        self.edges = AssociationStore(self.registry)
        self.groups = GroupStore(self.catalog)
        self.schemas: dict[str, Schema] = {}
        self.owners: list[Owner] = seed_owners(options.seed, options.owners)
        self.pipelines: dict[str, list[Pipeline]] = seed_pipelines()
        realistic = options.profile == "realistic"
        if realistic:
            profiles.add_pipelines(self.pipelines)
        self._build_types()
        self._build_properties()
        profile_seeded = profiles.define_properties(self.catalog, self.types.types) if realistic else {}
        self.catalog.external = self.external_options
        self._build_association_definitions()
        if realistic:
            for a, b, key, label, inverse in profiles.EXTRA_LABELS:
                ta, tb = self.types.named(a), self.types.named(b)
                self.registry.create_label(ta.type_id, ta.singular, tb.type_id, tb.singular, label, inverse, key)
        by_name = {t.name: t for t in self.types.types}
        self.seeder = Seeder(SeedContext(
            seed=options.seed, sizes=dict(options.sizes),
            owner_ids=[o.id for o in self.owners if not o.archived],
            deal_pipelines=[(p.id, [s.id for s in p.stages]) for p in self.pipelines["0-3"]],
            ticket_pipelines=[(p.id, [s.id for s in p.stages]) for p in self.pipelines["0-5"]],
            types=by_name))
        generate = self.seeder.record
        if realistic:
            generate = profiles.wrap_generator(generate, self.catalog, profile_seeded, options.seed)
        self.stores: dict[str, TypeStore] = {}
        for t in self.types.types:
            self.stores[t.type_id] = TypeStore(t, options.sizes.get(t.name, 0), generate, self._seed_lookup(t))
        self._seed_edges(by_name)
        if realistic:
            profiles.seed_label_edges(self)
        self.edges.on_change = self._association_changed

    # -- construction --------------------------------------------------------------------
    def _build_types(self) -> None:
        for t in standard_types():
            self.types.add(t)
        base = CUSTOM_ORDINAL
        for name, off, singular, plural, primary, searchable in CUSTOM:
            t = custom_type(name, f"2-{3465404 + off}", singular, plural, self.portal_id,
                            primary, searchable, base + off)
            self.types.add(t)
            created = START_MS - 30 * 86_400_000 + off * 3_600_000
            self.schemas[t.type_id] = Schema(t, primary, [], [primary], list(searchable),
                                             created, created)

    def _build_properties(self) -> None:
        for t in self.types.types:
            specs = SPECS.get(t.name, []) + common(t, t.create_prop, t.modified_prop,
                                                   t.mergeable, owner=t.name not in ("products", "line_items"))
            group = f"{t.singular}information"
            self.catalog.define(t.type_id, group, specs)
            hubspot_facts.align(self.catalog, t.type_id, t.name)

    def external_options(self, type_id: str, name: str) -> list[Option] | None:
        """The values an externalOptions property takes: owners' ids, the live pipelines'
        ids, their live stages' ids (HubSpot lists none of them with the property)."""
        if name == "hubspot_owner_id":
            return [Option(f"{o.first_name} {o.last_name} ({o.email})", o.id, i) for i, o in enumerate(self.owners)]
        pipe_prop, stage_prop = PIPELINE_PROPERTIES.get(type_id, ("hs_pipeline", "hs_pipeline_stage"))
        if name not in (pipe_prop, stage_prop) or type_id not in self.pipelines:
            return None
        pipes = sorted((p for p in self.pipelines[type_id] if not p.archived_ms), key=lambda p: (p.order, p.id))
        if name == pipe_prop:
            return [Option(p.label, p.id, i) for i, p in enumerate(pipes)]
        return [Option(s.label, s.id, i) for i, s in enumerate(st for p in pipes for st in p.live_stages())]

    def _build_association_definitions(self) -> None:
        reg = self.registry
        types = [t for t in self.types.types if t.name != "products"]
        for t in types:
            for u in types:
                a, b = t.singular, u.singular
                if (a, b) in STANDARD and reg.unlabeled(t.type_id, u.type_id) is None:
                    fwd, inv, prim, prim_inv = STANDARD[(a, b)]
                    reg.add_pair(t.type_id, a, u.type_id, b, fwd, inv, "HUBSPOT_DEFINED", None, None, "")
                    if prim is not None:
                        reg.add_pair(t.type_id, a, u.type_id, b, prim, prim_inv, "HUBSPOT_DEFINED",
                                     "Primary", "Primary", "primary")
        co = self.types.named("companies")
        reg.add_pair(co.type_id, "company", co.type_id, "company", 14, 13, "HUBSPOT_DEFINED",
                     "Parent Company", "Child Company", "parent")
        for i, t in enumerate(types):
            for u in types[i:]:
                reg.ensure_default(t.type_id, t.singular, u.type_id, u.singular)
        for a, b, key, label, inverse in USER_LABELS:
            ta, tb = self.types.named(a), self.types.named(b)
            reg.create_label(ta.type_id, ta.singular, tb.type_id, tb.singular, label, inverse, key)

    def _seed_edges(self, by_name: dict[str, ObjectType]) -> None:
        cache: dict[tuple, tuple] = {}
        out = self.edges.out
        for ft, tt, i, j, keys in self.seeder.edges():
            ck = (ft, tt, keys)
            hit = cache.get(ck)
            if hit is None:
                a, b = by_name[ft], by_name[tt]
                defs = [self.registry.by_key(a.type_id, b.type_id, k) for k in keys]
                hit = (a.type_id, b.type_id, a.id_base, b.id_base,
                       tuple(sorted(d.type_id for d in defs)), tuple(sorted(d.inverse for d in defs)))
                cache[ck] = hit
                out.setdefault((hit[0], hit[1]), {})
                out.setdefault((hit[1], hit[0]), {})
            ta, tb, ba, bb, fwd, inv = hit
            x, y = ba + i, bb + j
            if x == y and ta == tb:
                continue
            row = out[(ta, tb)].setdefault(x, {})
            row[y] = tuple(sorted(set(row[y]) | set(fwd))) if y in row else fwd
            row = out[(tb, ta)].setdefault(y, {})
            row[x] = tuple(sorted(set(row[x]) | set(inv))) if x in row else inv

    def _association_changed(self, a: str, x: int, b: str, y: int) -> None:
        """An association was added, relabelled or removed: HubSpot updates both records'
        association counts (num_associated_*), which bumps their last-modified."""
        from hubspot_fdw.simulator.writes import touch
        now = self.clock.now_ms()
        for type_id, rid in ((a, x), (b, y)):
            t = self.types.by_id(type_id)
            store = self.stores[type_id]
            rec = store.get(rid)
            if rec is not None:
                store.before_write(rec, rid, now, self.search_lag())
                touch(t, rec, now)

    def _seed_lookup(self, t: ObjectType):
        seeder = self.seeder
        if t.name == "contacts":
            return lambda prop, v: seeder.contact_email_index(v) if prop == "email" else None
        if t.name == "cars":
            return lambda prop, v: seeder.car_vin_index(v) if prop == "vin" else None
        return None

    # -- lookups used by routes ----------------------------------------------------------
    def object_type(self, key: str) -> ObjectType:
        t = self.types.find(key)
        if t is None:
            raise errors.unknown_object_type(key)
        return t

    def record_url(self, t: ObjectType, rid: int | str) -> str:
        return record_url(self.portal_id, t, rid)

    def store(self, t: ObjectType) -> TypeStore:
        return self.stores[t.type_id]

    def search_lag(self) -> int:
        return max(self.index_lag_ms, 0) + max(self.extra_lag_ms, 0)

    def find(self, t: ObjectType, object_id: str, id_property: str | None,
             archived: bool = False) -> Record | None:
        store = self.store(t)
        if id_property and id_property != "hs_object_id":
            prop = self.catalog.get(t.type_id, id_property)
            if prop is None or not (prop.unique or id_property == "email"):
                raise errors.validation(f"Property {id_property} is not a unique identifier property "
                                        f"for object type {t.type_id}.")
            rec = store.find_unique(id_property, object_id)
            if rec is not None and archived:
                return None
            if rec is None and archived:
                return next((r for r in store.records.values() if r.archived and not r.deleted
                             and (r.props.get(id_property) or "").lower() == object_id.lower()), None)
            return rec
        if not is_id(object_id):
            return None
        return store.get(int(object_id), archived)

    def must_find(self, t: ObjectType, object_id: str, id_property: str | None = None,
                  archived: bool = False) -> Record:
        rec = self.find(t, object_id, id_property, archived)
        if rec is None:
            if not is_id(object_id) and not id_property:
                raise errors.not_found_non_numeric(object_id)
            raise errors.not_found()
        return rec

    def stats(self) -> dict[str, Any]:
        return {t.name: {"objectTypeId": t.type_id, "seeded": self.store(t).seeded,
                         "created": len(self.store(t).created_ids),
                         "materialized": len(self.store(t).records)} for t in self.types.types}
