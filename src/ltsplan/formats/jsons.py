"""JSON read the way every face reads it: numbers keep the text they were written with (so that
``1e309`` is named as given, not as ``inf``), and the constants ``NaN`` and ``Infinity``, which
JSON does not have, are refused."""

from __future__ import annotations

import json
from typing import Any


class Number(float):
    """A JSON number with the text it was written with."""

    text: str


def _number(text: str) -> Number:
    made = Number(text)
    made.text = text
    return made


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value (JSON has no {name})")


def decoder(**hooks: Any) -> json.JSONDecoder:
    return json.JSONDecoder(parse_float=_number, parse_constant=_constant, **hooks)


def number_text(value: float | int) -> str:
    """A number as it was written (a ``Number``), else as Python writes it."""
    return getattr(value, "text", None) or (repr(value) if isinstance(value, float) else str(value))
