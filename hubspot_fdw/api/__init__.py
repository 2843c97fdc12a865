"""The HubSpot HTTP client: ``HubSpotClient`` (client.py) plus its parts.

Deliberately imports only the public names; nothing here sends requests on import.
"""

from hubspot_fdw.api.budget import BudgetConfig, Pool, Priority, RateBudget
from hubspot_fdw.api.client import HubSpotClient
from hubspot_fdw.api.errors import (
    HubSpotAuthenticationError,
    HubSpotConflictError,
    HubSpotConnectionError,
    HubSpotError,
    HubSpotFdwError,
    HubSpotNotFoundError,
    HubSpotPermissionError,
    HubSpotPropertyValueError,
    HubSpotProtocolError,
    HubSpotRateLimitError,
    HubSpotTimeoutError,
    HubSpotUnavailableError,
    HubSpotUsageError,
    HubSpotValidationError,
    HubSpotWriteUncertainError,
)
from hubspot_fdw.api.models import (
    Association,
    AssociationType,
    BatchResult,
    HubSpotObject,
    ObjectSchema,
    Owner,
    Page,
    Pipeline,
    PipelineStage,
    PropertyDefinition,
)
from hubspot_fdw.api.retry import RetryPolicy
from hubspot_fdw.api.search import Filter
from hubspot_fdw.api.session import Timeouts

__all__ = [name for name in dir() if not name.startswith("_")]
