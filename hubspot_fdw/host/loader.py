"""get_class: import "package.module.Class" named by the server's ``wrapper`` option."""

from __future__ import annotations

import importlib


def get_class(path: str) -> type:
    module_name, _, class_name = path.rpartition(".")
    if not module_name:
        raise ImportError(f"wrapper {path!r} must be a dotted path like 'package.module.Class'")
    module = importlib.import_module(module_name)
    try:
        return getattr(module, class_name)
    except AttributeError:
        raise ImportError(f"module {module_name!r} has no class {class_name!r}") from None
