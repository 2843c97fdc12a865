"""ForeignDataWrapper: the base class every wrapper extends (Multicorn2's API).

Every hook is optional; the defaults mirror Multicorn2 except ``get_rel_size``,
whose default no longer claims 100 million rows. As upstream's, ``__init__`` keeps
nothing: a wrapper that needs its options or columns stores them itself (so the same
wrapper runs unchanged under upstream Multicorn2).
"""

from __future__ import annotations

from typing import Any, Iterable


class ForeignDataWrapper:
    """Base class. One instance per foreign table per backend."""

    _startup_cost = 20

    def __init__(self, fdw_options: dict[str, str], fdw_columns: dict) -> None:
        pass

    def execute(self, quals: list, columns: set, sortkeys: list | None = None,
                limit: int | None = None, offset: int | None = None) -> Iterable:
        raise NotImplementedError("this wrapper does not implement execute()")

    def get_rel_size(self, quals: list, columns: set) -> tuple[int, int]:
        return (1000, 100 * max(len(columns), 1))

    def get_path_keys(self) -> list:
        return []

    def can_sort(self, sortkeys: list) -> list:
        return []

    def can_limit(self, limit: int | None, offset: int | None) -> bool:
        return False

    def explain(self, quals: list, columns: set, sortkeys: list | None = None,
                verbose: bool = False, limit: int | None = None,
                offset: int | None = None) -> Iterable[str]:
        return []

    @property
    def rowid_column(self) -> str:
        raise NotImplementedError("This FDW does not support the writable API")

    @property
    def modify_batch_size(self) -> int:
        """Rows per ``bulk_insert`` call; 1 (the default) means ``insert`` row by row."""
        return 1

    def insert(self, values: dict) -> Any:
        raise NotImplementedError("This FDW does not support the writable API")

    def bulk_insert(self, all_values: list[dict]) -> Any:
        """Insert up to ``modify_batch_size`` rows at once (INSERT without RETURNING)."""
        raise NotImplementedError("This FDW does not support the bulk insert writable API")

    def update(self, oldvalues: Any, newvalues: dict) -> Any:
        raise NotImplementedError("This FDW does not support the writable API")

    def delete(self, oldvalues: Any) -> Any:
        raise NotImplementedError("This FDW does not support the writable API")

    def end_scan(self) -> None:
        pass

    def end_modify(self) -> None:
        pass

    def begin(self, serializable: int) -> None:
        pass

    def pre_commit(self) -> None:
        pass

    def commit(self) -> None:
        pass

    def rollback(self) -> None:
        pass

    def sub_begin(self, level: int) -> None:
        pass

    def sub_commit(self, level: int) -> None:
        pass

    def sub_rollback(self, level: int) -> None:
        pass

    @classmethod
    def import_schema(cls, schema: str, srv_options: dict, options: dict,
                      restriction_type: str | None, restricts: list) -> list:
        raise NotImplementedError("this wrapper does not support IMPORT FOREIGN SCHEMA")


class TransactionAwareForeignDataWrapper(ForeignDataWrapper):
    """Collects (operation, values) per transaction; cleared on commit and rollback.

    ``_init_transaction_state`` (re)creates the collection, as in Multicorn2: subclasses
    override it to keep more per-transaction state.
    """

    def __init__(self, fdw_options: dict[str, str], fdw_columns: dict) -> None:
        super().__init__(fdw_options, fdw_columns)
        self._init_transaction_state()

    def _init_transaction_state(self) -> None:
        self.current_transaction_state: list = []

    def insert(self, values: dict) -> Any:
        self.current_transaction_state.append(("insert", values))

    def update(self, oldvalues: Any, newvalues: dict) -> Any:
        self.current_transaction_state.append(("update", (oldvalues, newvalues)))

    def delete(self, oldvalues: Any) -> Any:
        self.current_transaction_state.append(("delete", oldvalues))

    def rollback(self) -> None:
        self._init_transaction_state()

    def commit(self) -> None:
        self._init_transaction_state()
