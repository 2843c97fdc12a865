"""A HubSpot client that keeps the metadata it was asked for.

Who builds a catalog and then needs the same listings again (the import's comments and
labels, the sync's first property refresh) wraps the client in ``RecordingClient``:
the schemas and property definitions the catalog listed stay at hand, and pipelines are
asked for once per object type. Every other call goes to the client unchanged.
"""

from __future__ import annotations

from typing import Any

from hubspot_fdw.api.models import ObjectSchema, Pipeline, PropertyDefinition


class RecordingClient:
    """The HubSpot client, keeping the schemas, property definitions and pipelines it
    returned (property definitions by the API path they were listed for)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.properties: dict[str, list[PropertyDefinition]] = {}
        self.schemas: list[ObjectSchema] = []
        self.pipelines: dict[str, list[Pipeline]] = {}

    def list_pipelines(self, object_type: str) -> list[Pipeline]:
        if object_type not in self.pipelines:
            self.pipelines[object_type] = list(self._client.list_pipelines(object_type))
        return self.pipelines[object_type]

    def list_properties(self, object_type: str, **kwargs: Any) -> list[PropertyDefinition]:
        found = self._client.list_properties(object_type, **kwargs)
        self.properties[object_type] = list(found)
        return found

    def list_schemas(self, **kwargs: Any) -> list[ObjectSchema]:
        found = self._client.list_schemas(**kwargs)
        self.schemas = list(found)
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)
