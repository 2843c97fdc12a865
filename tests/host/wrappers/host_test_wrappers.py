"""Small wrappers that pin the C host's contract in the host tests.

They run inside the PostgreSQL backend (imported through hubspot_fdw.python_path).
Echo reports exactly what it received as NOTICEs; Memory is a writable
in-memory table; the others exercise one behaviour each.
"""

from __future__ import annotations

import datetime
import decimal
import json
import socket
import time
from typing import Any

from multicorn import ColumnDefinition, TableDefinition
from multicorn import ForeignDataWrapper as _Base
from multicorn import TransactionAwareForeignDataWrapper
from multicorn.utils import WARNING, log_to_postgres

from hubspot_fdw.host import WrapperError
from hubspot_fdw.host.capabilities import HOST_AVAILABLE, LocalScan, execute_sql


class ForeignDataWrapper(_Base):
    """As under upstream Multicorn2, the base class keeps nothing: keep the options here."""

    def __init__(self, options: dict, columns: dict) -> None:
        super().__init__(options, columns)
        self.fdw_options = options
        self.fdw_columns = columns


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime.date, datetime.datetime)):
        return {"type": type(value).__name__, "iso": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"type": "Decimal", "str": str(value)}
    if isinstance(value, bytes):
        return {"type": "bytes", "hex": value.hex()}
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    return value


def report(kind: str, **payload: Any) -> None:
    log_to_postgres(json.dumps({"kind": kind, **{k: _jsonable(v) for k, v in payload.items()}}))


class Echo(ForeignDataWrapper):
    """Reports every call's arguments; rows come from the JSON table option ``rows``."""

    def __init__(self, options: dict, columns: dict) -> None:
        super().__init__(options, columns)
        self.rows = json.loads(options.get("rows", "[]"))
        report("init", options=options,
               columns=[[c.column_name, c.type_oid, c.typmod, c.type_name, c.base_type_name, c.options]
                        for c in columns.values()])

    def get_rel_size(self, quals, columns):
        report("get_rel_size", quals=[[q.field_name, q.operator, q.value] for q in quals],
               columns=sorted(columns))
        return (int(self.fdw_options.get("estimate", len(self.rows) or 1)), 10)

    def get_path_keys(self):
        return [(("id",), 1)]

    def can_sort(self, sortkeys):
        report("can_sort", sortkeys=[list(k) for k in sortkeys])
        accept = self.fdw_options.get("sortable", "")
        return [k for k in sortkeys if k.attname in accept.split(",")]

    def can_limit(self, limit, offset):
        return self.fdw_options.get("limitable") == "yes"

    def execute(self, quals, columns, sortkeys=None, limit=None, offset=None):
        report("execute", quals=[[q.field_name, q.operator, q.value] for q in quals],
               value_types=[type(q.value).__name__ for q in quals],
               columns=sorted(columns), sortkeys=[list(k) for k in sortkeys or []],
               limit=limit, offset=offset)
        rows = self.rows
        if sortkeys:
            for key in reversed(sortkeys):
                rows = sorted(rows, key=lambda r: (r.get(key.attname) is None, r.get(key.attname)),
                              reverse=key.is_reversed)
        if limit is not None:
            rows = rows[(offset or 0):(offset or 0) + limit]
        return iter(rows)

    def explain(self, quals, columns, sortkeys=None, verbose=False, limit=None, offset=None):
        return [f"echo quals={[repr(q) for q in quals]} columns={sorted(columns)} verbose={verbose}"]

    def end_scan(self):
        report("end_scan")


