"""JSON read the way every face reads it (files, request bodies): numbers keep the text they were
written with (so that ``1e309`` is named as given, not as ``inf``), the constants ``NaN`` and
``Infinity``, which JSON does not have, are refused, and every way a document can fail — bad
syntax, nesting past ``formats.text.MAX_DEPTH``, an integer too long for Python to read, half of a
surrogate pair — is a ``NotJson`` with the line it is on, never an exception from deep inside."""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from ltsplan.formats.text import TOO_DEEP, escaped_surrogate_line, line_at, tree_problem

_LONG_INTEGER = re.compile(rf"\d{{{sys.get_int_max_str_digits() + 1},}}")


class Number(float):
    """A JSON number with the text it was written with."""

    text: str


class NotJson(ValueError):
    """A document (or the value at a position) that is not usable JSON; ``line`` where it fails."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def _number(text: str) -> Number:
    made = Number(text)
    made.text = text
    return made


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value (JSON has no {name})")


def decoder(**hooks: Any) -> json.JSONDecoder:
    return json.JSONDecoder(parse_float=_number, parse_constant=_constant, **hooks)


def decode(text: str, start: int = 0, using: json.JSONDecoder | None = None) -> tuple[Any, int]:
    """The value that starts at ``start`` and the position after it; ``NotJson`` otherwise."""
    try:
        value, end = (using or decoder()).raw_decode(text, start)
    except json.JSONDecodeError as error:
        raise NotJson(f"{error.msg} (column {error.colno})", error.lineno) from None
    except RecursionError:
        raise NotJson(TOO_DEEP, line_at(text, start)) from None
    except ValueError as error:  # a constant JSON does not have, an integer too long to read
        found = _LONG_INTEGER.search(text, start)
        if found is not None and "digits" in str(error):
            raise NotJson(
                f"a number of {found.end() - found.start():,} digits; at most "
                f"{sys.get_int_max_str_digits():,} are read",
                line_at(text, found.start()),
            ) from None
        raise NotJson(str(error), line_at(text, start)) from None
    problem = tree_problem(value)
    if problem is not None:
        line = escaped_surrogate_line(text, start) if "surrogate" in problem else line_at(text, start)
        raise NotJson(problem, line)
    return value, end


def loads(text: str, using: json.JSONDecoder | None = None) -> Any:
    """The whole of ``text`` as one JSON value (white space around it allowed)."""
    start = len(text) - len(text.lstrip())
    value, end = decode(text, start, using)
    if text[end:].strip():
        raise NotJson("more after the JSON value ends", line_at(text, end))
    return value


def number_text(value: float | int) -> str:
    """A number as it was written (a ``Number``), else as Python writes it."""
    return getattr(value, "text", None) or (repr(value) if isinstance(value, float) else str(value))
