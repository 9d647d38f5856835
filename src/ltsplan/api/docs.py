"""``GET /api/docs``: FastAPI's Swagger UI page, with a Content-Security-Policy of its own.

The page loads Swagger UI's script and stylesheet from cdn.jsdelivr.net and starts it with one
inline script, and Swagger UI styles itself inline and draws its icons from ``data:`` images —
none of which the pages' policy (``views/guard.py``) allows. This one page gets a looser policy:
scripts from the CDN and the one inline script by its hash (no other inline script runs), styles
from the CDN and inline, ``data:`` images, requests to this server only, no framing. The page
shows nothing from the request, so the looser rules open no way in (docs/web.md).
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

CDN = "https://cdn.jsdelivr.net"
FAVICON = "https://fastapi.tiangolo.com"
INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)

router = APIRouter(include_in_schema=False)


def docs_policy(page: str) -> str:
    """The docs page's policy: its inline scripts allowed by their hashes, nothing else inline."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in INLINE_SCRIPT.findall(page)
    )
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src {CDN} {hashes}",
            f"style-src {CDN} 'unsafe-inline'",
            f"img-src 'self' data: {FAVICON}",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        )
    )


@router.get("/api/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> HTMLResponse:
    root_path = request.scope.get("root_path", "").rstrip("/")
    openapi_url = root_path + (request.app.openapi_url or "/openapi.json")
    page = get_swagger_ui_html(openapi_url=openapi_url, title=f"{request.app.title} - Swagger UI")
    text = bytes(page.body).decode()
    return HTMLResponse(text, headers={"Content-Security-Policy": docs_policy(text)})
