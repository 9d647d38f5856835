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
ANSWER_CACHE_VARIABLE = "LTSPLAN_ANSWER_CACHE"
DATABASE_URL_VARIABLE = "LTSPLAN_DATABASE_URL"
CURRENCY_VARIABLE = "LTSPLAN_CURRENCY"
SWITCHED_ON = ("1", "true", "yes", "on")
SWITCHED_OFF = ("0", "false", "no", "off")


def database_url_from(value: str | None) -> str:
    """Accept a SQLAlchemy URL or a plain file path (taken as a SQLite file)."""
    if not value:
        return os.environ.get(DATABASE_URL_VARIABLE) or DEFAULT_DATABASE_URL
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


def answer_cache_from(value: bool | None) -> bool:
    """Whether the server keeps answers (views/cache.py): the value given, else
    $LTSPLAN_ANSWER_CACHE (1/0, true/false, yes/no, on/off), else on."""
    if value is not None:
        return value
    text = os.environ.get(ANSWER_CACHE_VARIABLE, "").strip()
    if not text or text.lower() in SWITCHED_ON:
        return True
    if text.lower() in SWITCHED_OFF:
        return False
    raise InvalidInput(
        [Problem(f"'{text[:40]}' is neither on nor off; use 1 or 0", field=ANSWER_CACHE_VARIABLE)],
        f"${ANSWER_CACHE_VARIABLE} is not valid",
    )


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    reporting_currency: str = "EUR"
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES  # larger request bodies are answered 413
    # Off, every request computes its answer: what a first visit after a write costs, which the
    # api_load benchmark measures beside the cached figures.
    answer_cache: bool = True

    def environment(self) -> dict[str, str]:
        """These settings as the variables ``from_environment`` reads (for worker processes)."""
        return {
            DATABASE_URL_VARIABLE: self.database_url,
            CURRENCY_VARIABLE: self.reporting_currency,
            MAX_BODY_VARIABLE: str(self.max_body_bytes),
            ANSWER_CACHE_VARIABLE: "1" if self.answer_cache else "0",
        }

    @classmethod
    def from_environment(
        cls,
        database: str | None = None,
        max_body_bytes: int | None = None,
        answer_cache: bool | None = None,
    ) -> Settings:
        return cls(
            database_url=database_url_from(database),
            reporting_currency=os.environ.get(CURRENCY_VARIABLE, "EUR").upper(),
            max_body_bytes=max_body_bytes_from(max_body_bytes),
            answer_cache=answer_cache_from(answer_cache),
        )
