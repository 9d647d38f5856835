"""Request bodies, read as the JSON file formats read their files (``formats.jsons``): numbers keep
the text they were written with, so a bad value is named as given, and a body that is no JSON
object gets a 4xx answer that says where, never a server error."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends, Request

from ltsplan.errors import InvalidInput, Problem
from ltsplan.formats.jsons import decoder

BODY = "request body"


async def json_body(request: Request) -> Any:
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidInput(
            [Problem(f"not UTF-8 text (byte {error.start})", file=BODY)], f"the {BODY} is not UTF-8 text"
        ) from None
    try:
        return decoder().decode(text)
    except json.JSONDecodeError as error:
        problem = Problem(f"not valid JSON: {error.msg} (column {error.colno})", file=BODY, line=error.lineno)
    except ValueError as error:
        problem = Problem(f"not valid JSON: {error}", file=BODY)
    raise InvalidInput([problem], f"the {BODY} is not valid JSON; nothing was written")


JsonBody = Annotated[Any, Depends(json_body)]
