"""The web face: server-rendered pages (Jinja) over the same list views as the JSON API."""
