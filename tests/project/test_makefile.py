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
import sys

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


def deps_for(pg_config: str) -> list[str]:
    result = subprocess.run(["bash", str(ROOT / "scripts" / "install_deps.sh"), "--list", pg_config],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_deps_install_the_server_headers_of_that_debian_major(tmp_path):
    assert {"postgresql-17", "postgresql-server-dev-17"} <= set(deps_for("/usr/lib/postgresql/17/bin/pg_config"))
    assert "postgresql-server-dev-15" in deps_for("/usr/lib/postgresql/15/bin/pg_config")
    # Another installation (a source build, a relocated copy) brings its own headers.
    other = tmp_path / "bin" / "pg_config"
    other.parent.mkdir()
    other.write_text("#!/bin/sh\necho 'PostgreSQL 18.6'\n")
    other.chmod(0o755)
    packages = deps_for(str(other))
    assert "python3-dev" in packages and not [p for p in packages if p.startswith("postgresql")]


def test_compiles_only_with_flags_the_compiler_knows():
    """pg_config's CFLAGS may name options of a newer compiler than this machine's."""
    lines = dry_run("all", "VENV=/tmp/hubspot_fdw-make-test-venv")
    compile_line = next(line for line in lines if line.startswith(("gcc", "cc ", "clang")) and " -c " in line)
    compiler = compile_line.split()[0]
    for flag in (word for word in compile_line.split() if word.startswith("-W")):
        probe = subprocess.run([compiler, "-Werror", flag, "-x", "c", "-c", "-o", "/dev/null", "/dev/null"],
                               capture_output=True, text=True, timeout=60)
        assert probe.returncode == 0, (flag, probe.stderr)
    python = f"python{sys.version_info.major}.{sys.version_info.minor}"
    assert f"/tmp/hubspot_fdw-make-test-venv/lib/{python}/site-packages" in compile_line
