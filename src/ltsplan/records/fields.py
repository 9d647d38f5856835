"""Fields of records: what a value may be, how it is read from a file cell, a YAML value or a JSON
body, and what a person is told when it cannot be (pure).

Every rule a single value must obey lives here once: types (text, date, number, whole number, yes/no),
finite numbers, lengths, enumerations, ISO codes and web addresses. A field reads one value at a time
(``Field.read``: the sections formats, the scenario document, the API) and, for the ledger's bulk
formats, a whole column at a time (``Field.column_problems``); both give the same message for the same
bad value (tests/records/test_fields.py holds them together).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import polars as pl
import pycountry
from sqlalchemy import Boolean as SqlBoolean
from sqlalchemy import Date as SqlDate
from sqlalchemy import Float, Integer, String, Text
from sqlalchemy.types import TypeEngine

from ltsplan.formats.text import LONE_SURROGATE
from ltsplan.shipped import shipped

PolarsType = pl.DataType | type[pl.DataType]

# The messages, each a template with one {} for the value as given (shared by both readers).
NOT_A_DATE = "'{}' is not a date; write YYYY-MM-DD"
NOT_A_NUMBER = "'{}' is not a number (write it like 1250000 or -3.5)"
NOT_FINITE = "'{}' is not a finite number of at most 10^15"
# What a reader makes of a number too large for a float (1e309): its text is gone, so it is said in
# words, not quoted as 'inf'.
TOO_LARGE_TO_READ = "too large to read as a number (over 10^308): give a finite number of at most 10^15"
# No figure a person or a ledger gives is larger (world GDP is about 10^14 USD): a larger number is
# a mistake or an attack, and bounding it keeps every total exact in whole cents (ledger/writes.py).
LARGEST_NUMBER = 1e15
NOT_WHOLE = "'{}' is not a whole number"
NOT_YES_OR_NO = "'{}' is not true or false (yes/no, 1/0)"
NOT_A_CURRENCY = "'{}' is not an ISO 4217 currency code"
NOT_A_COUNTRY = "'{}' is not an ISO 3166 alpha-3 country code"
NOT_A_WEB_ADDRESS = "'{}' is not a web address; give one that starts with http:// or https://"
NOT_ONE_VALUE = "expected a single value, not a list or mapping"
NOT_A_CODE = (
    "'{}' is not a code: letters, digits and . _ : / - only, starting with a letter or digit "
    "(such as DEU, XM-DAC-41114 or invite-ukraine)"
)
HOLDS_NUL = "the text holds a NUL character (\\x00), which no store keeps; remove it"
HOLDS_SURROGATE = "the text holds half of a surrogate pair (\\ud800–\\udfff), which is not text"
CODE = r"^[A-Za-z0-9][A-Za-z0-9._:/\-]*$"
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "x"})
FALSE_WORDS = frozenset({"false", "no", "n", "0"})
WEB_SCHEMES = ("http://", "https://")
# ISO 4217 today (list one, from pycountry) and its withdrawn codes (list three, shipped): an amount
# is kept in the currency it was given in, and a 2022 pledge in kuna is as valid as one in euro.
WITHDRAWN_CURRENCIES = frozenset(
    line.split(",", 1)[0]
    for line in shipped("currencies", "iso4217-list-three.csv").read_text(encoding="utf-8").splitlines()[1:]
    if line
)
CURRENCIES = frozenset(c.alpha_3 for c in pycountry.currencies) | WITHDRAWN_CURRENCIES


class FieldError(ValueError):
    """A value a field cannot take; the message says what would be accepted."""


def not_allowed(value: object, choices: tuple[str, ...]) -> str:
    return f"'{value}' is not allowed; use one of {', '.join(choices)}"


def too_long(value: str, size: int) -> str:
    return f"'{value[:40]}…' is longer than {size} characters"


def required(name: str) -> str:
    return f"'{name}' is required"


def cell_text(value: Any) -> str:
    """A value as text, the way a person wrote it: a spreadsheet's 2.0 is "2", a date is ISO."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class Kind:
    """What values a field holds: how one is read from a file or a body, stored and typed in Polars."""

    name: str
    polars: PolarsType
    read_value: Callable[[Any], Any]
    many: bool = False  # takes a list (YAML, JSON) as well as one value

    def sql(self, size: int | None) -> TypeEngine[Any]:
        types: dict[str, TypeEngine[Any]] = {
            "date": SqlDate(),
            "number": Float(),
            "integer": Integer(),
            "boolean": SqlBoolean(),
        }
        return types.get(self.name) or (String(size) if size else Text())


def _text(value: Any) -> str:
    return cell_text(value)


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text).date()
    except ValueError:
        raise FieldError(NOT_A_DATE.format(value)) from None


