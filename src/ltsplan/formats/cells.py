"""Spreadsheet cells that must not run as formulas (OWASP's CSV-injection advice).

Writers pass text through ``neutralise_formula``: text that starts like a formula (``= + - @``, a tab,
a carriage return or any other control character) gets a leading apostrophe, so a spreadsheet shows it
as text instead of running it. Readers pass cells through ``unneutralise_formula``, which removes that
apostrophe again, so export then import gives back the same values. Numbers and dates are left alone.
"""

from __future__ import annotations

from typing import Any

import polars as pl

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def starts_like_formula(text: str) -> bool:
    """True when a spreadsheet would read ``text`` as a formula (or it starts with a control character)."""
    return bool(text) and (text[0] in FORMULA_TRIGGERS or ord(text[0]) < 32)


def neutralise_formula(value: Any) -> Any:
    """A text cell starting like a formula gets a leading apostrophe; anything else is returned as it is."""
    if isinstance(value, str) and starts_like_formula(value):
        return "'" + value
    return value


def unneutralise_formula(value: Any) -> Any:
    """Undo ``neutralise_formula``: "'=x" was written for "=x"; anything else is returned as it is."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and starts_like_formula(value[1:]):
        return value[1:]
    return value


def is_blank(value: Any) -> bool:
    """An empty cell: nothing, or only white space."""
    return value is None or (isinstance(value, str) and not value.strip())


def written_cell(value: Any) -> Any:
    """A value as a writer puts it in a CSV or XLSX cell: booleans as true/false, text neutralised."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return neutralise_formula(value)


# Formula protection (OWASP's CSV-injection advice), made reversible: export puts an apostrophe in
# front of text starting with = + - @ or a control character (formats.cells.neutralise_formula), and in
# front of text that starts with an apostrophe followed by one of those or another apostrophe; import
# removes exactly one apostrophe from text of that second shape. Round trips are therefore exact.
_TRIGGER_CLASS = "=+\\-@'\\x00-\\x1f"


def protect(value: str) -> str:
    if len(value) > 1 and value[0] == "'" and (value[1] == "'" or starts_like_formula(value[1:])):
        return "'" + value
    protected: str = neutralise_formula(value)
    return protected


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
    """The inverse of ``protect``: one leading apostrophe goes when a trigger or apostrophe follows."""
    escaped = pl.col(column).str.contains(f"^'[{_TRIGGER_CLASS}]").fill_null(False)
    return pl.when(escaped).then(pl.col(column).str.slice(1)).otherwise(pl.col(column)).alias(column)


def unprotect_text(value: str | None) -> str | None:
    """``unprotect_expr`` for one value."""
    if value and len(value) > 1 and value[0] == "'" and protect(value[1:]) == value:
        return value[1:]
    return value
