"""The project's files a user meets first: setup.py agrees with pyproject.toml and the
package, LICENSE and CHANGELOG exist, and no doc links to a file outside the repo."""

from __future__ import annotations

import pathlib
import re
import shutil
import subprocess
import sys
import tomllib

import hubspot_fdw
from hubspot_fdw.api.transport import USER_AGENT

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_one_version_for_package_extension_and_user_agent(tmp_path):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "version" not in project and "version" in project["dynamic"]
    # A copy: setuptools may write build metadata next to setup.py; the checkout may be read-only.
    copy = tmp_path / "src"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".git", "*.o", "*.so", "*.bc", "build"))
    result = subprocess.run([sys.executable, "setup.py", "--version"], cwd=copy, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    version = hubspot_fdw.__version__
    assert result.stdout.strip().splitlines()[-1] == version
    control = re.search(r"^default_version\s*=\s*'([^']+)'", (ROOT / "hubspot_fdw.control").read_text(), re.M)
    assert control and control.group(1) == version
    assert list((ROOT / "sql").glob(f"hubspot_fdw--*--{version}.sql")), "no upgrade script to this version"
    assert USER_AGENT == f"hubspot_fdw/{version}"


def test_license_and_changelog():
    license_text = (ROOT / "LICENSE").read_text()
    assert "PostgreSQL License" in license_text and "The hubspot_fdw authors" in license_text
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert "## Unreleased" in changelog and "## 0.1.0" in changelog


LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_docs_link_only_inside_the_repo():
    docs = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").rglob("*.md"))]
    for doc in docs:
        text = doc.read_text()
        for outside in ("shared/", "DESIGN" + ".md", "multicorn-api.md"):
            assert outside not in text, (doc.name, outside)
        for target in LINK.findall(text):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            assert (doc.parent / target).resolve().exists(), f"{doc.name}: dangling link {target}"


def test_readme_names_the_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make demo" in readme and "make install" in readme


def test_systemd_unit_runs_a_valid_sync_command():
    unit = (ROOT / "contrib" / "hubspot-fdw-sync.service").read_text()
    exec_start = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    flags = [word for word in exec_start.split() if word.startswith("--")]
    help_text = subprocess.run([sys.executable, "-m", "hubspot_fdw.cli", "sync", "--help"], capture_output=True,
                               text=True, timeout=60, cwd=ROOT).stdout
    assert flags and all(flag in help_text for flag in flags), flags
    assert "EnvironmentFile=-/etc/hubspot-fdw/sync.env" in unit and (ROOT / "contrib" / "sync.env").exists()


# Words users cannot follow: the project's own tracker numbers and files users do not have.
PRIVATE = re.compile(r"\bissues? \d+\b|" + re.escape("DESIGN" + ".md") + "|" + re.escape("../" + "shared"))
RELEASED_SQL = {"hubspot_fdw--0.1.0.sql", "hubspot_fdw--0.1.0--0.2.0.sql"}  # never edited


def test_no_private_references_in_code_docs_and_tests():
    paths = [ROOT / "README.md", *(ROOT / "docs").rglob("*.md"), *(ROOT / "docs").rglob("*.sql")]
    for top in ("hubspot_fdw", "tests", "src", "bench", "scripts", "sql", "contrib"):
        paths += [p for p in (ROOT / top).rglob("*") if p.is_file() and p.suffix in (".py", ".c", ".h", ".sql", ".sh", ".md")
                  and p.name not in RELEASED_SQL]
    found = [f"{p.relative_to(ROOT)}:{n}" for p in paths
             for n, line in enumerate(p.read_text(errors="replace").splitlines(), 1) if PRIVATE.search(line)]
    assert not found, found


def test_readme_puts_what_a_user_needs_first():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) < 275  # about half of the 491 lines it had
    sections = [line[3:] for line in readme.splitlines() if line.startswith("## ")]
    wanted = ["Install", "Getting a HubSpot credential", "Quick start", "Reading", "Writing",
              "Running the sync in production", "Limitations", "Troubleshooting", "Documentation"]
    assert [s for s in sections if s in wanted] == wanted, sections
