"""Alembic environment of the store's migrations.

The store runs these programmatically (``symbiograph.store.upgrade``) and passes an open
connection in ``config.attributes["connection"]``; a ``sqlalchemy.url`` main option is
used otherwise (e.g. from the ``alembic`` command line with ``-x`` free set-ups).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from symbiograph.store._schema import VERSION_TABLE, metadata

config = context.config


def _run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata(),
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata(),
        version_table=VERSION_TABLE,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    given = config.attributes.get("connection")
    if given is not None:
        _run(given)
    else:
        engine = sa.create_engine(str(config.get_main_option("sqlalchemy.url")))
        with engine.connect() as connection:
            _run(connection)
        engine.dispose()