def _number(value: Any) -> float:
    if isinstance(value, (bool, list, dict)):
        raise FieldError(NOT_A_NUMBER.format(value))
    try:
        number = float(value) if isinstance(value, (int, float)) else float(str(value).strip())
    except (ValueError, OverflowError):
        raise FieldError(NOT_A_NUMBER.format(value)) from None
    if isinstance(value, float) and math.isinf(value):
        raise FieldError(TOO_LARGE_TO_READ)
    if not abs(number) <= LARGEST_NUMBER:  # NaN fails every comparison
        raise FieldError(NOT_FINITE.format(value))
    return number


def outside(typed: pl.Expr) -> pl.Expr:
    """Column-wise, a number that is not finite or is larger than any real figure."""
    return typed.is_not_null() & (typed.is_finite().not_() | (typed.abs() > LARGEST_NUMBER))


def not_finite(typed: pl.Expr) -> pl.Expr:
    """``NOT_FINITE`` for a number already read (its text is gone), worded as ``Field.read`` words
    the same value: NaN as no number, an infinity as ``TOO_LARGE_TO_READ``, a large finite one
    written out without the float's '.0'."""
    written = pl.when(typed == typed.round(0)).then(typed.cast(pl.Int128, strict=False).cast(pl.Utf8))
    return (
        pl.when(typed.is_nan())
        .then(pl.lit(NOT_A_NUMBER.format("NaN")))
        .when(typed.is_infinite())
        .then(pl.lit(TOO_LARGE_TO_READ))
        .otherwise(pl.format(NOT_FINITE, pl.coalesce(written, typed.cast(pl.Utf8))))
    )


def _integer(value: Any) -> int:
    try:
        number = _number(value)
    except FieldError:
        raise FieldError(NOT_WHOLE.format(value)) from None
    if not number.is_integer():
        raise FieldError(NOT_WHOLE.format(value))
    return int(number)


NOT_AN_INSTANT = (
    "'{}' is not a date or a date-time; write YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS (UTC, or with an offset "
    "such as +02:00)"
)
# A moment whose offset takes it before 0001-01-01 in UTC: Polars would keep it as year 0, which
# no store reads back (every later query of the table would fail).
BEYOND_CALENDAR = "'{}' falls before the year 1 once in UTC; give a later moment"


