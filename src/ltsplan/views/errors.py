"""The one place where errors become answers: a JSON body with status 4xx for the API, an HTML
page for the web; FastAPI's own request validation is turned into our InvalidInput first, so a
422 always has the same shape: {"error": …, "problems": [{"field", "message", …}]}. Routing's own
refusals (no such path, a method the path does not take) get the same shape, and a 405 names, in
its ``Allow`` header, every method any route at that path takes. ``ERROR_RESPONSES`` describes these
answers in the OpenAPI document."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.routing import Match, Mount

from ltsplan.errors import InvalidInput, LtsplanError, Problem

API_PREFIX = "/api/"
PROBED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class BodyTooLarge(LtsplanError):
    """A request body over the configured limit (``Settings.max_body_bytes``)."""

    status_code = 413

    def __init__(self, limit: int) -> None:
        super().__init__(f"the request body is larger than the limit of {limit} bytes; nothing was written")
        self.limit = limit


class Refused(LtsplanError):
    """Routing's own answer (404 no such path, 405 method not taken), in our shape."""

    def __init__(self, message: str, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


class ProblemBody(BaseModel):
    message: str = Field(description="What is wrong, and what would be accepted.")
    field: str | None = Field(None, description="The parameter or field at fault.")
    file: str | None = Field(None, description="`request body` for a problem in the body.")
    line: int | None = None
    record: str | None = Field(None, description="Which record of the body, when it has several.")


class ErrorBody(BaseModel):
    """Every 4xx answer of the API."""

    error: str = Field(description="What went wrong, in a sentence.")
    status: int = Field(description="The HTTP status, repeated.")
    problems: list[ProblemBody] | None = Field(None, description="With 422: every problem found.")


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "The request cannot be answered as asked."},
    404: {"model": ErrorBody, "description": "No such record (as of the date asked)."},
    413: {"model": ErrorBody, "description": "The request body is over the server's limit."},
    422: {"model": ErrorBody, "description": "A parameter or the body is invalid; every problem is listed."},
    503: {"model": ErrorBody, "description": "Another write has held the database too long; try again."},
}


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


def allowed_methods(request: Request) -> list[str]:
    """Every method some route at this path takes: a path can have several routes (the list's
    GET and the API's POST at /api/ledger/entries), and Starlette names only the first's. Each
    method is tried against the app's routes as a fresh request to the same path would be."""
    scope = request.scope
    allowed: set[str] = set()
    for method in PROBED_METHODS:
        probe = {
            "type": "http",
            "method": method,
            "path": scope["path"],
            # A mount (the static files) rewrites root_path for what it serves; start from the top.
            "root_path": scope.get("app_root_path", scope.get("root_path", "")),
            "headers": scope.get("headers", []),
        }
        for route in request.app.router.routes:
            match, _ = route.matches(probe)
            # A mount matches any method; the one mount is the static files, which serve GET.
            if match == Match.FULL and (method == "GET" or not isinstance(route, Mount)):
                allowed.add(method)
    if "GET" in allowed:
        allowed.add("HEAD")  # answered for every GET by the guard (guard.py)
    return sorted(allowed)


def refusal(request: Request, error: HTTPException) -> tuple[Refused, dict[str, str]]:
    headers = dict(error.headers or {})
    path = request.url.path
    if error.status_code == 405:
        allowed = allowed_methods(request)
        headers["Allow"] = ", ".join(allowed)
        message = f"{request.method} is not taken at {path}; it takes {', '.join(allowed)}"
    elif error.status_code == 404:
        message = f"nothing is at {path}"
    else:
        message = str(error.detail)
    return Refused(message, error.status_code), headers


def install(app: FastAPI) -> None:
    async def on_error(request: Request, exc: Exception) -> Response:
        if isinstance(exc, RequestValidationError):
            exc = problems_from_validation(exc)
        assert isinstance(exc, LtsplanError)
        return respond_to(request, exc)

    async def on_refusal(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        error, headers = refusal(request, exc)
        response = respond_to(request, error)
        response.headers.update(headers)
        return response

    app.add_exception_handler(LtsplanError, on_error)
    app.add_exception_handler(RequestValidationError, on_error)
    app.add_exception_handler(HTTPException, on_refusal)
