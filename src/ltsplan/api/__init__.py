"""The JSON API (FastAPI): one router per domain, built by ``create_app(settings)``."""

from ltsplan.api.app import create_app

__all__ = ["create_app"]
