"""The standards formats: YAML, JSON, CSV and XLSX files of three sections — ``standards``,
``requirements`` and ``adoption`` — with the fields the record types declare (``model.py``).

Read and written by the shared sections format (``records.sections``): YAML and JSON hold every
section in one document; XLSX one sheet per section; CSV one section per file, told by its header.
In CSV and XLSX an ordinal scale's levels are one cell, lowest first, separated by ``|``
(``0|0+|1|1+|2``); in YAML and JSON a list. The shipped catalogue's CSV says ``date`` for
``edition_date`` and ``source`` for ``reference``; both names are read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ltsplan.records import sections
from ltsplan.records.sections import FORMATS, Sections, SectionsFile, guess_format
from ltsplan.standards.model import ADOPTION, REQUIREMENT, STANDARD
from ltsplan.standards.rules import adoption_problems, requirement_problems


def _text(raw: Mapping[str, Any], name: str) -> str:
    value = raw.get(name)
    return "" if value is None else " ".join(str(value).split())


SECTIONS = Sections(
    "standards",
    (STANDARD, REQUIREMENT, ADOPTION),
    checks={"requirements": requirement_problems, "adoption": adoption_problems},
    aliases={"standards": {"date": "edition_date", "source": "reference"}},
    labels={
        "standards": lambda raw: _text(raw, "designator"),
        "requirements": lambda raw: f"{_text(raw, 'designator')} {_text(raw, 'code')}".strip(),
        "adoption": lambda raw: f"{_text(raw, 'country').upper()} {_text(raw, 'designator')}".strip(),
    },
)
SECTION_NAMES = tuple(SECTIONS.names)


def read(path: Path, fmt: str | None = None) -> SectionsFile:
    """Every record of one standards file (of any format) and every problem in it."""
    if path.is_dir():
        from ltsplan.errors import LtsplanError

        raise LtsplanError(f"{path}: not a file")
    return sections.read(path, SECTIONS, fmt)


def write(path: Path, data: Mapping[str, Sequence[Mapping[str, Any]]], fmt: str | None = None) -> list[Path]:
    return sections.write(path, SECTIONS, data, fmt)


__all__ = ["FORMATS", "SECTIONS", "SECTION_NAMES", "guess_format", "read", "write"]
