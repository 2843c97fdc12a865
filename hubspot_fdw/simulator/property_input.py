"""Property definitions from request bodies (Properties v3 create/update, schema create).

Checks every field's JSON type and value (name, type/fieldType pair, options) and
builds or changes a PropertyDef only once all checks pass, so a bad request never
leaves a half-changed definition. Does not store definitions (properties.py) and
does not route requests (routes_meta.py, routes_schemas.py).
"""

from __future__ import annotations

import re
from typing import Any

from hubspot_fdw.simulator import bodies, errors
from hubspot_fdw.simulator.properties import FIELD_TYPES, Option, PropertyDef

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
HUBSPOT_DEFINED_EDITABLE = {"options", "label", "description", "displayOrder"}


def parse_options(raw: Any, path: str = "options") -> list[Option]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise bodies.bad(path, "an array", raw)
    out = []
    for i, o in enumerate(raw):
        o = bodies.obj(o, f"{path}[{i}]")
        if "value" not in o or "label" not in o:
            raise errors.validation("Each option needs a label and a value.",
                                    errors=[{"message": "label and value are required", "code": "REQUIRED",
                                             "in": f"{path}[{i}]"}])
        where = f"{path}[{i}]."
        out.append(Option(bodies.scalar_text(o["label"], where + "label"), bodies.scalar_text(o["value"], where + "value"),
                          bodies.opt_int(o, "displayOrder", where, i), bodies.opt_bool(o, "hidden", where),
                          bodies.opt_str(o, "description", where, "") or ""))
    return out


def make_property(body: Any, now: int, path: str = "") -> PropertyDef:
    body = bodies.obj(body, path.rstrip(".") or "body")
    name = bodies.opt_str(body, "name", path)
    ptype = bodies.opt_str(body, "type", path, "string")
    ftype = bodies.opt_str(body, "fieldType", path, "text")
    if not name or not NAME_RE.match(name):
        raise errors.validation(f"Property name {name!r} is invalid: use lower-case letters, digits and "
                                "underscores, starting with a letter.")
    if ptype not in FIELD_TYPES:
        raise errors.validation(f"Invalid property type {ptype}; valid types are {sorted(FIELD_TYPES)}.")
    if ftype not in FIELD_TYPES[ptype]:
        raise errors.validation(f"fieldType {ftype} is not valid for type {ptype}; "
                                f"valid: {list(FIELD_TYPES[ptype])}.")
    options = parse_options(body.get("options"), f"{path}options")
    if ptype == "bool" and not options:
        options = [Option("Yes", "true", 0), Option("No", "false", 1)]
    if ptype == "enumeration" and not options:
        raise errors.validation("Enumeration properties need options.")
    return PropertyDef(name=name, label=bodies.opt_str(body, "label", path) or name, type=ptype, field_type=ftype,
                       group=bodies.opt_str(body, "groupName", path) or "custom", options=options,
                       unique=bodies.opt_bool(body, "hasUniqueValue", path), hubspot_defined=False,
                       description=bodies.opt_str(body, "description", path) or "",
                       hidden=bodies.opt_bool(body, "hidden", path),
                       form_field=bodies.opt_bool(body, "formField", path), created_ms=now, updated_ms=now)


def apply_update(prop: PropertyDef, body: dict[str, Any], now: int) -> None:
    """PATCH a property: validate the whole body, then change it."""
    if prop.hubspot_defined and set(body) - HUBSPOT_DEFINED_EDITABLE:
        raise errors.validation(f"{prop.name} is a HubSpot-defined property; only its label, "
                                "description and options can change.")
    label = bodies.opt_str(body, "label")
    description = bodies.opt_str(body, "description")
    group = bodies.opt_str(body, "groupName")
    hidden = bodies.opt_bool(body, "hidden", default=prop.hidden)
    order = bodies.opt_int(body, "displayOrder", default=prop.display_order)
    options = parse_options(body["options"]) if "options" in body else None
    if options is not None and prop.type == "enumeration" and not options:
        raise errors.validation("Enumeration properties need options.")
    ptype = bodies.opt_str(body, "type", default=prop.type)
    ftype = bodies.opt_str(body, "fieldType", default=prop.field_type)
    if ptype not in FIELD_TYPES or ftype not in FIELD_TYPES[ptype]:
        raise errors.validation(f"fieldType {ftype} is not valid for type {ptype}.")
    prop.label = label if label is not None else prop.label
    prop.description = description if description is not None else prop.description
    prop.group = group if group is not None else prop.group
    prop.hidden, prop.display_order, prop.type, prop.field_type = hidden, order, ptype, ftype
    if options is not None:
        prop.options = options
        prop._option_values = None
    prop.updated_ms = now
