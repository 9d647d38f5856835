"""The one place where errors become answers: a JSON body with status 4xx for the API, an HTML
page for the web; FastAPI's own request validation is turned into our InvalidInput first, so a
422 always has the same shape: {"error": …, "problems": [{"field", "message", …}]}."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from ltsplan.errors import InvalidInput, LtsplanError, Problem

API_PREFIX = "/api/"


def problems_from_validation(error: RequestValidationError) -> InvalidInput:
    problems = []
    for item in error.errors():
        location = [str(part) for part in item.get("loc", ()) if part not in ("body", "query", "path")]
        problems.append(Problem(str(item.get("msg", "invalid")), field=".".join(location) or None))
    return InvalidInput(problems, "the request is not valid; nothing was written")


def body_of(error: LtsplanError) -> dict[str, Any]:
    body: dict[str, Any] = {"error": error.message, "status": error.status_code}
    if isinstance(error, InvalidInput):
        body["problems"] = [p.as_dict() for p in error.problems]
    return body


def wants_html(request: Request) -> bool:
    if request.url.path.startswith(API_PREFIX) or request.url.path.endswith((".csv", ".json")):
        return False
    return "text/html" in request.headers.get("accept", "")


def respond_to(request: Request, error: LtsplanError) -> Response:
    if wants_html(request):
        state = request.app.state
        page = state.page_context(request, "Cannot answer that", error=error, body=body_of(error))
        response: Response = state.templates.TemplateResponse(
            request, "error.html", page, status_code=error.status_code
        )
        return response
    return JSONResponse(body_of(error), status_code=error.status_code)


def install(app: FastAPI) -> None:
    async def on_error(request: Request, exc: Exception) -> Response:
        if isinstance(exc, RequestValidationError):
            exc = problems_from_validation(exc)
        assert isinstance(exc, LtsplanError)
        return respond_to(request, exc)

    app.add_exception_handler(LtsplanError, on_error)
    app.add_exception_handler(RequestValidationError, on_error)
