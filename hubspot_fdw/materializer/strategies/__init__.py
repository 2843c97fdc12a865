"""Which strategy syncs which kind of table: one registry line per kind.

A table's strategy is looked up once, from its ``TableSpec.kind`` (``for_spec``), or
from its name before the catalog is read (``for_name``: the first strategy other than
the default that claims the name, else the default, object tables). A new kind of
table is one new module here with its ``Strategy`` and one line in ``STRATEGIES``.

Deliberately not here: the interface (base.py), what each kind does (its module).
"""

from __future__ import annotations

from typing import Iterable

from hubspot_fdw.api.errors import HubSpotFdwError
from hubspot_fdw.catalog.columns import TableSpec
from hubspot_fdw.catalog.registry import Registry
from hubspot_fdw.materializer.strategies.associations import AssociationTables
from hubspot_fdw.materializer.strategies.base import Refreshed, Strategy
from hubspot_fdw.materializer.strategies.history import HistoryTables
from hubspot_fdw.materializer.strategies.metadata import MetadataTables
from hubspot_fdw.materializer.strategies.objects import ObjectTables

__all__ = ["DEFAULT", "STRATEGIES", "Refreshed", "Strategy", "catalog_types", "for_name", "for_spec"]

_METADATA = MetadataTables()

STRATEGIES: dict[str, Strategy] = {   # TableSpec.kind → its strategy
    "object": ObjectTables(),
    "owners": _METADATA,
    "pipelines": _METADATA,
    "pipeline_stages": _METADATA,
    "association": AssociationTables(),
    "history": HistoryTables(),
}
DEFAULT = "object"   # the kind of a table whose name no other strategy claims


def for_spec(spec: TableSpec) -> Strategy:
    try:
        return STRATEGIES[spec.kind]
    except KeyError:
        raise HubSpotFdwError(f'table "{spec.name}" cannot be synced: no sync strategy for its kind {spec.kind!r}',
                              sqlstate="0A000") from None


def for_name(name: str) -> Strategy:
    default = STRATEGIES[DEFAULT]
    return next((s for s in STRATEGIES.values() if s is not default and s.claims(name)), default)


def catalog_types(names: Iterable[str] | None) -> list[str] | None:
    """Object types whose properties a run over these tables needs (None: every type)."""
    if names is None:
        return None
    registry = Registry.standard()
    return sorted({t for name in names for t in for_name(name).catalog_types(name, registry)})
