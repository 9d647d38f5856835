"""Helpers for tests that feed ltsplan hostile input and check it was refused without a trace."""

from __future__ import annotations

import hashlib

from sqlalchemy import MetaData, create_engine, select


def table_hashes(database_url: str) -> dict[str, str]:
    """A SHA-256 of every table's rows, by table name, for the database at ``database_url``.

    Take it before and after an import that must be refused, and compare: equal dictionaries mean
    nothing was written (no row added, changed or removed in any table, the import log included).
    The tables are those the database holds at the time (``MetaData.reflect``), so a migration run
    by the import would show as well. Rows are hashed each as the ``repr`` of its values (so
    ``None``, ``"None"`` and a NUL character hash apart) and the row hashes sorted before they are
    combined, so the result does not depend on the order the database returns rows in (and no
    column needs to be orderable: PostgreSQL cannot order by a JSON column).
    """
    engine = create_engine(database_url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        hashes = {}
        with engine.connect() as connection:
            for name, table in sorted(metadata.tables.items()):
                rows = sorted(
                    hashlib.sha256(repr(tuple(row)).encode("utf-8", "surrogatepass")).digest()
                    for row in connection.execute(select(table))
                )
                hashes[name] = hashlib.sha256(b"".join(rows)).hexdigest()
        return hashes
    finally:
        engine.dispose()
