"""Column names for property names PostgreSQL cannot use as is (docs/access.md): fixed and
system columns get ``prop_``, long names are cut at 63 bytes on a character boundary,
collisions get ``_2``, ``_3``...; names that fit are never renamed.

Not here: the import end to end (tests/fdw/test_import_names.py).
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hubspot_fdw.catalog.naming import FIXED_COLUMNS, SYSTEM_COLUMNS, property_columns, truncate_identifier


def test_system_and_fixed_columns_get_a_prefix() -> None:
    names = property_columns(["xmin", "ctid", "oid", "tableoid", "id", "email"])
    assert names == {"xmin": "prop_xmin", "ctid": "prop_ctid", "oid": "prop_oid", "tableoid": "prop_tableoid",
                     "id": "prop_id", "email": "email"}


def test_a_fitting_name_keeps_priority_over_a_renamed_one() -> None:
    assert property_columns(["id", "prop_id"]) == {"id": "prop_id_2", "prop_id": "prop_id"}


def test_long_names_are_cut_and_made_unique() -> None:
    a, b = "x" * 70 + "_a", "x" * 70 + "_b"
    names = property_columns([a, b])
    assert names == {a: "x" * 63, b: "x" * 61 + "_2"}


def test_multibyte_names_are_cut_on_a_character_boundary() -> None:
    cut = truncate_identifier("é" * 40)
    assert cut == "é" * 31 and len(cut.encode()) == 62


@given(st.lists(st.text(alphabet="abcé_x", min_size=1, max_size=80) | st.sampled_from(SYSTEM_COLUMNS),
                max_size=12))
def test_names_are_unique_valid_and_stable(properties: list[str]) -> None:
    names = property_columns(properties)
    columns = list(names.values())
    assert len(set(columns)) == len(columns)
    assert all(len(c.encode()) <= 63 and c not in SYSTEM_COLUMNS + FIXED_COLUMNS for c in columns)
    for prop, column in names.items():
        if len(prop.encode()) <= 63 and prop not in SYSTEM_COLUMNS and prop not in ("id", "created_at",
                                                                                    "updated_at", "archived"):
            if not prop.startswith("_sync_"):
                assert column == prop
