"""Request bodies, read as the JSON file formats read their files (``formats.jsons``): numbers keep
the text they were written with, so a bad value is named as given, and a body that is no JSON
object gets a 4xx answer that says where, never a server error."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from ltsplan.errors import InvalidInput, Problem
from ltsplan.formats.jsons import NotJson, loads
from ltsplan.formats.text import decode_utf8

BODY = "request body"


async def json_body(request: Request) -> Any:
    text = decode_utf8(await request.body(), BODY)
    try:
        return loads(text)
    except NotJson as error:
        raise InvalidInput(
            [Problem(f"not valid JSON: {error.message}", file=BODY, line=error.line)],
            f"the {BODY} is not valid JSON; nothing was written",
        ) from None


JsonBody = Annotated[Any, Depends(json_body)]
