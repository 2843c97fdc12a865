"""Multicorn2-compatible import path for wrappers running on the hubspot_fdw host.

``from multicorn import ForeignDataWrapper, Qual, ...`` works unchanged; the
names come from hubspot_fdw.host. Under upstream Multicorn2 its own package is
used instead (it lives in the system Python, not in our virtual environment).
"""

from hubspot_fdw.host import (  # noqa: F401
    ALL,
    ANY,
    ColumnDefinition,
    ForeignDataWrapper,
    Qual,
    SortKey,
    TableDefinition,
    TransactionAwareForeignDataWrapper,
    get_class,
)
