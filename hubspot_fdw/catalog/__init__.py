"""The catalog: HubSpot object types and properties → tables, columns and values.

Deliberately imports no HTTP code at import time beyond the api models.
"""

from hubspot_fdw.catalog.build import Catalog, build_catalog
from hubspot_fdw.catalog.columns import ColumnSpec, TableSpec, sql_type
from hubspot_fdw.catalog.convert import (
    ConversionError,
    ReadOnlyColumnError,
    row_to_properties,
    to_hubspot,
    to_python,
)
from hubspot_fdw.catalog.odd_values import OddValue, column_values, record_to_row
from hubspot_fdw.catalog.naming import association_table, snake_case
from hubspot_fdw.catalog.registry import STANDARD_TYPES, AssociationPair, ObjectType, Registry
from hubspot_fdw.catalog.sql import quote_ident, quote_literal

__all__ = [name for name in dir() if not name.startswith("_")]
