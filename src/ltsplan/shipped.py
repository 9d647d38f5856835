"""Data that ships with the package, under ``ltsplan/data/`` (its README names each source and
licence): found the same way from a checkout and from an installed wheel."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def shipped(area: str, name: str) -> Path:
    """A file shipped under ``ltsplan/data/<area>/``."""
    return Path(str(resources.files("ltsplan") / "data" / area / name))
