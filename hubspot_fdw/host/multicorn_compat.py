"""The ``multicorn`` import name for wrappers written against Multicorn2, provided by
the hubspot_fdw host itself, and the one choice of Multicorn API our own wrapper uses.

- ``install()``: called by the C host when its interpreter starts. When upstream
  Multicorn2's ``multicorn`` package is importable it is used as it is (installing
  hubspot_fdw never shadows it), except for its compiled ``multicorn._utils``, which
  needs upstream's own C extension loaded in the backend: this host provides that
  module (``log_by_code``, ``check_interrupts``), so upstream's ``log_to_postgres``
  reports through this host instead of silently doing nothing. Otherwise
  ``multicorn`` and ``multicorn.utils`` are registered in ``sys.modules``, made of
  the names in ``hubspot_fdw.host``.
- ``api()``: what hubspot_fdw's own modules import Multicorn names from: our host's
  names inside our host, upstream's package under upstream Multicorn2, our names in
  plain Python (CLI, tests) when upstream is not installed.

Deliberately not here: the API itself (hubspot_fdw.host); nothing is installed on import.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType

import hubspot_fdw.host as _ours
from hubspot_fdw.host.capabilities import HOST_AVAILABLE
from hubspot_fdw.host.log import log_by_code

# Names upstream's ``multicorn`` package and ``multicorn.utils`` module export.
PACKAGE_NAMES = ("ALL", "ANY", "ColumnDefinition", "ForeignDataWrapper", "Qual", "SortKey",
                 "TableDefinition", "TransactionAwareForeignDataWrapper", "get_class")
UTILS_NAMES = ("CRITICAL", "DEBUG", "ERROR", "INFO", "WARNING", "MulticornException",
               "check_interrupts", "log_to_postgres")
MARKER = "__hubspot_fdw_compat__"


def is_ours(module: ModuleType | None) -> bool:
    return bool(module is not None and getattr(module, MARKER, False))


def upstream_importable() -> bool:
    """True when a ``multicorn`` other than ours can be imported (upstream Multicorn2)."""
    loaded = sys.modules.get("multicorn")
    if loaded is not None:
        return not is_ours(loaded)
    try:
        return importlib.util.find_spec("multicorn") is not None
    except (ImportError, ValueError):
        return False


def _module(name: str, names: tuple[str, ...], doc: str) -> ModuleType:
    module = ModuleType(name, doc)
    for attr in names:
        setattr(module, attr, getattr(_ours, attr))
    setattr(module, MARKER, True)
    return module


def install_upstream_utils() -> None:
    """Make upstream's ``multicorn.utils`` log through this host.

    Registered before upstream's ``multicorn.utils`` first imports ``._utils`` (the
    import finds it in ``sys.modules``); if that module was already imported (PL/Python
    got there first), its fallback no-op is replaced.
    """
    utils_module = _module("multicorn._utils", (), "multicorn._utils, provided by the hubspot_fdw host.")
    utils_module._log_to_postgres = log_by_code  # type: ignore[attr-defined]
    utils_module.check_interrupts = _ours.check_interrupts  # type: ignore[attr-defined]
    sys.modules["multicorn._utils"] = utils_module
    loaded = sys.modules.get("multicorn.utils")
    if loaded is not None and not is_ours(loaded):
        loaded._log_to_postgres = utils_module._log_to_postgres  # type: ignore[attr-defined]
        loaded.check_interrupts = utils_module.check_interrupts  # type: ignore[attr-defined]


def install() -> bool:
    """Register our ``multicorn`` unless upstream's is importable; True if registered now
    or before."""
    if is_ours(sys.modules.get("multicorn")):
        return True
    if upstream_importable():
        install_upstream_utils()
        return False
    package = _module("multicorn", PACKAGE_NAMES,
                      "Multicorn2's Python API, provided by the hubspot_fdw host.")
    package.__path__ = []  # a package, so ``import multicorn.utils`` resolves
    utils = _module("multicorn.utils", UTILS_NAMES, "multicorn.utils, provided by the hubspot_fdw host.")
    package.utils = utils  # type: ignore[attr-defined]
    sys.modules["multicorn"] = package
    sys.modules["multicorn.utils"] = utils
    return True


def describe(_: str | None = None) -> str:
    """Which ``multicorn`` is in effect in this interpreter (for tests and diagnostics;
    callable through ``hubspot_fdw._python_call``)."""
    loaded = sys.modules.get("multicorn")
    if loaded is None:
        return "none"
    return "hubspot_fdw" if is_ours(loaded) else f"upstream {getattr(loaded, '__file__', '?')}"


def api() -> ModuleType:
    """The module to take ForeignDataWrapper, ColumnDefinition, TableDefinition from."""
    if HOST_AVAILABLE:
        return _ours
    if upstream_importable():
        return importlib.import_module("multicorn")
    return _ours


def utils() -> ModuleType:
    """The module to take log_to_postgres and the levels from (see ``api``)."""
    if HOST_AVAILABLE or not upstream_importable():
        return _ours
    return importlib.import_module("multicorn.utils")