class Memory(ForeignDataWrapper):
    """A writable in-memory table per backend; ``trace 'on'`` reports every hook."""

    tables: dict[str, dict] = {}

    def __init__(self, options: dict, columns: dict) -> None:
        super().__init__(options, columns)
        self.name = options.get("name", "default")
        self.columns = list(columns)
        self.trace = options.get("trace") == "on"
        self.data = Memory.tables.setdefault(self.name, {})
        self.next_id = 1000

    def _trace(self, hook: str, **payload: Any) -> None:
        if self.trace:
            report(hook, **payload)

    @property
    def rowid_column(self) -> str:
        return "id"

    def get_rel_size(self, quals, columns):
        return (max(len(self.data), 1), 20)

    def get_path_keys(self):
        return [(("id",), 1)]

    def execute(self, quals, columns, sortkeys=None, limit=None, offset=None):
        self._trace("execute", quals=[[q.field_name, q.operator, q.value] for q in quals])
        for row in list(self.data.values()):
            yield dict(row)

    def insert(self, values):
        self._trace("insert", values=values)
        if values.get("email") == "reject@example.com":
            raise WrapperError("HubSpot rejected the email", sqlstate="23514",
                               detail="Property values were not valid", hint="Use a real address")
        row = dict(values)
        if row.get("id") is None:
            self.next_id += 1
            row["id"] = self.next_id
        if "note" in row and row["note"] is None:
            row["note"] = "default note"
        self.data[row["id"]] = row
        return row

    def update(self, rowid, newvalues):
        self._trace("update", rowid=rowid, values=newvalues)
        if newvalues.get("email") == "reject@example.com":
            raise WrapperError("update rejected", sqlstate="22023")
        self.data.pop(rowid, None)
        self.data[newvalues["id"]] = dict(newvalues)
        return dict(newvalues, note="updated")

    def delete(self, rowid):
        self._trace("delete", rowid=rowid)
        self.data.pop(rowid, None)

    def end_modify(self):
        self._trace("end_modify")

    def end_scan(self):
        self._trace("end_scan")

    def begin(self, serializable):
        self._trace("begin", serializable=serializable)

    def pre_commit(self):
        self._trace("pre_commit")

    def commit(self):
        self._trace("commit")

    def rollback(self):
        self._trace("rollback")

    def sub_begin(self, level):
        self._trace("sub_begin", level=level)

    def sub_commit(self, level):
        self._trace("sub_commit", level=level)

    def sub_rollback(self, level):
        self._trace("sub_rollback", level=level)


class Values(ForeignDataWrapper):
    """Yields one row given as JSON-tagged values, and echoes inserted values' types."""

    def execute(self, quals, columns, **kw):
        yield decode_row(json.loads(self.fdw_options.get("row", "{}")))

    @property
    def rowid_column(self):
        return "id"

    def insert(self, values):
        report("insert", values=values, types={k: type(v).__name__ for k, v in values.items()})
        return decode_row(json.loads(self.fdw_options["returning"])) if "returning" in self.fdw_options else None


def decode_row(row: dict) -> dict:
    def decode(value: Any) -> Any:
        if isinstance(value, dict) and "$decimal" in value:
            return decimal.Decimal(value["$decimal"])
        if isinstance(value, dict) and "$datetime" in value:
            return datetime.datetime.fromisoformat(value["$datetime"])
        if isinstance(value, dict) and "$date" in value:
            return datetime.date.fromisoformat(value["$date"])
        if isinstance(value, dict) and "$bytes" in value:
            return bytes.fromhex(value["$bytes"])
        if isinstance(value, dict) and "$json" in value:
            return value["$json"]
        if isinstance(value, list):
            return [decode(v) for v in value]
        return value
    return {k: decode(v) for k, v in row.items()}


class Failing(ForeignDataWrapper):
    """Raises in the hook named by option ``fail_in``; ``none 'yes'`` returns None from execute."""

    def _maybe_fail(self, hook: str) -> None:
        if self.fdw_options.get("fail_in") == hook:
            if self.fdw_options.get("style") == "plain":
                raise ValueError(f"boom in {hook}")
            raise WrapperError(f"failure in {hook}", sqlstate="P0001", detail="on purpose",
                               hint="this is a test")

    @property
    def rowid_column(self):
        return "id"

    def execute(self, quals, columns, **kw):
        self._maybe_fail("execute")
        if self.fdw_options.get("none") == "yes":
            return None
        return self._rows()

    def _rows(self):
        for i in range(3):
            if i == 1:
                self._maybe_fail("mid_scan")
            yield {"id": i}
        if self.fdw_options.get("yield_str") == "yes":
            yield "oops"

    def insert(self, values):
        self._maybe_fail("insert")
        if self.fdw_options.get("log_error") == "yes":
            log_to_postgres("insert failed via log_to_postgres", 40, hint="a hint", detail="some detail")
        log_to_postgres("inserting", WARNING)
        return None

    def begin(self, serializable):
        self._maybe_fail("begin")

    def pre_commit(self):
        self._maybe_fail("pre_commit")

    def commit(self):
        self._maybe_fail("commit")

    def rollback(self):
        self._maybe_fail("rollback")


