"""Qual and SortKey: what the C host hands to ``execute`` and ``can_sort``.

Field names and the tuple operator form for ANY/ALL follow Multicorn2, so
wrappers written for it read them unchanged.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class _Sentinel:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


ANY = _Sentinel("ANY")
ALL = _Sentinel("ALL")


class Qual:
    """One pushed-down condition ``field_name operator value``.

    ``operator`` is a str (``'='``, ``'~~'``, ...) or, for ``IN``/``= ANY``/
    ``<> ALL``, a tuple ``(opname, use_or)`` with ``value`` a list.
    ``IS NULL`` is ``('x', '=', None)``, ``IS NOT NULL`` ``('x', '<>', None)``;
    ``x IS [NOT] TRUE/FALSE/UNKNOWN`` is ``('x', 'IS' or 'IS NOT', True/False/None)``.
    """

    __slots__ = ("field_name", "operator", "value")

    def __init__(self, field_name: str, operator: Any, value: Any) -> None:
        self.field_name = field_name
        self.operator = operator
        self.value = value

    @property
    def is_list_operator(self) -> bool:
        return isinstance(self.operator, tuple)

    @property
    def list_any_or_all(self) -> _Sentinel | None:
        if not self.is_list_operator:
            return None
        return ANY if self.operator[1] else ALL

    def __repr__(self) -> str:
        # Multicorn2's format, the value through str(): "name ~~ a%", "name = ANY(['a', 'b'])"
        if self.is_list_operator:
            return f"{self.field_name} {self.operator[0]} {'ANY' if self.operator[1] else 'ALL'}({self.value})"
        return f"{self.field_name} {self.operator} {self.value}"

    def _key(self) -> tuple:
        value = tuple(self.value) if isinstance(self.value, list) else self.value
        return (self.field_name, self.operator, value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Qual) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())


class SortKey(NamedTuple):
    """One ORDER BY key offered to ``can_sort``."""

    attname: str
    attnum: int
    is_reversed: bool
    nulls_first: bool
    collate: str | None
