"""The set-up cannot skip a step: every user-facing make goal runs the Debian package
check (scripts/install_deps.sh) before it compiles anything, whatever files exist, and
passes PG_CONFIG / VENV overrides on to the build. Checked with ``make -n -B`` (every
target counts as out of date, so the compile lines show even after a build; nothing is
built), so it works as any user and on a read-only checkout. ``make -n`` still runs a
recipe line that calls $(MAKE): the demo's, which checks the Debian packages."""

from __future__ import annotations

import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PG_CONFIG = pathlib.Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin")) / "pg_config"


def dry_run(goal: str, *overrides: str) -> list[str]:
    # As a user types it: not inside the make that may be running this suite (make test).
    env = {k: v for k, v in os.environ.items()
           if k not in ("HUBSPOT_FDW_DEPS_CHECKED", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
    result = subprocess.run(["make", "-n", "-B", "-C", str(ROOT), "--no-print-directory", goal,
                             f"PG_CONFIG={PG_CONFIG}", *overrides], capture_output=True, text=True, timeout=120,
                            env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


@pytest.mark.parametrize("goal", ["install", "test", "all"])
def test_deps_check_comes_before_the_build(goal):
    lines = dry_run(goal, "VENV=/tmp/hubspot_fdw-make-test-venv")
    deps = next(i for i, line in enumerate(lines) if "scripts/install_deps.sh" in line)
    compiles = [i for i, line in enumerate(lines) if line.startswith(("gcc", "cc ", "clang")) and "-c" in line]
    assert all(deps < i for i in compiles), lines[:5]
    if goal != "all":
        assert any("install_python_env.sh /tmp/hubspot_fdw-make-test-venv" in line for line in lines)
    assert any("HUBSPOT_FDW_PYTHON_PATH" in line and "/tmp/hubspot_fdw-make-test-venv" in line
               for line in lines if "-c" in line) or not compiles


def test_demo_builds_into_a_log_and_passes_pg_bin(tmp_path):
    log = tmp_path / "demo-build.log"
    lines = dry_run("demo", f"BUILD_LOG={log}")
    text = "\n".join(lines)
    assert "scripts/install_deps.sh" in text and str(log) in text
    assert f"PG_BIN={PG_CONFIG.parent}" in text and "scripts/demo.sh" in text
    built = log.read_text()   # the build's commands went to the log, not to the screen
    assert "install_python_env.sh" in built and "install_python_env.sh" not in text
