"""Text as every reader takes it: UTF-8 (a byte-order mark allowed), bytes that are not UTF-8 named
by their byte offset and line so that the user can find them in an editor; documents (JSON, YAML)
as trees of bounded depth whose strings are text (no half of a surrogate pair). A NUL character is
refused by the field rules (records/fields.py), which can name the field it is in."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ltsplan.errors import InvalidInput, Problem

BOM = b"\xef\xbb\xbf"
SAVE_AS_UTF8 = "save the file as UTF-8"


def utf8_problem(data: bytes, file: str | None, *, first_line: int = 1, offset: int = 0) -> Problem | None:
    """Where ``data`` stops being UTF-8, by byte offset and line (``offset`` and ``first_line`` place
    ``data`` inside a larger file), or ``None``."""
    if offset == 0 and (encoding := _wide_encoding(data[:4])) is not None:
        return Problem(f"the file is {encoding} text, not UTF-8; {SAVE_AS_UTF8}", file=file, line=first_line)
    at = bad_utf8_at(data)
    if at is None:
        return None
    return Problem(
        f"byte {offset + at} (0x{data[at]:02x}) is not UTF-8 text; {SAVE_AS_UTF8}",
        file=file,
        line=first_line + data.count(b"\n", 0, at),
    )


def _wide_encoding(head: bytes) -> str | None:
    """UTF-16 or UTF-32, told by a byte-order mark or, without one, by the zero bytes around the
    first character (any text format here starts with an ASCII character: a letter, a quote, a
    bracket or ``<``). Their zero bytes are valid UTF-8, so without this such a file would be read
    as text full of NUL characters."""
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "UTF-32"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    if len(head) == 4 and (head[:3] == b"\x00\x00\x00" or head[1:] == b"\x00\x00\x00"):
        return "UTF-32"
    if len(head) >= 2 and (head[0] == 0) != (head[1] == 0):
        return "UTF-16"
    return None


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
