"""The wrapper as upstream Multicorn2 drives it: in plain Python, without the hubspot_fdw
host (HOST_AVAILABLE is False here), with Multicorn's value types (timestamptz as text,
numeric as float, bool as 't'/'f'), LIMIT/OFFSET applied by the wrapper, and cache
reads through the option cache_dsn. Qual, SortKey and MulticornException come from
hubspot_fdw.host, standing in for upstream's classes of the same shape; where the
choice of package matters, a subprocess puts a minimal upstream-shaped ``multicorn``
first on the path. Also the deviations under upstream Multicorn2: option checks at first use,
secrets, EXPLAIN reasons, lock waits on the cache connection, the compatibility module."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest

from hubspot_fdw.api import Filter
from hubspot_fdw.catalog import build_catalog
from hubspot_fdw.fdw import HubSpotFdw, backend, cache_connection
from hubspot_fdw.fdw.importer import definition
from hubspot_fdw.host import ForeignDataWrapper, MulticornException, Qual, SortKey
from hubspot_fdw.host.capabilities import HOST_AVAILABLE

from fdw.conftest import fill_cache


@pytest.fixture(scope="module")
def contacts_columns(client):
    table = definition(build_catalog(client, only=["contacts"]).table("contacts"))
    return {c.column_name: c for c in table.columns}, table.options


def make(sim, columns_and_options, **server) -> HubSpotFdw:
    columns, table_options = columns_and_options
    merged = {**table_options, "api_url": sim.base_url, "max_retries": "1", "read_mode": "live", **server,
              "access_token": sim.token}
    return HubSpotFdw(merged, columns)


def test_runs_without_the_host():
    assert not HOST_AVAILABLE


def test_live_read_and_explain(sim, contacts_columns):
    fdw = make(sim, contacts_columns)
    rows = list(fdw.execute([], {"id", "email"}))
    assert len(rows) >= 100
    one = rows[5]["id"]
    assert list(fdw.execute([Qual("id", "=", one)], {"id", "email"})) == [rows[5]]
    lines = fdw.explain([Qual("id", "=", one)], {"email"})
    assert any("batch/read" in line for line in lines) and not any(sim.token in line for line in lines)
    assert sim.token not in repr(fdw)


def test_hubspot_errors_keep_detail_and_hint(sim, contacts_columns):
    fdw = make(sim, contacts_columns)
    nulls = {name: None for name in contacts_columns[0]}
    with pytest.raises(MulticornException) as info:
        fdw.insert({**nulls, "email": "not-an-email"})
    assert info.value.message.startswith("HubSpot rejected contacts.email: ")
    assert "VALIDATION_ERROR" in info.value.detail and info.value.hint


def test_limit_and_offset_are_applied_by_the_wrapper(sim, contacts_columns):
    fdw = make(sim, contacts_columns)
    everything = [r["id"] for r in fdw.execute([], {"id"})]
    assert [r["id"] for r in fdw.execute([], {"id"}, limit=2, offset=1)] == everything[1:3]


def test_sort_accepted_is_really_sorted(sim, contacts_columns):
    fdw = make(sim, contacts_columns)
    key = SortKey("createdate", 0, True, True, None)
    assert fdw.can_sort([key]) == [key]
    rows = [r["createdate"] for r in fdw.execute([], {"createdate"}, sortkeys=[key])]
    present = [r for r in rows if r is not None]
    assert present == sorted(present, reverse=True)
    assert rows[:len(rows) - len(present)] == [None] * (len(rows) - len(present))


def test_write_rules_with_multicorn_types(sim, contacts_columns, client):
    fdw = make(sim, contacts_columns)
    fdw.rowid_column  # Multicorn reads it for every modify statement
    nulls = {name: None for name in contacts_columns[0]}
    created = fdw.insert({**nulls, "email": "mc@x.example", "firstname": "Alia"})
    with pytest.raises(MulticornException) as info:  # log_to_postgres(ERROR): message, detail, hint kept
        fdw.insert({**nulls, "email": "mc2@x.example"})
    assert "one HubSpot record per statement" in info.value.message
    assert "archived again" in info.value.detail and "one row per statement" in info.value.hint
    assert client.find_object("contacts", created["id"]) is None
    fdw.rollback()

    fdw.insert({**nulls, "email": "mc3@x.example", "firstname": "Alia"})
    fdw.end_modify()
    new_id = list(client.search("contacts", filter_groups=[[Filter("email", "EQ", "mc3@x.example")]]))[0].id
    fdw.rowid_column
    (old,) = list(fdw.execute([Qual("id", "=", new_id)], set(contacts_columns[0])))
    # Multicorn2 hands timestamptz over as text and booleans as 't'/'f'
    new = {k: (v.isoformat(sep=" ") if hasattr(v, "isoformat") and k in ("created_at", "updated_at") else v)
           for k, v in old.items()}
    new["archived"] = "f"
    new["firstname"] = "St. Alia"
    fdw.update(new_id, new)
    fdw.end_modify()
    assert client.get_object("contacts", new_id, properties=["firstname"]).properties["firstname"] == "St. Alia"


def test_cache_reads_through_cache_dsn(db, sim, contacts_columns):
    fill_cache(db, sim, ["contacts"])
    fdw = make(sim, contacts_columns, read_mode="cache", cache_dsn=db.dsn)
    rows = list(fdw.execute([Qual("email", "~~", "a%")], {"id", "email"}, limit=3, offset=0))
    assert 0 < len(rows) <= 3 and all(r["email"].startswith("a") for r in rows)
    assert any(line.startswith("Cache query:") for line in fdw.explain([], {"id"}))
    fdw_auto = make(sim, contacts_columns, read_mode="auto", cache_dsn=db.dsn, server="hubspot")
    assert "cache" in fdw_auto.explain([], {"id"})[0]


# -- the deviations under upstream Multicorn2 ----------------------------------------------------

UPSTREAM_SHAPED = {
    "multicorn/__init__.py": """
        UPSTREAM = True
        class ForeignDataWrapper:
            def __init__(self, fdw_options, fdw_columns):
                pass
        class ColumnDefinition:
            def __init__(self, column_name, type_oid=0, typmod=0, type_name="", base_type_name="", options=None):
                self.column_name, self.type_name, self.options = column_name, type_name, options or {}
        class TableDefinition:
            def __init__(self, table_name, schema=None, columns=(), options=None):
                self.table_name, self.columns, self.options = table_name, list(columns), options or {}
        """,
    "multicorn/utils.py": """
        from logging import CRITICAL, DEBUG, ERROR, INFO, WARNING
        class MulticornException(Exception):
            def __init__(self, message, code, hint, detail):
                super().__init__(message)
                self.message, self.hint, self.detail = message, hint, detail
        def log_to_postgres(message, level=INFO, hint=None, detail=None):
            if level == ERROR:
                raise MulticornException(message, level, hint, detail)
        """,
}


def _python(code: str, upstream_dir: str | None = None) -> str:
    """Run ``code`` in a fresh interpreter of this venv, from /tmp, with the checkout (and
    ``upstream_dir`` before it) on PYTHONPATH."""
    checkout = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = [p for p in (upstream_dir, checkout) if p]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          env=env, cwd="/tmp", timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture(scope="module")
def upstream_dir(tmp_path_factory) -> str:
    root = tmp_path_factory.mktemp("upstream")
    for name, text in UPSTREAM_SHAPED.items():
        (root / name).parent.mkdir(exist_ok=True)
        (root / name).write_text(textwrap.dedent(text))
    os.chmod(root, 0o755)
    return str(root)


def test_installed_package_has_no_top_level_multicorn():
    """Deviation 8: installing hubspot_fdw never shadows upstream's ``multicorn``."""
    import importlib.metadata

    files = [str(f) for f in importlib.metadata.files("hubspot-fdw") or []]
    assert files and not [f for f in files if f.split("/")[0] == "multicorn"]
    assert _python("import importlib.util; print(importlib.util.find_spec('multicorn'))") == "None"


