"""hubspot_fdw: HubSpot CRM inside PostgreSQL.

Subpackages: host (the Python side of the C FDW host), api (the HubSpot HTTP
client), catalog (HubSpot types -> SQL tables), simulator (a local HubSpot),
materializer (the cache sync). The wrapper class ``HubSpotFdw`` is imported
lazily so that importing the package never pulls in the HTTP stack.
"""

# The one version number: the Python package's (pyproject.toml reads it), the
# extension's (hubspot_fdw.control default_version agrees) and the User-Agent's.
__version__ = "0.4.0"


def __getattr__(name: str):
    if name == "HubSpotFdw":
        from hubspot_fdw.fdw import HubSpotFdw

        return HubSpotFdw
    raise AttributeError(name)
