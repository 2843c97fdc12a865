"""Derive ``multicorn_setup.sql`` from the extension's scripts, so the two never drift.

From ``sql/hubspot_fdw--0.1.0.sql`` and every upgrade script up to the default version,
in order, it keeps the statements a database needs for the sync without the extension:
tables, indexes, column changes, views, comments, grants on them, and SQL/PL/pgSQL
functions that do not call into the C module. A statement whose leading comment holds
``[host only]`` (it builds on the C module, e.g. calls one of its functions) is left out too. Each kept statement is made repeatable
(``IF NOT EXISTS``, ``OR REPLACE``), so ``hubspot-fdw setup`` can run again after an
upgrade. Everything else (the FDW, C functions, anything calling ``_python_call``) is
left out and listed in the file's header.

Run from a checkout: ``python -m hubspot_fdw.sql.extract sql > hubspot_fdw/sql/multicorn_setup.sql``.
Needs ``sqlparse`` (a development dependency). Deliberately not here: applying the
script (hubspot_fdw.setup).
"""

from __future__ import annotations

import pathlib
import re
import sys
from dataclasses import dataclass

SCHEMA = "hubspot_fdw"
STATEMENT_MARK = "-- [setup] from "     # opens every kept statement (hubspot_fdw.multicorn_setup splits on it)
_REL = rf"(?:{SCHEMA}\.)?"  # extension scripts run with search_path = hubspot_fdw
_C_MODULE = re.compile(r"MODULE_PATHNAME|_python_call|LANGUAGE\s+C\b", re.I)
_COMMENTS = re.compile(r"\A(?:\s+|--[^\n]*(?:\n|\Z)|/\*.*?\*/)*", re.S)
_FUNCTION = re.compile(rf"\A(?:CREATE\s+(?:OR\s+REPLACE\s+)?|DROP\s+|COMMENT\s+ON\s+|(?:GRANT|REVOKE)\s+[\w\s,]+"
                       rf"\s+ON\s+)FUNCTION\s+(?:IF\s+EXISTS\s+)?{_REL}(\w+)", re.I)


HOST_ONLY = "[host only]"


@dataclass(frozen=True)
class Statement:
    source: str     # file name
    head: str       # the statement, leading comments removed
    host_only: bool = False  # its leading comment says [host only]


def scripts(sql_dir: pathlib.Path, control: pathlib.Path | None = None) -> list[pathlib.Path]:
    """The install script of the first version, then the upgrade chain to default_version."""
    control = control or sql_dir.parent / "hubspot_fdw.control"
    default = re.search(r"default_version\s*=\s*'([^']+)'", control.read_text()).group(1)  # type: ignore[union-attr]
    installs = sorted(p for p in sql_dir.glob("hubspot_fdw--*.sql") if p.name.count("--") == 1)
    base = installs[0]
    chain = [base]
    version = base.stem.split("--")[1]
    while version != default:
        step = sorted(sql_dir.glob(f"hubspot_fdw--{version}--*.sql"))
        if not step:
            raise SystemExit(f"no upgrade script from {version} towards {default}")
        chain.append(step[0])
        version = step[0].stem.split("--")[2]
    return chain


def statements(path: pathlib.Path) -> list[Statement]:
    import sqlparse

    text = "\n".join(line for line in path.read_text().splitlines() if not line.startswith("\\"))
    result = []
    for raw in sqlparse.split(text):
        head = _COMMENTS.sub("", raw).strip()
        if head:
            leading = _COMMENTS.match(raw).group(0)  # type: ignore[union-attr]
            result.append(Statement(path.name, head, HOST_ONLY in leading))
    return result