def test_compat_module_only_without_upstream(upstream_dir):
    ours = _python("""
        from hubspot_fdw.host import multicorn_compat
        print(multicorn_compat.install())
        import multicorn, multicorn.utils
        from multicorn import ForeignDataWrapper, Qual
        from multicorn.utils import log_to_postgres, MulticornException
        import hubspot_fdw.host as h
        print(ForeignDataWrapper is h.ForeignDataWrapper, multicorn_compat.describe())
        """)
    assert ours.splitlines() == ["True", "True hubspot_fdw"]
    upstream = _python("""
        from hubspot_fdw.host import multicorn_compat
        print(multicorn_compat.install())
        import multicorn
        print(getattr(multicorn, "UPSTREAM", False))
        """, upstream_dir)
    assert upstream.splitlines() == ["False", "True"]


def test_wrapper_runs_on_an_upstream_shaped_base_class(upstream_dir):
    """Deviation 8: our class does not rely on the base __init__; errors go through the
    importable ``multicorn.utils.log_to_postgres``, as upstream's C expects."""
    out = _python("""
        import multicorn, multicorn.utils
        from hubspot_fdw.fdw import HubSpotFdw, backend, cache_connection
        print(HubSpotFdw.__mro__[1] is multicorn.ForeignDataWrapper)
        fdw = HubSpotFdw({"api_url": "http://127.0.0.1:9", "read_mode": "live", "access_token": "t",
                          "table": "owners"}, {})
        print(fdw.options.read_mode, hasattr(fdw, "fdw_options"))
        try:
            HubSpotFdw({"read_mod": "live"}, {})
        except multicorn.utils.MulticornException as e:
            print("refused", e.message)
        """, upstream_dir)
    assert out.splitlines() == ["True", "live False", 'refused invalid option "read_mod"']


