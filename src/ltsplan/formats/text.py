"""Text as every reader takes it: UTF-8 (a byte-order mark allowed), bytes that are not UTF-8 named
by their byte offset and line so that the user can find them in an editor; documents (JSON, YAML)
as trees of bounded depth whose strings are text (no half of a surrogate pair). A NUL character is
refused by the field rules (records/fields.py), which can name the field it is in."""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any

from ltsplan.errors import InvalidInput, Problem

BOM = b"\xef\xbb\xbf"
SAVE_AS_UTF8 = "save the file as UTF-8"


def utf8_problem(data: bytes, file: str | None, *, first_line: int = 1, offset: int = 0) -> Problem | None:
    """Where ``data`` stops being UTF-8, by byte offset and line (``offset`` and ``first_line`` place
    ``data`` inside a larger file), or ``None``."""
    # UTF-16 and UTF-32 are told apart first: their zero bytes are valid UTF-8, and such a file would
    # otherwise read as text full of NUL characters.
    found = detected_encoding(data[:4]) if offset == 0 else None
    if found is not None and found[0] != "utf-8":
        return Problem(
            f"the file is {found[0].upper()} text, not UTF-8; {SAVE_AS_UTF8}", file=file, line=first_line
        )
    at = bad_utf8_at(data)
    return None if at is None else not_utf8(data, at, file, first_line=first_line, offset=offset)


def not_utf8(data: bytes, at: int, file: str | None, *, first_line: int = 1, offset: int = 0) -> Problem:
    """The byte at ``at`` is not UTF-8: named by its offset in the file and its line."""
    return Problem(
        f"byte {offset + at} (0x{data[at]:02x}) is not UTF-8 text; {SAVE_AS_UTF8}",
        file=file,
        line=first_line + data.count(b"\n", 0, at),
    )


# Byte-order marks, longest first (FF FE 00 00 is UTF-32 LE, not UTF-16 LE followed by a NUL).
BOMS = (
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
)
# Without a mark, which of the first four bytes are zero (XML's Appendix F; it holds for any text
# that starts with ASCII characters, as every text format here does: a letter, a quote, ``{``, ``<``).
ZEROS = {
    (True, True, True, False): "utf-32-be",
    (False, True, True, True): "utf-32-le",
    (True, False, True, False): "utf-16-be",
    (False, True, False, True): "utf-16-le",
}


def detected_encoding(head: bytes) -> tuple[str, int] | None:
    """The encoding the first bytes tell, with the length of its byte-order mark; ``None`` for 8-bit
    text without a mark (UTF-8, or whatever an XML declaration then names)."""
    for bom, codec in BOMS:
        if head.startswith(bom):
            return codec, len(bom)
    if len(head) < 4:
        return None
    zeros = (head[0] == 0, head[1] == 0, head[2] == 0, head[3] == 0)
    marked = ZEROS.get(zeros)
    return (marked, 0) if marked is not None else None


def bad_utf8_at(data: bytes, start: int = 0) -> int | None:
    """The position of the first byte from ``start`` on that is not UTF-8, or ``None``."""
    try:
        data[start:].decode("utf-8")
    except UnicodeDecodeError as error:
        return start + error.start
    return None


def decode_utf8(data: bytes, file: str | None, noun: str = "text") -> str:
    """``data`` as text (a leading byte-order mark dropped), or ``InvalidInput`` naming the bad byte."""
    body = data.removeprefix(BOM)
    problem = utf8_problem(body, file, offset=len(data) - len(body))
    if problem is not None:
        where = f"{file}: " if file else ""
        raise InvalidInput([problem], f"{where}not UTF-8 {noun}; nothing was written")
    return body.decode("utf-8")


def read_utf8(path: Path, noun: str = "text") -> str:
    """The whole file as text; see ``decode_utf8``."""
    return decode_utf8(path.read_bytes(), str(path), noun)


# Read documents (JSON, YAML) are trees: nothing any format here takes nests deeper than a few
# levels, and a deep one costs the recursion of every parser and walker that meets it.
MAX_DEPTH = 100
TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep"
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPED_SURROGATE = re.compile(r"\\u([dD][89a-fA-F][0-9a-fA-F]{2})(?:\\u([dD][c-fC-F][0-9a-fA-F]{2}))?")


def tree_problem(value: Any) -> str | None:
    """What makes a read document unusable, or ``None``: nesting deeper than ``MAX_DEPTH``, or a
    text (key or value) holding half of a UTF-16 surrogate pair (JSON's and YAML's ``\\ud800``
    escape makes one; no UTF-8 store or output can hold it). Walked without recursion, each
    container once (YAML's aliases share them)."""
    seen: set[int] = set()
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if LONE_SURROGATE.search(item):
                return f"'{_shown(item)}' holds half of a surrogate pair (\\ud800–\\udfff), which is not text"
            continue
        if not isinstance(item, (dict, list)) or id(item) in seen:
            continue
        if depth > MAX_DEPTH:
            return TOO_DEEP
        seen.add(id(item))
        children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children)
    return None


def _shown(text: str) -> str:
    return LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text[:40])


def escaped_surrogate_line(text: str, start: int = 0) -> int | None:
    """The line of the first ``\\uD800``-style escape in ``text`` (from ``start``) that is not
    half of a pair, if any."""
    for match in _ESCAPED_SURROGATE.finditer(text, start):
        high = int(match.group(1), 16) < 0xDC00
        if not (high and match.group(2)):
            return text.count("\n", 0, match.start()) + 1
    return None


def line_at(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` safe to print in a terminal: control characters (an escape sequence could move the
    cursor or clear the screen) shown as ``\\xNN``; tabs and line breaks kept."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
