"""What endpoints depend on, declared once with ``Annotated``: the database the app was built
with, the as-of moment of the request, and the settings; and the bounded types every query
parameter that is a year, a month or a day takes (``Year``, ``Month``, ``Day``), so that no number
or date a client sends is too large for the code and the database behind it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, Query, Request
from pydantic import Field
from sqlalchemy import Connection

from ltsplan.config import Settings
from ltsplan.errors import InvalidInput, Problem
from ltsplan.listing import shown
from ltsplan.store.db import Database
from ltsplan.store.time import as_of

AS_OF_HELP = "Answer with what was known on this date (YYYY-MM-DD, or an ISO date-time in UTC)."
# Years, and the days within them, that a question can be about: wide enough for any support plan,
# narrow enough that a day added or a time zone applied cannot leave the calendar.
FIRST_YEAR, LAST_YEAR = 1900, 2200
FIRST_DAY, LAST_DAY = date(FIRST_YEAR, 1, 1), date(LAST_YEAR, 12, 31)

Year = Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR)]
# The year of a figure the pages link to its sources: any year a ledger entry can be dated in.
EntryYear = Annotated[int, Field(ge=1, le=9999)]
Month = Annotated[int, Field(ge=1, le=12)]
Day = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]


def parse_as_of(text: str | None) -> datetime | None:
    if text is None or text.strip() == "":
        return None
    text = text.strip()
    try:
        given: date | datetime = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            [
                Problem(
                    f"'{shown(text)}' is not a date; write it as YYYY-MM-DD (for example 2023-06-14)",
                    field="as_of",
                )
            ],
            "the as-of date is not valid",
        ) from None
    day = given.date() if isinstance(given, datetime) else given
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InvalidInput(
            [Problem(f"'{shown(text)}' is not between {FIRST_DAY} and {LAST_DAY}", field="as_of")],
            "the as-of date is not valid",
        )
    return as_of(given)


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