class Slow(ForeignDataWrapper):
    """Blocks in Python: ``mode 'sleep'`` sleeps, ``mode 'socket'`` waits on a socket, ``'spin'`` loops."""

    def execute(self, quals, columns, **kw):
        mode = self.fdw_options.get("mode", "sleep")
        if mode == "sleep":
            time.sleep(30)
        elif mode == "socket":
            left, right = socket.socketpair()
            left.settimeout(30)
            try:
                left.recv(1)
            finally:
                left.close()
                right.close()
        else:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                pass
        yield {"id": 1}


class Local(ForeignDataWrapper):
    """Answers scans with a delegated LocalScan over the local table in option ``table``."""

    _startup_cost = 1  # a local query starts fast

    def __init__(self, options: dict, columns: dict) -> None:
        super().__init__(options, columns)
        self.table = options["table"]
        self.types = {name: c.type_name for name, c in columns.items()}

    def get_rel_size(self, quals, columns):
        return (1000, 40)

    def get_path_keys(self):
        return [(("n",), 1)]

    def can_sort(self, sortkeys):
        return sortkeys

    def can_limit(self, limit, offset):
        return True

    def execute(self, quals, columns, sortkeys=None, limit=None, offset=None):
        if not HOST_AVAILABLE:
            raise RuntimeError("needs the hubspot_fdw host")
        conditions = [(q.field_name, q.operator, q.value) for q in quals
                      if (q.operator if not q.is_list_operator else q.operator[0]) in
                      ("=", "<", ">", "<=", ">=", "<>")]
        order = [(k.attname, k.is_reversed, k.nulls_first) for k in sortkeys or []]
        return LocalScan.build(self.table, sorted(columns), self.types, conditions, order, limit,
                               schema=self.fdw_options.get("schema", "public"))


class SqlWriter(ForeignDataWrapper):
    """insert() writes the row to a local table with execute_sql, in the user's transaction
    (option ``table`` schema-qualified: execute_sql runs with search_path pg_catalog, pg_temp)."""

    @property
    def rowid_column(self):
        return "id"

    def execute(self, quals, columns, **kw):
        return execute_sql(f"SELECT id, note FROM {self.fdw_options['table']} ORDER BY id")

    def insert(self, values):
        rows = execute_sql(f"INSERT INTO {self.fdw_options['table']} (id, note) VALUES ($1, $2) "
                           "RETURNING id, note", [values["id"], values["note"]])
        if values["note"] == "fail-after-write":
            raise WrapperError("remote rejected after the local write", sqlstate="23514")
        if values["note"] == "many-params":
            count = 3000
            tuples = ", ".join(f"(${i + 1}::numeric)" for i in range(count))
            row = execute_sql(f"SELECT count(*) AS n, sum(x) AS total FROM (VALUES {tuples}) v(x)",
                              [decimal.Decimal(i) / 7 for i in range(count)])[0]
            report("many", count=row["n"], total=row["total"])
        if values["note"] == "bad-sql":
            try:
                execute_sql("SELECT 1/0")
            except Exception as error:  # the PgError keeps the SQLSTATE
                report("caught", sqlstate=getattr(error, "sqlstate", None), message=str(error))
        return rows[0]


