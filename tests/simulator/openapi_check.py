"""Validate simulator responses against HubSpot's published OpenAPI specs (openapi-core).

The spec folder is `$HUBSPOT_OPENAPI_DIR` (CI sets it);
`spec_dir()` returns None when it is unset or holds no specs (the tests then skip, saying so).
`ALLOW` is the allow-list: the places where HubSpot's spec and HubSpot's real answers
differ, applied as small patches to the loaded spec, each with its evidence. Nothing
else is relaxed. Does not start the simulator or send requests (the tests do).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import requests

# most specific first: a path is validated by the first spec that defines it
ORDER = ("contacts", "companies", "deals", "customObjects", "objects", "properties", "schemas", "crmOwners",
         "pipelines", "associations_v3", "associationsSchema_v3", "associations_v4", "associations_v4_flex",
         "associationsSchema_v4", "associationsSchema_v4_50914")


def spec_dir() -> Path | None:
    env = os.environ.get("HUBSPOT_OPENAPI_DIR")
    if env and (Path(env) / "contacts.json").is_file():
        return Path(env)
    return None


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)


def _json_errors(spec: dict[str, Any]) -> None:
    """Error bodies are declared as `*/*`; HubSpot sends them as application/json;charset=utf-8
    (every error body in hubspot-api.md §9 and the SDKs' JSON error parsing)."""
    for node in _walk(spec):
        content = node.get("content")
        if isinstance(content, dict) and "*/*" in content:
            content["application/json"] = content.pop("*/*")


def _null_property_values(spec: dict[str, Any]) -> None:
    """Unset properties asked for come back as null: `"phone": null` (hubspot-api.md §2.2,
    "known-but-empty as null"; the official SDK models them as Optional[str])."""
    for node in _walk(spec):
        props = node.get("properties")
        if isinstance(props, dict) and isinstance(props.get("properties"), dict):
            extra = props["properties"].get("additionalProperties")
            if isinstance(extra, dict) and extra.get("type") == "string":
                extra["nullable"] = True


def _null_labels(spec: dict[str, Any]) -> None:
    """The unlabeled association type has `"label": null` (hubspot-api.md §7.3 examples:
    `{"category":"HUBSPOT_DEFINED","typeId":279,"label":null}`)."""
    for name, schema in spec.get("components", {}).get("schemas", {}).items():
        label = schema.get("properties", {}).get("label")
        if label is not None and ("Association" in name or "Configuration" in name):
            label["nullable"] = True


def _integer_object_ids(spec: dict[str, Any]) -> None:
    """v4 `toObjectId`/`fromObjectId` are JSON integers on the wire; the 130902 rollout
    says string, the 50914 rollout says integer (hubspot-api.md §7.3 examples)."""
    for node in _walk(spec):
        props = node.get("properties")
        if isinstance(props, dict):
            for key in ("toObjectId", "fromObjectId"):
                if isinstance(props.get(key), dict) and props[key].get("type") == "string":
                    props[key] = {"anyOf": [{"type": "string"}, {"type": "integer"}]}


def _archived_owner_user_id(spec: dict[str, Any]) -> None:
    """Archived owners have `"userId": null` (hubspot-api.md §3.2; deactivated users keep
    only `userIdIncludingInactive`)."""
    owner = spec.get("components", {}).get("schemas", {}).get("PublicOwner")
    if owner is not None:
        owner["properties"]["userId"]["nullable"] = True


def _batch_error_entries(spec: dict[str, Any]) -> None:
    """Batch 207 error entries may omit `errors` and `links` (hubspot-api.md §2.7: the
    not-found entry is {status, category, message, context})."""
    schema = spec.get("components", {}).get("schemas", {}).get("StandardError")
    if schema is not None:
        schema["required"] = [x for x in schema.get("required", []) if x not in ("errors", "links")]


def _empty_content(spec: dict[str, Any]) -> None:
    """`"content": {}` (204 answers) means no body; openapi-core would demand one."""
    for node in _walk(spec):
        if node.get("content") == {}:
            del node["content"]


def _string_sub_category(spec: dict[str, Any]) -> None:
    """Batch error entries carry `subCategory` as a string, e.g.
    "crm.associations.NO_ASSOCIATIONS_FOUND" (hubspot-api.md §7.3); the spec says object."""
    schema = spec.get("components", {}).get("schemas", {}).get("StandardError")
    if schema is not None and "subCategory" in schema.get("properties", {}):
        schema["properties"]["subCategory"] = {"anyOf": [{"type": "string"}, {"type": "object"}]}


def _bare_not_found(spec: dict[str, Any]) -> None:
    """A numeric id that does not exist answers 404 without `category`:
    `{"status":"error","message":"resource not found","correlationId":"…"}` (hubspot-api.md §2.3, §9)."""
    schema = spec.get("components", {}).get("schemas", {}).get("Error")
    if schema is not None:
        schema["required"] = [x for x in schema.get("required", []) if x != "category"]


# name → patch. 429 bodies carry `errorType`/`policyName`, not `category` (hubspot-api.md
# §8): they are checked by check_429 instead of the spec's Error schema.
ALLOW: dict[str, Callable[[dict[str, Any]], None]] = {
    "error bodies are JSON": _json_errors,
    "unset properties are null": _null_property_values,
    "association label may be null": _null_labels,
    "v4 object ids are integers": _integer_object_ids,
    "archived owners have userId null": _archived_owner_user_id,
    "batch error entries without errors/links": _batch_error_entries,
    "404 of a numeric id has no category": _bare_not_found,
    "204 has no body": _empty_content,
    "batch subCategory is a string": _string_sub_category,
}
# paths HubSpot serves under a second prefix that the specs describe once (hubspot-api.md §6)
ALIASES = {"/crm/v3/schemas": "/crm-object-schemas/v3/schemas"}


def check_429(body: dict[str, Any]) -> list[str]:
    want = {"status": "error", "errorType": "RATE_LIMIT"}
    problems = [f"{k} != {v!r}" for k, v in want.items() if body.get(k) != v]
    for key in ("message", "correlationId", "policyName"):
        if not isinstance(body.get(key), str):
            problems.append(f"{key} missing")
    return problems


@dataclass
class Outcome:
    spec: str | None          # which spec validated it (None: no spec defines the path)
    problems: list[str]


class Checker:
    def __init__(self, folder: Path, base_url: str) -> None:
        from openapi_core import Config, OpenAPI

        self.apis: list[tuple[str, Any]] = []
        self.operations: list[tuple[str, str, str]] = []     # (spec, METHOD, path template)
        for name in ORDER:
            spec = json.loads((folder / f"{name}.json").read_text())
            for patch in ALLOW.values():
                patch(spec)
            spec["servers"] = [{"url": base_url}]
            for path, ops in spec["paths"].items():
                for method in ops:
                    if method in ("get", "post", "put", "patch", "delete"):
                        self.operations.append((name, method.upper(), path))
            self.apis.append((name, OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))))

    def check(self, response: requests.Response) -> Outcome:
        from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
        from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound

        if response.status_code == 429:
            return Outcome("rate-limit", check_429(response.json()))
        prepared = response.request
        path = requests.utils.urlparse(prepared.url).path
        if path.endswith("/") and len(path) > 1:
            # HubSpot ignores a trailing slash (the SDK lists owners at /crm/v3/owners/,
            # hubspot-api.md §3.2); without this, "…/companies/" would match "{companyId}" = ""
            prepared = prepared.copy()
            prepared.url = prepared.url.replace(path, path.rstrip("/"), 1)
            path = path.rstrip("/")
        for alias, real in ALIASES.items():
            if path == alias or path.startswith(alias + "/"):
                prepared = prepared.copy()
                prepared.url = prepared.url.replace(alias, real, 1)
        req = RequestsOpenAPIRequest(prepared)
        resp = RequestsOpenAPIResponse(response)
        for name, api in self.apis:
            try:
                api.validate_response(req, resp)
            except (PathNotFound, OperationNotFound):
                continue
            except Exception as exc:      # a validation error: report what and where
                cause = exc.__cause__ or exc
                detail = "; ".join(str(e.message)[:200] for e in getattr(cause, "schema_errors", ())[:3])
                return Outcome(name, [f"{type(exc).__name__}: {detail or str(cause)[:300]}"])
            return Outcome(name, [])
        return Outcome(None, [])
