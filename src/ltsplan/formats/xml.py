"""XML read safely: a document with a DOCTYPE is refused before it is parsed (a DTD is the only way
to declare entities, so this refuses entity expansion and external entities alike)."""

from __future__ import annotations

import re
from pathlib import Path

from ltsplan.errors import InvalidInput, Problem

PROLOG_BYTES = 1 << 16
_PROLOG_ITEM = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->)", re.S)


def refuse_doctype(path: Path, noun: str = "an XML file") -> None:
    """Refuse a document type declaration in the prolog, naming its line."""
    with path.open("rb") as handle:
        head = handle.read(PROLOG_BYTES)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    position = 0
    while match := _PROLOG_ITEM.match(head, position):
        position = match.end()
    rest = head[position:].lstrip()
    if rest[:9].upper() == b"<!DOCTYPE":
        line = head[: len(head) - len(rest)].count(b"\n") + 1
        raise doctype_error(str(path), line, noun)


def doctype_error(file: str, line: int | None, noun: str = "an XML file") -> InvalidInput:
    return InvalidInput(
        [
            Problem(
                f"a DOCTYPE is not accepted in {noun} (it could declare entities or load "
                "external files); remove the <!DOCTYPE …> declaration",
                file=file,
                line=line,
                field="DOCTYPE",
            )
        ],
        f"{file}: refused: the document has a DOCTYPE; nothing was read",
    )