def test_base_class_keeps_nothing_like_upstreams():
    base = ForeignDataWrapper({"a": "b"}, {})
    assert not hasattr(base, "fdw_options") and not hasattr(base, "fdw_columns")


def test_column_option_typo_fails_on_first_use(sim, contacts_columns):
    """Deviation 3: column options are checked when the table is first used."""
    columns, options = contacts_columns
    email = columns["email"]
    bad = type(email)(email.column_name, type_name=email.type_name, options={**email.options, "propety": "x"})
    with pytest.raises(MulticornException) as info:
        make(sim, ({**columns, "email": bad}, options))
    assert 'invalid option "propety"' in info.value.message and 'Did you mean "property"' in info.value.hint
    bad_value = type(email)(email.column_name, type_name=email.type_name, options={"read_only": "maybe"})
    with pytest.raises(MulticornException, match="read_only"):
        make(sim, ({**columns, "email": bad_value}, options))


@pytest.fixture(scope="module")
def multicorn_catalog(db, sim):
    """Server ``mc`` of a handler-less ``multicorn`` FDW (as upstream's catalogs look)."""
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute("CREATE FOREIGN DATA WRAPPER multicorn")
        cur.execute("CREATE SERVER mc_token FOREIGN DATA WRAPPER multicorn OPTIONS "
                    "(wrapper 'hubspot_fdw.HubSpotFdw', api_url %s, access_token 'server-secret-123')",
                    (sim.base_url,))
        cur.execute("CREATE SERVER mc_dsn FOREIGN DATA WRAPPER multicorn OPTIONS "
                    "(wrapper 'hubspot_fdw.HubSpotFdw', api_url %s, cache_dsn %s)", (sim.base_url, db.dsn))
        cur.execute("CREATE SERVER mc_tabletoken FOREIGN DATA WRAPPER multicorn OPTIONS "
                    "(wrapper 'hubspot_fdw.HubSpotFdw', api_url %s)", (sim.base_url,))
        cur.execute("CREATE FOREIGN TABLE mc_contacts (id text) SERVER mc_tabletoken "
                    "OPTIONS (\"table\" 'contacts', server 'mc_tabletoken', access_token 'table-secret-456')")
    return db


def test_access_token_outside_the_user_mapping_is_refused(sim, contacts_columns, multicorn_catalog):
    """Deviation 2: with a cache connection, the wrapper reads where the token was set."""
    for server, secret, kind in (("mc_token", "server-secret-123", "server"),
                                 ("mc_tabletoken", "table-secret-456", "table")):
        with pytest.raises(MulticornException) as info:
            make(sim, contacts_columns, server=server, cache_dsn=multicorn_catalog.dsn, access_token=secret)
        error = info.value
        assert f'invalid option "access_token" for a HubSpot {kind}' in error.message
        assert "user mapping" in error.hint
        assert secret not in f"{error.message} {error.detail} {error.hint}"


