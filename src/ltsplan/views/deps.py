"""What endpoints depend on, declared once with ``Annotated``: the database the app was built
with, the as-of moment of the request, and the settings."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy import Connection

from ltsplan.config import Settings
from ltsplan.errors import InvalidInput, Problem
from ltsplan.store.db import Database
from ltsplan.store.time import as_of

AS_OF_HELP = "Answer with what was known on this date (YYYY-MM-DD, or an ISO date-time in UTC)."


def parse_as_of(text: str | None) -> datetime | None:
    if text is None or text.strip() == "":
        return None
    text = text.strip()
    try:
        if len(text) == 10:
            return as_of(date.fromisoformat(text))
        return as_of(datetime.fromisoformat(text))
    except ValueError:
        raise InvalidInput(
            [
                Problem(
                    f"'{text}' is not a date; write it as YYYY-MM-DD (for example 2023-06-14)", field="as_of"
                )
            ],
            "the as-of date is not valid",
        ) from None


def as_of_moment(
    as_of: Annotated[str | None, Query(description=AS_OF_HELP, examples=["2023-06-14"])] = None,
) -> datetime | None:
    return parse_as_of(as_of)


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def reading_connection(database: Annotated[Database, Depends(get_database)]) -> Iterator[Connection]:
    with database.reading() as connection:
        yield connection


AsOf = Annotated[datetime | None, Depends(as_of_moment)]
DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ReadingConnection = Annotated[Connection, Depends(reading_connection)]
