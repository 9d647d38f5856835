"""Capabilities land one module at a time: the CLI groups, API views, overview panels and demo
loaders are each listed by module name, and a module that is not (yet) in the package is left out.
An error *inside* a module that is there is raised, never hidden."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from types import ModuleType
from typing import Any


def optional_module(name: str) -> ModuleType | None:
    """The module ``name``, or ``None`` when the package has no such module."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as missing:
        if missing.name == name:
            return None
        raise


def landed(specs: Iterable[str]) -> list[tuple[str, Any]]:
    """For each "module:attribute" whose module is in the package, (module name, the attribute)."""
    found = []
    for spec in specs:
        module_name, attribute = spec.split(":")
        module = optional_module(module_name)
        if module is not None:
            found.append((module_name, getattr(module, attribute)))
    return found
