"""Settings: one typed object built at start-up and passed in (never an import-time global)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ltsplan.errors import InvalidInput, Problem

DEFAULT_DATABASE_URL = "sqlite:///ltsplan.db"
# 1 MB in decimal units: far above any write the API takes (a source, an entry, a module's
# records), and small enough that a hostile client cannot make the server hold much.
DEFAULT_MAX_BODY_BYTES = 1_000_000
MAX_BODY_VARIABLE = "LTSPLAN_MAX_BODY_BYTES"


def database_url_from(value: str | None) -> str:
    """Accept a SQLAlchemy URL or a plain file path (taken as a SQLite file)."""
    if not value:
        return os.environ.get("LTSPLAN_DATABASE_URL") or DEFAULT_DATABASE_URL
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser()}"


def max_body_bytes_from(value: int | None) -> int:
    """The request-body limit: the value given, else $LTSPLAN_MAX_BODY_BYTES, else 1 MB."""
    if value is not None:
        return value
    text = os.environ.get(MAX_BODY_VARIABLE, "").strip()
    if not text:
        return DEFAULT_MAX_BODY_BYTES
    try:
        limit = int(text)
    except ValueError:
        limit = 0
    if limit < 1:
        raise InvalidInput(
            [Problem(f"'{text[:40]}' is not a whole number of bytes above 0", field=MAX_BODY_VARIABLE)],
            f"${MAX_BODY_VARIABLE} is not valid",
        )
    return limit


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    reporting_currency: str = "EUR"
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES  # larger request bodies are answered 413

    @classmethod
    def from_environment(cls, database: str | None = None, max_body_bytes: int | None = None) -> Settings:
        return cls(
            database_url=database_url_from(database),
            reporting_currency=os.environ.get("LTSPLAN_CURRENCY", "EUR").upper(),
            max_body_bytes=max_body_bytes_from(max_body_bytes),
        )
