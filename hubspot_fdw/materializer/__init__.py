"""The materializer: keeps the cache tables in step with HubSpot (docs/materializer.md).

Deliberately imports nothing heavy at import time; use ``engine.Materializer``.
"""