def test_cache_dsn_on_the_server_warns(sim, contacts_columns, multicorn_catalog, caplog):
    """Deviation 5: cache_dsn belongs in the user mapping; on the server it is public."""
    with caplog.at_level("WARNING"):
        make(sim, contacts_columns, server="mc_dsn", cache_dsn=multicorn_catalog.dsn)
    warning = [r.getMessage() for r in caplog.records if "cache_dsn" in r.getMessage()]
    assert warning and "every role" in warning[0] and multicorn_catalog.dsn not in warning[0]
    make(sim, contacts_columns, server="hubspot", cache_dsn=multicorn_catalog.dsn)  # user mapping: fine


def test_explain_reasons_are_honest(sim, contacts_columns, db, postgresql_proc):
    """Deviation 7: 'no cache connection' without cache_dsn, 'no sync state' in a
    database that was not set up, 'backfill not finished' only when that is the truth."""
    fdw = make(sim, contacts_columns, read_mode="auto", server="hubspot")
    assert fdw.explain([], {"id"})[0] == ("HubSpot read mode: live (option read_mode = auto, "
                                           "no cache connection (option cache_dsn not set))")
    bare = f"host={postgresql_proc.host} port={postgresql_proc.port} user={postgresql_proc.user} dbname=postgres"
    fdw = make(sim, contacts_columns, read_mode="auto", server="hubspot", cache_dsn=bare)
    assert "no sync state in this database (hubspot-fdw setup)" in fdw.explain([], {"id"})[0]
    fill_cache(db, sim, ["contacts"], backfill_done=False)
    fdw = make(sim, contacts_columns, read_mode="auto", server="hubspot", cache_dsn=db.dsn)
    assert fdw.explain([], {"id"})[0].endswith("backfill not finished)")
    fill_cache(db, sim, ["contacts"], backfill_done=True)
    assert fdw.explain([], {"id"})[0].endswith("backfill finished)")


def test_no_placeholder_guc_in_hints(sim, contacts_columns, db):
    """Deviation 4: under upstream the hint never suggests SET hubspot_fdw.read_mode."""
    fdw = make(sim, contacts_columns, read_mode="cache", cache_dsn=db.dsn, cache_schema="nowhere")
    with pytest.raises(MulticornException) as info:
        list(fdw.execute([], {"id"}))
    assert "does not exist" in info.value.message
    assert "hubspot_fdw.read_mode" not in info.value.hint and "read_mode 'live'" in info.value.hint


def _lock_cache(db, sim, connection) -> int:
    """The 'user session': its transaction holds ACCESS EXCLUSIVE on the contacts cache table."""
    fill_cache(db, sim, ["contacts"])
    with connection.cursor() as cur:
        cur.execute("LOCK TABLE hubspot_cache.contacts IN ACCESS EXCLUSIVE MODE")
        cur.execute("SELECT pg_backend_pid()")
        return cur.fetchone()[0]


def test_self_lock_fails_clearly_instead_of_hanging(sim, contacts_columns, db, monkeypatch):
    """Deviation 6: the user's own transaction locked the cache table, then reads the
    foreign table through cache_dsn: a clear 55P03 error, at once."""
    connection = db.connect(autocommit=False)
    try:
        pid = _lock_cache(db, sim, connection)
        monkeypatch.setattr(backend, "backend_pid", lambda: pid)  # the wrapper runs in that backend
        fdw = make(sim, contacts_columns, read_mode="cache", cache_dsn=db.dsn)
        started = time.monotonic()
        with pytest.raises(MulticornException) as info:
            list(fdw.execute([], {"id"}))
        assert time.monotonic() - started < 5
        assert info.value.message == 'cache relation "hubspot_cache"."contacts" is locked by this transaction'
        assert "AccessExclusiveLock" in info.value.detail and "another transaction" in info.value.hint
    finally:
        connection.rollback()
        connection.close()


def test_lock_of_another_session_ends_with_the_timeout_or_a_cancel(sim, contacts_columns, db, monkeypatch):
    connection = db.connect(autocommit=False)
    bystander = db.connect()
    try:
        _lock_cache(db, sim, connection)
        with bystander.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            other = cur.fetchone()[0]
        monkeypatch.setattr(backend, "backend_pid", lambda: other)  # the lock is not ours
        monkeypatch.setattr(backend, "lock_timeout_ms", lambda: 700)
        monkeypatch.setattr(backend, "statement_timeout_ms", lambda: 0)
        fdw = make(sim, contacts_columns, read_mode="cache", cache_dsn=db.dsn)
        started = time.monotonic()
        with pytest.raises(MulticornException, match="could not get a lock on the cache in time"):
            list(fdw.execute([], {"id"}))
        assert 0.6 < time.monotonic() - started < 5
        monkeypatch.setattr(backend, "lock_timeout_ms", lambda: 0)  # no limit, but cancellable
        calls = iter([False, False, True])
        monkeypatch.setattr(backend, "interrupt_pending", lambda: next(calls, True))
        with pytest.raises(MulticornException, match="canceling statement due to user request"):
            list(fdw.execute([], {"id"}))
    finally:
        connection.rollback()
        connection.close()
        bystander.close()


