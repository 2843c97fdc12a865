"""The maintainers' runner of upstream Multicorn2's suite rewrites only what names the
extension or the foreign data wrapper (the suite itself is not shipped or run here)."""

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "upstream_multicorn_suite.py"


def load_runner():
    spec = importlib.util.spec_from_file_location("upstream_multicorn_suite", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_only_extension_and_wrapper_lines_are_renamed():
    rename = load_runner().rename_line
    assert rename("CREATE EXTENSION multicorn;\n") == "CREATE EXTENSION hubspot_fdw;\n"
    assert rename("DROP EXTENSION multicorn cascade;") == "DROP EXTENSION hubspot_fdw cascade;"
    assert (rename("CREATE server s foreign data wrapper multicorn options (")
            == "CREATE server s foreign data wrapper hubspot_fdw options (")
    for unchanged in ("    wrapper 'multicorn.testfdw.TestForeignDataWrapper'",
                      "DROP EXTENSION multicorn_other;", "NOTICE:  multicorn says hi"):
        assert rename(unchanged) == unchanged


def test_the_seventeen_tests_of_python3_on_postgresql_14_and_later():
    tests = load_runner().TESTS
    assert len(tests) == len(set(tests)) == 17
    assert {"write_filesystem", "multicorn_test_dict", "multicorn_test_list"} <= set(tests)
