"""docs/tables.md is generated from the catalog (hubspot_fdw/devtools/tables_doc.py): it
fails here when the committed file differs from what the registry says today."""

from __future__ import annotations

import pathlib

from hubspot_fdw.catalog.registry import STANDARD_TYPES, Registry
from hubspot_fdw.devtools.tables_doc import KINDS, TYPE_FACTS, render

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "tables.md"


def test_tables_md_matches_the_registry() -> None:
    assert DOC.read_text() == render(), (
        "docs/tables.md differs from the catalog: python -m hubspot_fdw.devtools.tables_doc > docs/tables.md")


def test_every_standard_type_has_its_reference_facts() -> None:
    assert set(TYPE_FACTS) == {t.name for t in STANDARD_TYPES}


def test_every_table_name_and_kind_is_in_the_reference() -> None:
    text = render()
    for t in STANDARD_TYPES:
        assert f"| `{t.table}` | {t.name} ({t.object_type_id}) |" in text
    for pair in Registry.standard().association_pairs():
        assert f"`{pair.table}`" in text
    for kind in ("object", "owners", "pipelines", "pipeline_stages", "association"):
        assert any(k.spec is not None and k.spec.kind == kind for k in KINDS), kind