def _repeatable(head: str) -> str | None:
    """The statement made safe to run twice, or None when it is not for this script."""
    if _C_MODULE.search(head):
        return None
    rules: list[tuple[str, str | None]] = [
        (r"\ACREATE\s+TABLE\s+IF\s+NOT\s+EXISTS\s", None),
        (r"\ACREATE\s+TABLE\s+", "CREATE TABLE IF NOT EXISTS "),
        (r"\ACREATE\s+(UNIQUE\s+)?INDEX\s+IF\s+NOT\s+EXISTS\s", None),
        (r"\ACREATE\s+(UNIQUE\s+)?INDEX\s+(?=\w+\s+ON\s)", r"CREATE \1INDEX IF NOT EXISTS "),
        (r"\ACREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+", "CREATE OR REPLACE VIEW "),
        (r"\ACREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+", "CREATE OR REPLACE FUNCTION "),
        (r"\ADROP\s+(VIEW|TABLE|FUNCTION|INDEX)\s+IF\s+EXISTS\s", None),
        (r"\ADROP\s+(VIEW|TABLE|FUNCTION|INDEX)\s+", r"DROP \1 IF EXISTS "),
        (r"\AALTER\s+TABLE\s", None),
        (r"\ACOMMENT\s+ON\s+(?:TABLE|VIEW|COLUMN|FUNCTION|INDEX)\s", None),
        (r"\A(?:GRANT|REVOKE)\s+[\w\s,()]+\s+ON\s+(?:TABLE\s+|FUNCTION\s+)?(?:hubspot_fdw\.)?\w+", None),
    ]
    for pattern, replacement in rules:
        match = re.match(pattern, head, re.I)
        if match:
            out = head if replacement is None else re.sub(pattern, replacement, head, count=1, flags=re.I)
            if re.match(r"\AALTER\s+TABLE", out, re.I):
                out = re.sub(r"\bADD\s+COLUMN\s+(?!IF\s+NOT\s+EXISTS)", "ADD COLUMN IF NOT EXISTS ", out, flags=re.I)
            return out
    return None


def _created_relation(head: str) -> str | None:
    match = re.match(rf"\ACREATE\s+(?:OR\s+REPLACE\s+)?(?:TABLE|VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?{_REL}(\w+)",
                     head, re.I)
    return match.group(1) if match else None


def _last_view_definitions(kept: list[str]) -> list[str]:
    """Only the last CREATE OR REPLACE VIEW of each view: an earlier definition with fewer
    columns would fail on a second run ("cannot drop columns from view")."""
    def view(text: str) -> str | None:
        body = text.split("\n", 1)[1] if text.startswith(STATEMENT_MARK) else text
        return _created_relation(body) if re.match(r"\ACREATE\s+OR\s+REPLACE\s+VIEW", body, re.I) else None
    def commented(text: str) -> str | None:
        body = text.split("\n", 1)[1] if text.startswith(STATEMENT_MARK) else text
        match = re.match(rf"\ACOMMENT\s+ON\s+VIEW\s+{_REL}(\w+)", body, re.I)
        return match.group(1) if match else None
    last = {view(t): i for i, t in enumerate(kept) if view(t)}
    return [t for i, t in enumerate(kept)
            if (view(t) is None or last[view(t)] == i) and (commented(t) not in last or i > last[commented(t)])]


def build(sql_dir: pathlib.Path) -> str:
    """The whole multicorn_setup.sql text."""
    kept: list[str] = []
    left_out: list[str] = []
    functions: set[str] = set()     # functions kept: only their comments and grants follow
    for path in scripts(sql_dir):
        for statement in statements(path):
            out = None if statement.host_only else _repeatable(statement.head)
            function = _FUNCTION.match(statement.head)
            if out is not None and function is not None:
                if re.match(r"\ACREATE", statement.head, re.I):
                    functions.add(function.group(1))
                elif function.group(1) not in functions:
                    out = None
            first_line = statement.head.splitlines()[0][:90]
            if out is None:
                left_out.append(f"--   {statement.source}: {first_line}")
            else:
                kept.append(f"{STATEMENT_MARK}{statement.source}\n{out.rstrip(';').rstrip()};")
    kept = _last_view_definitions(kept)
    header = [
        "-- hubspot_fdw: the sync's state and status objects for a database without",
        "-- CREATE EXTENSION hubspot_fdw (upstream Multicorn2). GENERATED by",
        "-- `python -m hubspot_fdw.sql.extract sql` from the extension's scripts; do not edit.",
        "-- Apply with `hubspot-fdw setup --dsn ...` (or psql --single-transaction -f this file).",
        "-- Every statement can run again (after an upgrade of hubspot_fdw, run it again).",
        "-- Left out (they need the extension's C module or the hubspot_fdw FDW):",
        *left_out,
        "",
        "CREATE SCHEMA IF NOT EXISTS hubspot_fdw;",
        "SET search_path = hubspot_fdw;  -- as CREATE EXTENSION runs the scripts",
    ]
    return "\n".join(header) + "\n\n" + "\n\n".join(kept) + "\n"


def relations(script: str) -> list[str]:
    """Tables and views a generated script creates (for the consistency test)."""
    names = []
    for line in script.splitlines():
        name = _created_relation(line)
        if name and name not in names:
            names.append(name)
    return names


def main(argv: list[str]) -> int:
    sql_dir = pathlib.Path(argv[1] if len(argv) > 1 else "sql")
    sys.stdout.write(build(sql_dir))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
