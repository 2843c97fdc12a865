"""The facade: ``HubSpotClient``, one method per HubSpot call the product makes.

Construction wires the shared pieces: one transport (session, timeouts, the retry
rule), and the portal's shared rate budget. ``with_priority`` gives the materializer a
view of the same client that draws from the budget as incremental or backfill.

Deliberately not here: request details (the endpoint modules), SQL (catalog, FDW).
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Mapping, Sequence

from hubspot_fdw.api import account as _account
from hubspot_fdw.api import associations as _assoc
from hubspot_fdw.api import history as _history
from hubspot_fdw.api import objects as _objects
from hubspot_fdw.api import owners as _owners
from hubspot_fdw.api import pipelines as _pipelines
from hubspot_fdw.api import properties as _properties
from hubspot_fdw.api import schemas as _schemas
from hubspot_fdw.api import search as _search
from hubspot_fdw.api.budget import BudgetConfig, Priority, RateBudget
from hubspot_fdw.api.errors import HubSpotNotFoundError
from hubspot_fdw.api.models import (
    Association,
    AssociationType,
    BatchResult,
    HubSpotObject,
    ObjectSchema,
    Owner,
    Page,
    Pipeline,
    PropertyDefinition,
)
from hubspot_fdw.api.retry import RetryPolicy
from hubspot_fdw.api.search import FilterLike
from hubspot_fdw.api.session import Timeouts
from hubspot_fdw.api.transport import Transport

DEFAULT_BASE_URL = "https://api.hubapi.com"


class HubSpotClient:
    """Every HubSpot endpoint the FDW and the materializer need, as one call each."""

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        access_token: str = "",
        *,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        budget: RateBudget | BudgetConfig | None = None,
        use_budget: bool = True,
        priority: Priority = Priority.INTERACTIVE,
        max_url_length: int = _objects.DEFAULT_MAX_URL_LENGTH,
        transport: Transport | None = None,
    ) -> None:
        if transport is None:
            if isinstance(budget, RateBudget) or not use_budget:
                shared = budget if isinstance(budget, RateBudget) else None
            else:
                shared = RateBudget.for_portal(base_url, access_token, budget)
            transport = Transport(base_url, access_token, timeouts=timeouts, retry=retry, budget=shared,
                                  priority=priority)
        self.transport = transport
        self.max_url_length = max_url_length

    def __repr__(self) -> str:
        return f"HubSpotClient(base_url={self.transport.base_url!r}, access_token='[REDACTED]')"

    @property
    def budget(self) -> RateBudget | None:
        return self.transport.budget

    def with_priority(self, priority: Priority) -> "HubSpotClient":
        """The same client (session, budget) drawing from the budget at ``priority``."""
        return HubSpotClient(transport=self.transport.with_priority(priority), max_url_length=self.max_url_length)

    # -- account ---------------------------------------------------------------
    def account_details(self) -> _account.AccountDetails:
        """The portal id (``GET /account-info/v3/details``)."""
        return _account.details(self.transport)

    # -- objects ---------------------------------------------------------------
    def get_object(self, object_type: str, object_id: str, *, properties: Sequence[str] | None = None,
                   associations: Sequence[str] | None = None, archived: bool = False,
                   id_property: str | None = None) -> HubSpotObject:
        return _objects.get(self.transport, object_type, object_id, properties=properties,
                            associations=associations, archived=archived, id_property=id_property,
                            max_url_length=self.max_url_length)

    def find_object(self, object_type: str, object_id: str, **kwargs: Any) -> HubSpotObject | None:
        """Like ``get_object`` but None when the record does not exist."""
        try:
            return self.get_object(object_type, object_id, **kwargs)
        except HubSpotNotFoundError:
            return None

    def list_page(self, object_type: str, *, properties: Sequence[str] | None = None, after: str | None = None,
                  limit: int = _objects.LIST_LIMIT, archived: bool = False,
                  associations: Sequence[str] | None = None) -> Page:
        return _objects.list_page(self.transport, object_type, properties=properties, after=after, limit=limit,
                                  archived=archived, associations=associations,
                                  max_url_length=self.max_url_length)

    def iter_pages(self, object_type: str, *, properties: Sequence[str] | None = None, after: str | None = None,
                   limit: int = _objects.LIST_LIMIT, archived: bool = False,
                   associations: Sequence[str] | None = None) -> Iterator[Page]:
        return _objects.iter_pages(self.transport, object_type, properties=properties, after=after, limit=limit,
                                   archived=archived, associations=associations,
                                   max_url_length=self.max_url_length)

    def iter_objects(self, object_type: str, *, properties: Sequence[str] | None = None,
                     archived: bool = False, associations: Sequence[str] | None = None) -> Iterator[HubSpotObject]:
        return _objects.iter_objects(self.transport, object_type, properties=properties, archived=archived,
                                     associations=associations, max_url_length=self.max_url_length)

    def iter_archived(self, object_type: str, *, properties: Sequence[str] | None = None) -> Iterator[HubSpotObject]:
        """The archived (deleted) records of a type, for delete detection."""
        return self.iter_objects(object_type, properties=properties, archived=True)

    def batch_read(self, object_type: str, ids: Iterable[str], *, properties: Sequence[str] | None = None,
                   id_property: str | None = None, archived: bool = False) -> Iterator[HubSpotObject]:
        return _objects.batch_read(self.transport, object_type, ids, properties=properties,
                                   id_property=id_property, archived=archived)

    def history_page(self, object_type: str, properties: Sequence[str], *, after: str | None = None,
                     limit: int = _history.HISTORY_PAGE_LIMIT) -> _history.HistoryPage:
        return _history.history_page(self.transport, object_type, properties, after=after, limit=limit)

    def batch_read_history(self, object_type: str, ids: Iterable[str],
                           properties: Sequence[str]) -> Iterator[_history.PropertyChange]:
        return _history.batch_read_history(self.transport, object_type, ids, properties)

    def create_object(self, object_type: str, properties: Mapping[str, str],
                      associations: Sequence[Mapping[str, Any]] | None = None) -> HubSpotObject:
        return _objects.create(self.transport, object_type, properties, associations)

    def batch_create(self, object_type: str, inputs: Sequence[Mapping[str, str]]) -> BatchResult:
        return _objects.batch_create(self.transport, object_type, inputs)

    def update_object(self, object_type: str, object_id: str, properties: Mapping[str, str], *,
                      id_property: str | None = None) -> HubSpotObject:
        return _objects.update(self.transport, object_type, object_id, properties, id_property=id_property)

    def batch_update(self, object_type: str, inputs: Sequence[tuple[str, Mapping[str, str]]]) -> BatchResult:
        return _objects.batch_update(self.transport, object_type, inputs)

    def archive_object(self, object_type: str, object_id: str) -> None:
        _objects.archive(self.transport, object_type, object_id)

    def batch_archive(self, object_type: str, ids: Sequence[str]) -> None:
        _objects.batch_archive(self.transport, object_type, ids)

    # -- search ----------------------------------------------------------------
    def search(self, object_type: str, *, filter_groups: Sequence[Sequence[FilterLike]] = (),
               sort: tuple[str, str] | None = None, properties: Sequence[str] | None = None,
               query: str | None = None, limit: int | None = None) -> Iterator[HubSpotObject]:
        """Matching records, lazily; with ``limit``, pages of at most that many."""
        size = min(_search.PAGE_LIMIT, limit) if limit else _search.PAGE_LIMIT
        return _search.search(self.transport, object_type, filter_groups=filter_groups, sort=sort,
                              properties=properties, query=query, limit=limit, page_size=size)

    def search_page(self, object_type: str, *, filter_groups: Sequence[Sequence[FilterLike]] = (),
                    sorts: Sequence[tuple[str, str]] = (), properties: Sequence[str] | None = None,
                    query: str | None = None, limit: int = _search.PAGE_LIMIT,
                    after: str | None = None) -> tuple[Page, int]:
        return _search.search_page(self.transport, object_type, filter_groups=filter_groups, sorts=sorts,
                                   properties=properties, query=query, limit=limit, after=after)

    def count(self, object_type: str, filter_groups: Sequence[Sequence[FilterLike]] = ()) -> int:
        return _search.count(self.transport, object_type, filter_groups)

    def search_modified_since(self, object_type: str, last_modified_property: str, since_ms: int, *,
                              properties: Sequence[str] | None = None) -> Iterator[HubSpotObject]:
        return _search.modified_since(self.transport, object_type, last_modified_property, since_ms,
                                      properties=properties)

    # -- metadata --------------------------------------------------------------
    def list_properties(self, object_type: str, *, archived: bool = False) -> list[PropertyDefinition]:
        return _properties.list_properties(self.transport, object_type, archived=archived)

    def get_property(self, object_type: str, name: str) -> PropertyDefinition:
        return _properties.get_property(self.transport, object_type, name)

    def list_schemas(self, *, archived: bool = False) -> list[ObjectSchema]:
        return _schemas.list_schemas(self.transport, archived=archived)

    def get_schema(self, object_type: str) -> ObjectSchema:
        return _schemas.get_schema(self.transport, object_type)

    def owners_page(self, *, after: str | None = None, limit: int = _owners.PAGE_LIMIT,
                    archived: bool = False) -> Page:
        return _owners.list_page(self.transport, after=after, limit=limit, archived=archived)

    def iter_owners(self, *, archived: bool = False) -> Iterator[Owner]:
        return _owners.iter_owners(self.transport, archived=archived)

    def get_owner(self, owner_id: str, *, archived: bool = False) -> Owner:
        return _owners.get_owner(self.transport, owner_id, archived=archived)

    def list_pipelines(self, object_type: str) -> list[Pipeline]:
        return _pipelines.list_pipelines(self.transport, object_type)

    def get_pipeline(self, object_type: str, pipeline_id: str) -> Pipeline:
        return _pipelines.get_pipeline(self.transport, object_type, pipeline_id)

    # -- associations ------------------------------------------------------------
    def association_labels(self, from_type: str, to_type: str) -> list[AssociationType]:
        return _assoc.labels(self.transport, from_type, to_type)

    def batch_read_associations(self, from_type: str, to_type: str, ids: Iterable[str]) -> Iterator[Association]:
        return _assoc.batch_read(self.transport, from_type, to_type, ids)

    def iter_record_associations(self, from_type: str, from_id: str, to_type: str) -> Iterator[Association]:
        return _assoc.iter_record(self.transport, from_type, from_id, to_type)

    def create_association(self, from_type: str, from_id: str, to_type: str, to_id: str,
                           types: Sequence[AssociationType] | None = None) -> Association:
        return _assoc.create(self.transport, from_type, from_id, to_type, to_id, types)

    def archive_association(self, from_type: str, from_id: str, to_type: str, to_id: str) -> None:
        _assoc.archive(self.transport, from_type, from_id, to_type, to_id)

    def batch_create_associations(self, from_type: str, to_type: str,
                                  inputs: Sequence[tuple[str, str, Sequence[AssociationType]]]) -> list[Any]:
        return _assoc.batch_create(self.transport, from_type, to_type, inputs)

    def batch_archive_associations(self, from_type: str, to_type: str, pairs: Sequence[tuple[str, str]]) -> None:
        _assoc.batch_archive(self.transport, from_type, to_type, pairs)

    def archive_association_labels(self, from_type: str, to_type: str,
                                   inputs: Sequence[tuple[str, str, Sequence[AssociationType]]]) -> None:
        _assoc.archive_labels(self.transport, from_type, to_type, inputs)