def test_outside_a_backend_the_wait_is_capped():
    assert backend.backend_pid() is None and not backend.interrupt_pending()
    assert cache_connection.limit_ms() == cache_connection.FALLBACK_LIMIT_MS


def test_backend_reads_inside_a_real_backend(db):
    """What the lock guard reads inside PostgreSQL (plain ctypes reads of the backend's
    variables); and our host registers the compatibility ``multicorn`` for its wrappers."""
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute("SET statement_timeout = '4321ms'")
        cur.execute("SET lock_timeout = '765ms'")
        cur.execute("SELECT hubspot_fdw._python_call('hubspot_fdw.fdw.backend.describe', NULL), pg_backend_pid()")
        described, pid = cur.fetchone()
        assert described == f"pid={pid} lock_timeout=765 statement_timeout=4321 interrupt=False"
        cur.execute("SELECT hubspot_fdw._python_call('hubspot_fdw.host.multicorn_compat.describe', NULL)")
        assert cur.fetchone()[0] == "hubspot_fdw"


def test_cache_write_blocked_by_own_uncommitted_write_warns_at_once(sim, contacts_columns, db, monkeypatch,
                                                                     caplog):
    """Deviation 6, the write side: the user's transaction updated a cache row (uncommitted);
    the cache write after HubSpot accepted an UPDATE would wait for it forever. It ends at
    once as a WARNING (HubSpot has the change, so no ERROR)."""
    fill_cache(db, sim, ["contacts"])
    connection = db.connect(autocommit=False)
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT id FROM hubspot_cache.contacts ORDER BY id LIMIT 1")
            target = cur.fetchone()[0]
            cur.execute("UPDATE hubspot_cache.contacts SET firstname = 'mine' WHERE id = %s", (target,))
            cur.execute("SELECT pg_backend_pid()")
            pid = cur.fetchone()[0]
        monkeypatch.setattr(backend, "backend_pid", lambda: pid)
        fdw = make(sim, contacts_columns, cache_dsn=db.dsn)
        fdw.rowid_column
        (old,) = list(fdw.execute([Qual("id", "=", target)], set(contacts_columns[0])))
        new = {k: (v.isoformat(sep=" ") if hasattr(v, "isoformat") and k in ("created_at", "updated_at") else v)
               for k, v in old.items()}
        new.update(archived="f", firstname="Accepted")
        started = time.monotonic()
        with caplog.at_level("WARNING"):
            fdw.update(target, new)
            fdw.end_modify()
        assert time.monotonic() - started < 10
        warnings = [r.getMessage() for r in caplog.records if "could not be written" in r.getMessage()]
        assert warnings and "locked by this transaction" in warnings[0]
    finally:
        connection.rollback()
        connection.close()


def test_cache_scans_interleave_and_leave_no_lock(sim, contacts_columns, db):
    """Scans through cache_dsn interleave (nested loop, self-join: one instance) on
    connections of their own, and a finished or abandoned scan holds no lock."""
    fill_cache(db, sim, ["contacts"])
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM hubspot_cache.contacts")
        cached = cur.fetchone()[0]
    fdw = make(sim, contacts_columns, read_mode="cache", cache_dsn=db.dsn)
    outer, inner = fdw.execute([], {"id"}), fdw.execute([], {"id"})
    assert next(outer) == next(inner)
    assert len(list(outer)) == len(list(inner)) == cached - 1 > 100
    abandoned = fdw.execute([], {"id"})
    next(abandoned)
    del abandoned  # Multicorn drops the iterator on a rescan
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute("SET lock_timeout = '2s'")
        cur.execute("BEGIN")
        cur.execute("LOCK TABLE hubspot_cache.contacts IN ACCESS EXCLUSIVE MODE")  # the sync's DDL could run
        cur.execute("ROLLBACK")
