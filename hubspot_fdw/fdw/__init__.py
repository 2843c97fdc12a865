"""The wrapper class ``HubSpotFdw`` (wrapper.py) and its parts: options, tables,
importer, live reads, cache reads and writes, write rules, errors.

Deliberately imports only the class; nothing here talks to HubSpot on import.
"""

from hubspot_fdw.fdw.wrapper import HubSpotFdw

__all__ = ["HubSpotFdw"]
