"""The cache boundary shared by the materializer and the foreign tables (docs/internals/cache.md).

One definition of cache names, DDL, row building, hashing and upsert/delete SQL.
Deliberately not here: HTTP, deciding what to sync, running a sync loop.
"""

from hubspot_fdw.cache.ddl import (
    add_columns_sql,
    cache_columns,
    create_index_sql,
    create_schema_sql,
    create_table_sql,
    ensure_table_sql,
    existing_columns_sql,
    key_columns,
    last_modified_column,
)
from hubspot_fdw.cache.names import DEFAULT_CACHE_SCHEMA, cache_schema, index_name, qualified_table
from hubspot_fdw.cache.rows import (
    CacheRow,
    CastFailure,
    association_row,
    association_row_from,
    object_row,
    owner_row,
    pipeline_rows,
    sync_hash,
)
from hubspot_fdw.cache.runner import BackendRunner, PsycopgRunner, SqlRunner, to_pyformat
from hubspot_fdw.cache.upsert import (
    delete_by_keys_sql,
    delete_sql,
    prune_associations_sql,
    upsert_many_sql,
    row_columns,
    upsert_params,
    upsert_sql,
    upsert_statements,
)

__all__ = [name for name in dir() if not name.startswith("_")]
