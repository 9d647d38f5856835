"""Spreadsheet cells as every CSV and XLSX export writes them and every import reads them back.

Formula protection (OWASP's CSV-injection advice), made reversible. A spreadsheet runs text starting
with ``= + - @`` as a formula, and some run text starting with a tab, a carriage return or another
control character; the export puts an apostrophe in front of such text, and in front of text that
starts with an apostrophe followed by one of those or by another apostrophe (``protect``). The
import removes exactly one apostrophe from text of that second shape (``unprotect_text``). So every
text round-trips exactly: ``-5 tanks`` is written ``'-5 tanks``, ``'=x`` is written ``''=x``, and
``it's`` is left alone. Numbers, dates and booleans are never changed. ``protect_expr`` and
``unprotect_expr`` do the same to a Polars column, ``unneutralise_formula`` to a cell of any type.

XLSX text escapes (``xlsx_text``, ``from_xlsx_text``): a workbook is XML, which cannot hold the
control characters U+0000–U+0008, U+000B, U+000C, U+000E–U+001F, nor U+FFFE and U+FFFF. They are
written as ``_xHHHH_`` (HHHH the code in hexadecimal), the escape of the OOXML type ST_Xstring that
Excel itself writes and reads, and text that already looks like an escape gets its underscore
escaped (``_x001F_`` is written ``_x005F_x001F_``), so reading undoes exactly what writing did.
openpyxl writes and reads cell text as it is, without these escapes; ltsplan adds them both ways.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

import polars as pl

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
# The same rule as one regular expression class: a trigger, a control character, or (after an
# apostrophe) another apostrophe.
_TRIGGER_CLASS = "=+\\-@'\\x00-\\x1f"
_PROTECTED = re.compile(f"^'[{_TRIGGER_CLASS}]")


def starts_like_formula(text: str) -> bool:
    """True when a spreadsheet would read ``text`` as a formula (or it starts with a control character)."""
    return bool(text) and (text[0] in FORMULA_TRIGGERS or ord(text[0]) < 32)


def protect(value: str) -> str:
    """``value`` as an export writes it: an apostrophe in front when it starts like a formula, or
    with an apostrophe that import would otherwise remove."""
    if starts_like_formula(value) or _PROTECTED.match(value):
        return "'" + value
    return value


def unprotect_text(value: str | None) -> str | None:
    """The inverse of ``protect``: one leading apostrophe goes when a trigger or apostrophe follows."""
    if value and _PROTECTED.match(value):
        return value[1:]
    return value


def unneutralise_formula(value: Any) -> Any:
    """``unprotect_text`` for a cell of any type: only text is changed."""
    return unprotect_text(value) if isinstance(value, str) else value


def protect_expr(column: str) -> pl.Expr:
    """``protect`` column-wise, for the exporters."""
    needs = pl.col(column).str.contains(r"^[=+\-@\x00-\x1f]") | pl.col(column).str.contains(
        f"^'[{_TRIGGER_CLASS}]"
    )
    return (
        pl.when(needs.fill_null(False))
        .then(pl.lit("'") + pl.col(column))
        .otherwise(pl.col(column))
        .alias(column)
    )


def unprotect_expr(column: str) -> pl.Expr:
    """``unprotect_text`` column-wise, for the importers."""
    escaped = pl.col(column).str.contains(f"^'[{_TRIGGER_CLASS}]").fill_null(False)
    return pl.when(escaped).then(pl.col(column).str.slice(1)).otherwise(pl.col(column)).alias(column)


def is_blank(value: Any) -> bool:
    """An empty cell: nothing, or only white space."""
    return value is None or (isinstance(value, str) and not value.strip())


def written_text(value: Any) -> str | None:
    """A value as text the way every export writes it (before protection): booleans as true/false,
    dates and times in ISO 8601, numbers as Python writes them, nothing as ``None``."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    return str(value)


# -- XLSX ------------------------------------------------------------------------------------------

# What XML 1.0 cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE, and the two non-characters lxml
# refuses), or text that already has the shape of an escape.
_XLSX_WRITTEN = re.compile("_(?=x[0-9A-Fa-f]{4}_)|[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XLSX_ESCAPE = re.compile("_x([0-9A-Fa-f]{4})_")


def _escaped(match: re.Match[str]) -> str:
    return f"_x{ord(match.group()):04X}_"


def _unescaped(match: re.Match[str]) -> str:
    code = int(match.group(1), 16)
    # Half a surrogate pair is not text (nothing could store it): such an "escape" stays as it is.
    return match.group() if 0xD800 <= code <= 0xDFFF else chr(code)


def xlsx_text(value: str) -> str:
    """Text as an XLSX cell holds it: formula protection, then the ST_Xstring escapes."""
    return _XLSX_WRITTEN.sub(_escaped, protect(value))


def from_xlsx_text(value: str) -> str:
    """The inverse of ``xlsx_text`` but for formula protection (the native readers undo that
    column-wise): ``_xHHHH_`` becomes the character it names, ``_x005F_`` an underscore."""
    return _XLSX_ESCAPE.sub(_unescaped, value) if "_x" in value else value


def xlsx_cell(value: Any) -> Any:
    """A value as an XLSX writer puts it in a cell: text protected and escaped, booleans as
    true/false text (what the readers take), numbers and dates as they are."""
    if isinstance(value, bool):
        return written_text(value)
    if isinstance(value, str):
        return xlsx_text(value)
    return value


def from_xlsx_cell(value: Any) -> Any:
    """A cell as an XLSX reader takes it: escapes and formula protection undone."""
    if isinstance(value, str):
        return unprotect_text(from_xlsx_text(value))
    return value
