"""Alembic environment: runs on the connection Agora passes in (see ``db.upgrade``)."""

from alembic import context

from agora.store.contributions.db import VERSION_TABLE
from agora.store.contributions.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, version_table=VERSION_TABLE,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
