"""The materializer: keeps the cache tables in step with HubSpot (docs/internals/materializer.md).

Deliberately imports nothing heavy at import time; use ``engine.Materializer``.
"""
