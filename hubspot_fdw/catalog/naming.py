"""Names users see: table names, association table names, column names.

- Object tables: the plural snake_case name (``contacts``, ``line_items``, custom
  ``service_requests`` from the plural label).
- Association tables: ``associations_<a>_<b>``, singular names in alphabetical order,
  one per unordered pair (``association_table("deal", "company")`` and
  ``("company", "deal")`` give the same name); columns ``<a>_id``, ``<b>_id``.
- Property columns: the internal name; a property whose name collides with a fixed
  column (``id``, ``created_at``, ``updated_at``, ``archived``, ``_sync_*``) becomes
  ``prop_<name>`` (then ``prop_<name>_2``... if that is taken too).

Deliberately not here: quoting (sql.py), types (columns.py).
"""

from __future__ import annotations

import re
from typing import Iterable

FIXED_COLUMNS = ("id", "created_at", "updated_at", "archived", "_sync_hash", "_sync_inserted_at",
                 "_sync_updated_at")

_NON_WORD = re.compile(r"[^0-9a-zA-Z]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def snake_case(text: str) -> str:
    """``"Service requests"`` → ``service_requests``; ``"LineItem"`` → ``line_item``."""
    text = _CAMEL.sub("_", text.strip())
    text = _NON_WORD.sub("_", text).strip("_").lower()
    text = re.sub(r"_+", "_", text)
    if not text:
        return "unnamed"
    if text[0].isdigit():
        text = "t_" + text
    return text


def association_table(a: str, b: str) -> str:
    """The one table name of the unordered pair of singular type names."""
    first, second = sorted((a, b))
    return f"associations_{first}_{second}"


def association_columns(a: str, b: str) -> tuple[str, str]:
    """Id column names of the pair's table, in table (alphabetical) order."""
    first, second = sorted((a, b))
    if first == second:
        return (f"{first}_id", f"related_{second}_id")
    return (f"{first}_id", f"{second}_id")


def property_columns(property_names: Iterable[str]) -> dict[str, str]:
    """Map each property name to its column name, renaming collisions predictably."""
    names = list(property_names)
    taken = set(FIXED_COLUMNS) | {n for n in names if n not in FIXED_COLUMNS}
    result: dict[str, str] = {}
    for name in names:
        if name not in FIXED_COLUMNS:
            result[name] = name
            continue
        candidate, n = f"prop_{name}", 1
        while candidate in taken:
            n += 1
            candidate = f"prop_{name}_{n}"
        taken.add(candidate)
        result[name] = candidate
    return result
