"""The Python side of the hubspot_fdw C host: the Multicorn-compatible API.

Wrappers subclass ``ForeignDataWrapper`` and receive ``Qual``, ``SortKey`` and
``ColumnDefinition`` objects from the C host exactly as under Multicorn2.
Two capabilities exist only on this host (``capabilities.HOST_AVAILABLE``):
SQL in the current transaction and delegated local scans.
This package holds no state; the interpreter-wide state lives in C.
"""

from hubspot_fdw.host.definitions import ColumnDefinition, TableDefinition
from hubspot_fdw.host.errors import PgError, QueryCanceled, WrapperError
from hubspot_fdw.host.log import (
    CRITICAL,
    DEBUG,
    ERROR,
    INFO,
    WARNING,
    MulticornException,
    check_interrupts,
    log_to_postgres,
)
from hubspot_fdw.host.loader import get_class
from hubspot_fdw.host.quals import ALL, ANY, Qual, SortKey
from hubspot_fdw.host.wrapper import ForeignDataWrapper, TransactionAwareForeignDataWrapper

__all__ = [
    "ALL", "ANY", "CRITICAL", "DEBUG", "ERROR", "INFO", "WARNING",
    "ColumnDefinition", "ForeignDataWrapper", "MulticornException", "PgError",
    "Qual", "QueryCanceled", "SortKey", "TableDefinition",
    "TransactionAwareForeignDataWrapper", "WrapperError", "check_interrupts",
    "get_class", "log_to_postgres",
]