class Importer(ForeignDataWrapper):
    """import_schema returns two tables and reports what it was given."""

    @classmethod
    def import_schema(cls, schema, srv_options, options, restriction_type, restricts):
        report("import_schema", schema=schema, srv_options=srv_options, options=options,
               restriction_type=restriction_type, restricts=restricts)
        return [
            TableDefinition("people", columns=[
                ColumnDefinition("id", type_name="bigint"),
                ColumnDefinition("Full Name", type_name="text", options={"remote_name": "fullname"}),
            ], options={"object": "people"}),
            TableDefinition("tags", columns=[ColumnDefinition("labels", type_name="text[]")]),
        ]

    @classmethod
    def validate_options(cls, kind, options):
        valid = {"server": {"api_url", "k"}, "table": {"object", "k"}, "user_mapping": {"token"},
                 "column": {"remote_name"}}[kind]
        for name in options:
            if name not in valid:
                raise WrapperError(f'invalid option "{name}"', sqlstate="HV00D",
                                   hint=f"Valid {kind} options: {', '.join(sorted(valid))}.")


class Bench(ForeignDataWrapper):
    """Yields ``rows`` tuples of 10 columns (5 ints, 5 short texts), computed on the fly."""

    def get_rel_size(self, quals, columns):
        return (int(self.fdw_options.get("rows", "1000")), 40)

    def execute(self, quals, columns, **kw):
        texts = ("x", "abc", "k4", "zz")
        for i in range(int(self.fdw_options.get("rows", "1000"))):
            yield (i, i, i, i, i, "name%d" % (i % 1000), *texts)


def execute_sql_with_nul(_argument: Any = None) -> str:
    """For _python_call: a NUL in an execute_sql parameter is a Python error, not an ERROR
    escaping into Python (in a sync worker, that killed the process)."""
    try:
        execute_sql("SELECT $1::text AS v", ["a\x00b"])
    except ValueError as error:
        return f"ValueError: {error}"
    return "no error"


class Shapes(ForeignDataWrapper):
    """One row whose every column holds the Python value the table option ``shape`` names.

    bytes: UTF-8 bytes; bad_bytes: bytes that are not UTF-8; dict: a small mapping;
    list: a flat list; nested: a 2x3 list of lists; ragged: lists of unequal lengths.
    """

    VALUES: dict[str, Any] = {
        "bytes": "bl\u00e5 \u2713\n".encode(),
        "bad_bytes": b"\xff\xfe",
        "dict": {"k": "v", "n": 1, "quote": 'a "b"', "none": None},
        "list": ["a", 1, 'b,"c"'],
        "nested": [["a", "b", "c"], ["d", None, "f"]],
        "ragged": [["a", "b"], ["c"]],
    }

    def execute(self, quals, columns, **kw):
        value = self.VALUES[self.fdw_options["shape"]]
        yield {name: value for name in self.fdw_columns}


class _EmptyWithId:
    """A table that reads as empty, with rowid column ``id`` (for write-only tests)."""

    @property
    def rowid_column(self) -> str:
        return "id"

    def execute(self, quals, columns, **kw):
        return iter(())


class Batched(_EmptyWithId, ForeignDataWrapper):
    """Reports each insert and bulk_insert call; ``batch`` sets modify_batch_size."""

    @property
    def modify_batch_size(self) -> int:
        return int(self.fdw_options.get("batch", "1"))

    def insert(self, values):
        report("insert", values=values)
        return {**values, "note": "stored one by one"}

    def bulk_insert(self, all_values):
        report("bulk_insert", rows=all_values)
        return [{**values, "note": "stored in a batch"} for values in all_values]


class Ledger(_EmptyWithId, TransactionAwareForeignDataWrapper):
    """Keeps a per-transaction journal the way Multicorn2 subclasses do (fsfdw, ...)."""

    def _init_transaction_state(self) -> None:
        super()._init_transaction_state()
        self.journal: list[str] = []
        report("init_transaction_state")

    def insert(self, values):
        super().insert(values)
        self.journal.append(f"insert {values['id']}")
        report("journal", journal=self.journal, pending=len(self.current_transaction_state))

    def commit(self) -> None:
        report("commit", journal=self.journal)
        super().commit()

