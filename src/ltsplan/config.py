"""Settings: one typed object built at start-up and passed in (never an import-time global)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite:///ltsplan.db"


def database_url_from(value: str | None) -> str:
    """Accept a SQLAlchemy URL or a plain file path (taken as a SQLite file)."""
    if not value:
        return os.environ.get("LTSPLAN_DATABASE_URL") or DEFAULT_DATABASE_URL
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser()}"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    reporting_currency: str = "EUR"

    @classmethod
    def from_environment(cls, database: str | None = None) -> Settings:
        return cls(
            database_url=database_url_from(database),
            reporting_currency=os.environ.get("LTSPLAN_CURRENCY", "EUR").upper(),
        )
