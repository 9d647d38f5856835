"""A JSON document read a piece at a time, for downloads too large to hold as text twice over (an
OCHA FTS query answers with tens of MB, often on one line).

The file is decoded as UTF-8 in chunks; only the value being read and what follows it in the chunk
are held. Each value is decoded by ``formats.jsons`` (numbers keep their text, no NaN, bounded
depth, no half surrogate pairs), so a value read here is what any other reader would read; every
failure is an ``InvalidInput`` naming the file and the line.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

from ltsplan.errors import InvalidInput, Problem
from ltsplan.formats.jsons import NotJson, decode, decoder
from ltsplan.formats.text import BOM, SAVE_AS_UTF8, detected_encoding, not_utf8

CHUNK = 1 << 20
_SPACE = re.compile(r"[ \t\r\n]*")


class OverBudget(Exception):
    """More was read than a caller allowed (``JsonStream(budget=…)``)."""


class JsonStream:
    """Walks a JSON document: ``members()`` of an object, ``elements()`` of an array, ``value()``
    for anything else (or to skip a value). Line numbers are counted as the text goes by."""

    def __init__(self, path: Path, *, budget: int | None = None, chunk: int = CHUNK) -> None:
        self.file = str(path)
        self.handle = path.open("rb")
        self.budget = budget
        self.chunk = chunk
        self.utf8 = codecs.getincrementaldecoder("utf-8")()
        self.json = decoder()
        self.text = ""
        self.position = 0
        self.bytes_read = 0
        self.eof = False
        self.line = 1  # the line of ``counted``
        self.counted = 0

    def __enter__(self) -> JsonStream:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.handle.close()

    # -- reading ---------------------------------------------------------------------------------
    def _fill(self) -> bool:
        """Read the next chunk (at least as much again as is held, so that a long value costs
        linear time); False at the end of the file."""
        if self.eof:
            return False
        if self.budget is not None and self.bytes_read >= self.budget:
            raise OverBudget
        size = max(self.chunk, len(self.text) - self.position)
        data = self.handle.read(size if self.bytes_read else max(size, 4))  # a mark is up to 4 bytes
        if self.bytes_read == 0:
            data = self._unmarked(data)
        try:
            text = self.utf8.decode(data, final=not data)
        except UnicodeDecodeError as error:
            line = self.line_at(len(self.text))
            if data:
                problem = not_utf8(data, error.start, self.file, first_line=line, offset=self.bytes_read)
            else:
                problem = Problem(
                    f"the file ends inside a character; {SAVE_AS_UTF8}", file=self.file, line=line
                )
            raise InvalidInput([problem], f"{self.file}: not UTF-8 JSON; nothing was written") from None
        self.bytes_read += len(data)
        self.eof = not data
        self.line_at(self.position)  # what goes is counted before it goes
        self.text = self.text[self.position :] + text
        self.counted -= self.position
        self.position = 0
        return not self.eof or bool(text)

    def _unmarked(self, data: bytes) -> bytes:
        found = detected_encoding(data[:4])
        if found is not None and found[0] != "utf-8":
            raise InvalidInput(
                [Problem(f"the file is {found[0].upper()} text, not UTF-8; {SAVE_AS_UTF8}", file=self.file)],
                f"{self.file}: not UTF-8 JSON; nothing was written",
            )
        self.bytes_read += len(BOM) if data.startswith(BOM) else 0
        return data.removeprefix(BOM)

    def line_at(self, position: int) -> int:
        """The line of ``position`` in the held text (positions only move forward)."""
        self.line += self.text.count("\n", self.counted, position)
        self.counted = position
        return self.line

    def peek(self) -> str:
        """The next character that is not white space ('' at the end of the file)."""
        while True:
            self.position = _SPACE.match(self.text, self.position).end()  # type: ignore[union-attr]
            if self.position < len(self.text):
                return self.text[self.position]
            if not self._fill():
                return ""

    def expect(self, wanted: str) -> None:
        found = self.peek()
        if found != wanted:
            self.fail(f"expected '{wanted}' here, found {found or 'the end of the file'!r}")
        self.position += 1

    def fail(self, message: str) -> None:
        raise InvalidInput(
            [Problem(message, file=self.file, line=self.line_at(self.position))],
            f"{self.file}: not valid JSON; nothing was written",
        )

    def value(self) -> Any:
        """The value that starts here, whole."""
        self.peek()
        while True:
            try:
                value, end = decode(self.text, self.position, self.json)
            except NotJson as error:
                if self._fill():  # the value may only be cut off by the end of the chunk
                    continue
                line = (
                    self.line_at(self.position)
                    + (error.line or 1)
                    - self.text.count("\n", 0, self.position)
                    - 1
                )
                raise InvalidInput(
                    [Problem(f"not valid JSON: {error.message}", file=self.file, line=line)],
                    f"{self.file}: not valid JSON; nothing was written",
                ) from None
            # A number or a constant that ends where the chunk ends may go on in the next one.
            if end == len(self.text) and self._fill():
                continue
            self.position = end
            return value

    def members(self) -> Iterator[str]:
        """The keys of the object that starts here; after each, the caller reads or skips its value."""
        self.expect("{")
        if self.peek() == "}":
            self.position += 1
            return
        while True:
            key = self.value()
            if not isinstance(key, str):
                self.fail("expected a key in quotes")
            self.expect(":")
            yield key
            following = self.peek()
            self.position += 1
            if following == "}":
                return
            if following != ",":
                self.position -= 1
                self.fail("expected ',' or '}' after a member")

    def elements(self) -> Iterator[tuple[int, Any]]:
        """(line, value) for each element of the array that starts here."""
        self.expect("[")
        if self.peek() == "]":
            self.position += 1
            return
        while True:
            self.peek()
            line = self.line_at(self.position)
            yield line, self.value()
            following = self.peek()
            self.position += 1
            if following == "]":
                return
            if following != ",":
                self.position -= 1
                self.fail("expected ',' or ']' after an element")

    def end(self) -> None:
        """Nothing but white space may follow the document."""
        if self.peek():
            self.fail("unexpected text after the document ends")