def _instant(value: Any) -> datetime:
    """A record time: a date (midnight UTC) or a date-time, with an offset or in UTC, as naive UTC."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, datetime.min.time())
    else:
        text = str(value).strip().replace(" ", "T")
        try:
            moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
        except ValueError:
            raise FieldError(NOT_AN_INSTANT.format(value)) from None
    try:
        return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
    except OverflowError:
        raise FieldError(BEYOND_CALENDAR.format(value)) from None


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = cell_text(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise FieldError(NOT_YES_OR_NO.format(value))


TEXT = Kind("text", pl.Utf8, _text)
DATE = Kind("date", pl.Date, _date)
NUMBER = Kind("number", pl.Float64, _number)
INTEGER = Kind("integer", pl.Int64, _integer)
BOOLEAN = Kind("boolean", pl.Boolean, _boolean)
INSTANT = Kind("instant", pl.Datetime("us"), _instant)
ID = Kind("id", pl.Utf8, _text)  # a record id (32 hex digits), stored as String(32)


def is_currency(code: str) -> bool:
    return code in CURRENCIES


def is_web_address(text: str) -> bool:
    return text.strip().lower().startswith(WEB_SCHEMES)


@dataclass(frozen=True)
class Field:
    """One field of a record: its column, how it is read and checked, and its name in files.

    ``required``: the column is NOT NULL, and a file must give a value unless ``default`` supplies
    one. ``size``: the column is String(size) and longer text is refused (None: unlimited Text).
    ``file``: the field's name in files and request bodies when it is not the column's (None: the
    same; "" : not in files at all, such as a reference resolved from other fields). ``free``: text
    keeps its leading and trailing spaces. ``versioned``: part of the content digest (values the
    system derives, such as normalised money, are not). ``normalise`` tidies a text before it is
    checked (``lower``: enumerations are matched without regard to case and underscores).
    """

    name: str
    kind: Kind = TEXT
    required: bool = False
    size: int | None = None
    file: str | None = None
    default: Any = None
    choices: tuple[str, ...] = ()
    free: bool = False
    versioned: bool = True
    normalise: Callable[[str], str] | None = None
    check: Callable[[Any], str | None] | None = None
    doc: str = ""
    filled: bool = False  # NOT NULL, but a file may leave it out: the record's from_file fills it
    missing: str | None = None  # what to say when a required value is not given (else "'x' is required")

    def missing_message(self) -> str:
        return self.missing or required(self.file_name)

    @property
    def nullable(self) -> bool:
        return not (self.required or self.filled)

    @property
    def file_name(self) -> str:
        return self.name if self.file is None else self.file

    @property
    def in_files(self) -> bool:
        return self.file != ""

    @property
    def polars(self) -> PolarsType:
        return self.kind.polars

    def sql_type(self) -> TypeEngine[Any]:
        return self.kind.sql(self.size)

    def read(self, value: Any) -> Any:
        """The typed value of one given value (None when blank: the caller decides whether a value
        was required); raises FieldError with what would be accepted."""
        if value is None:
            return None
        if isinstance(value, float) and math.isnan(value):
            # YAML's .nan, a spreadsheet's #NUM!: a value that is there and is no number, never
            # an empty cell (an amount that is NaN would be counted as missing, silently).
            raise FieldError(NOT_A_NUMBER.format("NaN"))
        if isinstance(value, dict) or (isinstance(value, (list, tuple)) and not self.kind.many):
            raise FieldError(NOT_ONE_VALUE)
        if isinstance(value, str):
            if not value.strip():
                return None
            if not self.free:
                value = value.strip()
            if "\x00" in value:
                raise FieldError(HOLDS_NUL)
            if LONE_SURROGATE.search(value):
                raise FieldError(HOLDS_SURROGATE)
        parsed = self.kind.read_value(value)
        if isinstance(parsed, str):
            if self.normalise is not None:
                parsed = self.normalise(parsed)
            if self.size is not None and len(parsed) > self.size:
                raise FieldError(too_long(parsed, self.size))
            if self.choices and parsed not in self.choices:
                raise FieldError(not_allowed(parsed, self.choices))
        if self.check is not None:
            message = self.check(parsed)
            if message is not None:
                raise FieldError(message)
        return parsed

    def typed_problems(self, typed: pl.Expr) -> list[tuple[pl.Expr, pl.Expr]]:
        """Column-wise, the rules ``read`` applies to a value already typed (a frame a reader made:
        the ledger's IATI and Kiel readers, a request body): a required value missing, a number that
        is not finite, a value outside its enumeration, an ISO code that is not one. (failing,
        message) pairs."""
        found: list[tuple[pl.Expr, pl.Expr]] = []
        if self.required and self.default is None:
            blank = typed.is_null()
            if self.kind.polars == pl.Utf8:
                blank = blank | (typed.str.strip_chars() == "")
            found.append((blank, pl.lit(self.missing_message())))
        if self.kind is NUMBER:
            found.append((outside(typed), not_finite(typed)))
        if self.choices:
            found.append(
                (
                    typed.is_not_null() & typed.is_in(list(self.choices)).not_(),
                    pl.format("'{}' is not allowed; use one of " + ", ".join(self.choices), typed),
                )
            )
        if self.kind.polars == pl.Utf8:
            found.append((typed.str.contains("\x00", literal=True), pl.lit(HOLDS_NUL)))
        if self.check is code:
            found.append(
                (typed.is_not_null() & typed.str.contains(CODE).not_(), pl.format(NOT_A_CODE, typed))
            )
        if self.check is currency:
            found.append(
                (
                    typed.is_not_null() & typed.is_in(sorted(CURRENCIES)).not_(),
                    pl.format(NOT_A_CURRENCY, typed),
                )
            )
        return found

    def column_problems(self, text: pl.Expr, typed: pl.Expr) -> list[tuple[pl.Expr, pl.Expr]]:
        """Column-wise, the rules of ``read`` that need the text as given: (failing, message) for a
        column of text and the same column parsed (null where unreadable): dates and numbers that
        cannot be read, text that is too long. (The rules of typed values: ``typed_problems``.)"""
        found: list[tuple[pl.Expr, pl.Expr]] = []
        if self.kind is DATE:
            found.append(
                (text.is_not_null() & typed.is_null(), pl.format(NOT_A_DATE.replace("{}", "{}"), text))
            )
        elif self.kind is NUMBER:
            found.append((text.is_not_null() & typed.is_null(), pl.format(NOT_A_NUMBER, text)))
            found.append((outside(typed), pl.format(NOT_FINITE, text)))
        if self.kind is TEXT and self.size is not None:
            # Bytes first (free to count); characters only where the bytes exceed the limit.
            over = text.str.len_bytes() > self.size
            found.append(
                (
                    over & (pl.when(over).then(text).str.len_chars() > self.size),
                    pl.format("'{}…' is longer than {} characters", text.str.slice(0, 40), pl.lit(self.size)),
                )
            )
        return found


def web_address(value: Any) -> str | None:
    """A source's address must be one a browser opens as a page (not javascript: or data:)."""
    return None if is_web_address(str(value)) else NOT_A_WEB_ADDRESS.format(value)


def code(value: Any) -> str | None:
    """A code that names an actor (a donor, a member, an assessor) or a record others cite (a
    decision, a condition, an objective) is an identifier: it shows in links, file names and other
    records' fields, so it has no spaces, markup or control characters."""
    return None if re.match(CODE, str(value)) else NOT_A_CODE.format(value)


def code_field(name: str, *, required: bool = False, **more: Any) -> Field:
    """A field holding a code (at most 64 characters, of ``code``'s shape)."""
    return Field(name, required=required, size=64, check=code, **more)


def currency(value: Any) -> str | None:
    return None if is_currency(str(value)) else NOT_A_CURRENCY.format(value)


def lower(text: str) -> str:
    """Enumerations are matched as people write them: any case, underscores for spaces."""
    return " ".join(text.lower().replace("_", " ").split())
