"""Names users see: table names, association table names, column names.

- Object tables: the plural snake_case name (``contacts``, ``line_items``, custom
  ``service_requests`` from the plural label).
- Association tables: ``associations_<a>_<b>``, singular names in alphabetical order,
  one per unordered pair (``association_table("deal", "company")`` and
  ``("company", "deal")`` give the same name); columns ``<a>_id``, ``<b>_id``.
- Property columns: the internal name when PostgreSQL can use it as is. A property
  whose name is a fixed column (``id``, ``created_at``, ``updated_at``, ``archived``,
  ``_sync_*``) or a system column (``xmin``, ``ctid``, ``oid``, ...) becomes
  ``prop_<name>``; a name longer than PostgreSQL's 63-byte identifier limit is cut at
  63 bytes; when a name so made is taken, ``_2``, ``_3``... is appended (the name cut
  to leave room). Names that fit keep priority, so one odd property never renames
  another; the column option ``property`` always keeps the HubSpot name.

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


MAX_IDENTIFIER_BYTES = 63  # NAMEDATALEN - 1
SYSTEM_COLUMNS = ("tableoid", "xmin", "cmin", "xmax", "cmax", "ctid", "oid")
RESERVED_COLUMNS = frozenset(FIXED_COLUMNS + SYSTEM_COLUMNS)


def truncate_identifier(name: str, limit: int = MAX_IDENTIFIER_BYTES) -> str:
    """``name`` cut to ``limit`` UTF-8 bytes on a character boundary (as PostgreSQL cuts)."""
    return name.encode("utf-8")[:limit].decode("utf-8", "ignore")


def _usable(name: str) -> bool:
    return name not in RESERVED_COLUMNS and len(name.encode("utf-8")) <= MAX_IDENTIFIER_BYTES


def _unique(base: str, taken: set[str]) -> str:
    candidate, n = truncate_identifier(base), 1
    while candidate in taken or candidate in RESERVED_COLUMNS:
        n += 1
        suffix = f"_{n}"
        candidate = truncate_identifier(base, MAX_IDENTIFIER_BYTES - len(suffix)) + suffix
    return candidate


def property_columns(property_names: Iterable[str]) -> dict[str, str]:
    """Map each property name to a unique, valid column name, renaming collisions predictably."""
    names = list(dict.fromkeys(property_names))
    taken = set(FIXED_COLUMNS) | {n for n in names if _usable(n)}
    result: dict[str, str] = {}
    for name in names:
        if _usable(name):
            result[name] = name
            continue
        candidate = _unique(f"prop_{name}" if name in RESERVED_COLUMNS else name, taken)
        taken.add(candidate)
        result[name] = candidate
    return result
