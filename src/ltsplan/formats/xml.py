"""XML read safely: a document with a DOCTYPE is refused before any parser sees it. A DTD is the
only way to declare entities, so this refuses entity expansion (billion laughs), external entities
and parameter entities alike; XInclude is never processed by ltsplan's readers, so it needs no check.

``refuse_doctype`` (a file) and ``check_prolog`` (any binary stream: an IATI file, each part of an
XLSX workbook) read the document's prolog — what comes before its first element — in chunks, with
no limit on its length (a DOCTYPE after a long comment is found). The encoding is told the way the
XML specification's Appendix F tells it: by a byte-order mark, else by the pattern of zero bytes in
the first four (UTF-16 and UTF-32, little- or big-endian, with or without a mark), else the
document is 8-bit and its XML declaration may name an encoding. The prolog is decoded before it is
scanned, so an encoding that writes ``<`` otherwise (UTF-7's ``+ADw-``) cannot hide a DOCTYPE from
the scanner while the parser sees it. The scanner skips the declaration, comments, processing
instructions and white space, stops at the first element (after which a DOCTYPE cannot come) and
refuses a DOCTYPE naming its line. A document it cannot decode is refused too, since the parser
behind it might read it differently: EBCDIC, UCS-4 in an unusual byte order, a declared encoding
Python does not know or one that does not write the markup as ASCII does (UTF-16 declared in 8-bit
text), or a prolog with bytes that are not text in its encoding. Bytes that do not start like XML
(an image in a workbook) are left to their reader.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import IO

from ltsplan.errors import InvalidInput, Problem
from ltsplan.formats.text import detected_encoding

PROLOG_BYTES = 1 << 16  # the prolog is read this much at a time, on to its end however long
# The XML declaration is short; one longer than this is not one ltsplan will trust.
DECLARATION_LIMIT = 1 << 10
MARKUP = "<?!-DOCTYPE>= \"'\t\r\n"  # what the scanner must find as single ASCII bytes in 8-bit text
_ENCODING = re.compile(r"""^<\?xml\s[^>]*?\bencoding\s*=\s*(["'])([A-Za-z][A-Za-z0-9._-]*)\1""")
_WHITE = " \t\r\n"
SAVE_AS = "save it as UTF-8 (or UTF-16 or UTF-32)"

_EBCDIC = b"\x4c\x6f\xa7\x94"  # "<?xm" in EBCDIC
_UNUSUAL_ORDERS = (b"\x00\x00\x3c\x00", b"\x00\x3c\x00\x00")  # "<" in UCS-4 2143 and 3412
_UNIT = {"utf-16-le": 2, "utf-16-be": 2, "utf-32-le": 4, "utf-32-be": 4}


class _Refusal(Exception):
    """Why the prolog cannot be read, and where."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def refuse_doctype(path: Path, noun: str = "an XML file") -> None:
    """Refuse ``path`` if its prolog holds a DOCTYPE or cannot be decoded (see the module)."""
    with path.open("rb") as handle:
        check_prolog(handle, str(path), noun)


def check_prolog(stream: IO[bytes], file: str, noun: str = "an XML file") -> None:
    """Refuse a stream whose prolog holds a DOCTYPE (``InvalidInput`` naming ``file`` and the line)
    or cannot be decoded. A stream that does not start like XML is left to its reader."""
    try:
        line = _doctype_line(stream)
    except _Refusal as refusal:
        raise InvalidInput(
            [
                Problem(
                    f"{refusal.message} in {noun}; {SAVE_AS}", file=file, line=refusal.line, field="encoding"
                )
            ],
            f"{file}: refused: the document cannot be decoded safely; nothing was read",
        ) from None
    if line is not None:
        raise doctype_error(file, line, noun)


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


def _doctype_line(stream: IO[bytes]) -> int | None:
    """The line of the prolog's DOCTYPE, or ``None`` when the first element comes without one."""
    head = stream.read(PROLOG_BYTES)
    codec, skip = _encoding(head)
    return _Prolog(_Text(stream, head[skip:], codec)).doctype_line()


def _encoding(head: bytes) -> tuple[str, int]:
    """The codec the document is written in and the length of its byte-order mark."""
    found = detected_encoding(head)
    if found is not None:
        codec, mark = found
        return _declared(head[mark:], codec), mark
    if head.startswith(_EBCDIC):
        raise _Refusal("the document is in EBCDIC, which is not supported", 1)
    if head[:4] in _UNUSUAL_ORDERS:
        raise _Refusal("the document is in UCS-4 with an unusual byte order, which is not supported", 1)
    return _declared(head, "utf-8"), 0


def _declared(head: bytes, detected: str) -> str:
    """The codec to read with: ``detected``, or for 8-bit text the encoding its XML declaration
    names, which must write the markup as ASCII does (or the scanner could be read round)."""
    unit = _UNIT.get(detected, 1)
    start = head[: DECLARATION_LIMIT * unit]
    text = start[: len(start) - len(start) % unit].decode(detected, errors="replace")
    end = text.find("?>")
    found = _ENCODING.match(text[: end + 2]) if text.startswith("<?xml") and end > 0 else None
    if found is None:
        return detected
    name = found.group(2)
    try:
        declared = codecs.lookup(name).name
    except LookupError:
        raise _Refusal(f"the declared encoding '{name}' is not supported", 1) from None
    if detected in _UNIT:
        # A 16- or 32-bit document may name its own width (UTF-16, UTF-16LE…), nothing else.
        if declared.replace("-", "_").startswith(f"utf_{8 * _UNIT[detected]}"):
            return detected
        raise _Refusal(f"the document declares the encoding '{name}' but is written in {detected.upper()}", 1)
    try:
        ascii_like = MARKUP.encode(declared) == MARKUP.encode("ascii")
    except UnicodeError:
        ascii_like = False
    if not ascii_like:
        raise _Refusal(f"the declared encoding '{name}' is not supported", 1)
    return declared


class _Text:
    """The document's text, decoded a chunk at a time, and the line the unused text starts on."""

    def __init__(self, stream: IO[bytes], first: bytes, codec: str) -> None:
        self.stream = stream
        self.codec = codec
        self.decoder = codecs.getincrementaldecoder(codec)("strict")
        self.pending = first
        self.ended = False
        self.broken = False  # the bytes after the decoded text are not text in the codec
        self.buffer = ""
        self.line = 1
        self.carriage = False  # the last text used ended with CR (CR LF is one line break)

    def more(self) -> bool:
        """Decode the next chunk onto the buffer; False at the end of the stream or of its text."""
        if self.ended or self.broken:
            return False
        data = self.pending or self.stream.read(PROLOG_BYTES)
        self.pending = b""
        final = not data
        try:
            self.buffer += self.decoder.decode(data, final=final)
        except UnicodeDecodeError as error:
            # Keep the text before the bad bytes: the prolog may end before them.
            self.buffer += error.object[: error.start].decode(self.codec, errors="ignore")
            self.broken = True
            return True
        self.ended = final
        return True

    def fill(self, size: int) -> None:
        """At least ``size`` characters in the buffer, unless the text ends first."""
        while len(self.buffer) < size and self.more():
            pass

    def use(self, count: int) -> None:
        """Drop ``count`` characters from the buffer, counting their line breaks as XML does."""
        used, self.buffer = self.buffer[:count], self.buffer[count:]
        if not used:
            return
        breaks = used.count("\n") + used.count("\r") - used.count("\r\n")
        if self.carriage and used[0] == "\n":
            breaks -= 1
        self.line += breaks
        self.carriage = used[-1] == "\r"

    def undecodable(self) -> _Refusal:
        return _Refusal(f"the document is not valid {self.codec.upper()} text", self.line)


class _Prolog:
    """The scanner: declaration, comments, processing instructions and white space, until the first
    element or a DOCTYPE."""

    def __init__(self, text: _Text) -> None:
        self.text = text

    def doctype_line(self) -> int | None:
        text = self.text
        started = False  # a declaration, comment or instruction has been read: this is XML
        while True:
            while True:  # white space
                rest = text.buffer.lstrip(_WHITE)
                text.use(len(text.buffer) - len(rest))
                if text.buffer or not text.more():
                    break
            if not text.buffer:
                if started and text.broken:
                    raise text.undecodable()
                return None
            text.fill(len("<!DOCTYPE"))
            head = text.buffer[: len("<!DOCTYPE")]
            if head.startswith("<?"):
                self._skip_past("<?", "?>")
            elif head.startswith("<!--"):
                self._skip_past("<!--", "-->")
            elif head.upper() == "<!DOCTYPE":
                return text.line
            elif started and text.broken and "<!DOCTYPE".startswith(head.upper()):
                raise text.undecodable()  # the bad bytes could be the rest of a DOCTYPE
            else:  # the first element, or text that is not XML: no DOCTYPE can follow
                return None
            started = True

    def _skip_past(self, start: str, end: str) -> None:
        """Use the buffer up to and including ``end`` (a comment's or instruction's end), reading on
        as needed but holding only a chunk at a time. The opening ``start`` is used first, so that
        its characters never count towards ``end`` (``<!-->`` does not close a comment)."""
        text = self.text
        text.use(len(start))
        while True:
            found = text.buffer.find(end)
            if found >= 0:
                text.use(found + len(end))
                return
            text.use(max(0, len(text.buffer) - (len(end) - 1)))  # keep what could begin ``end``
            if not text.more():
                if text.broken:
                    raise text.undecodable()
                text.use(len(text.buffer))  # never closed: the parser will say so
                return
