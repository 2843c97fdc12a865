"""Wrapper the upstream-path benchmark loads into the backend (see multicorn_cache_reads.py).

``ThroughCacheDsn`` is HubSpotFdw reading the cache the way it must under upstream
Multicorn2: through cache_dsn (a psycopg2 server-side cursor in a second session), every
row a Python dict converted to a tuple by the host, value by value.
"""

from __future__ import annotations

from hubspot_fdw.fdw import HubSpotFdw, cache_reads
from hubspot_fdw.fdw.live import window


class ThroughCacheDsn(HubSpotFdw):
    def execute(self, quals, columns, sortkeys=None, limit=None, offset=None):
        fetch = None if limit is None else limit + (offset or 0)
        scan = cache_reads.build(self.table, self.column_types, quals, set(columns), list(sortkeys or []),
                                 fetch, self.options.cache_schema)
        return window(cache_reads._psycopg_rows(self.options, scan), limit, offset)
