"""Alembic environment: migrations run on the connection ltsplan hands over (see store.db)."""

from alembic import context

from ltsplan import domains
from ltsplan.store.schema import metadata

domains.tables()  # every table on the metadata, for autogenerate and the schema test
connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when alembic is run by hand
    from sqlalchemy import create_engine

    url = context.config.get_main_option("sqlalchemy.url") or "sqlite:///ltsplan.db"
    connection = create_engine(url).connect()

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
