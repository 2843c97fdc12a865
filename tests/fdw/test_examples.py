"""docs/examples.md stays valid: every example's SQL runs against the simulator (here live,
before any sync) and the page shows it verbatim, with the columns it returns."""

from __future__ import annotations

import pathlib

import pytest

from hubspot_fdw.devtools.examples import EXAMPLES

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "examples.md"


def test_the_page_has_at_least_ten_examples_with_their_output() -> None:
    text = DOC.read_text()
    assert len(EXAMPLES) >= 10
    for example in EXAMPLES:
        assert "```sql\n" + example.sql + "\n```" in text, example.title
    assert text.count(" rows)\n```") + text.count("(1 row)\n```") == len(EXAMPLES)


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.title for e in EXAMPLES])
def test_example_runs_against_the_simulator(db, example) -> None:
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute(example.sql)
        columns = [d.name for d in cur.description]
        cur.fetchall()
    shown = DOC.read_text().split("```sql\n" + example.sql + "\n```", 1)[1].split("```\n", 2)[1]
    header = shown.splitlines()[0]
    assert [c.strip() for c in header.split("|")] == columns, (header, columns)
