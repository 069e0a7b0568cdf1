"""Storage of Networks in SQLite (default) or PostgreSQL.

``Store(url)`` opens a database, migrates the store's tables (Alembic migrations shipped
in ``symbiograph/store/migrations``) and saves, loads, lists and deletes named Networks.
The schema is derived from the attribute table of ``symbiograph.model``.
"""

from symbiograph.store._schema import metadata, table_name
from symbiograph.store._store import NetworkExistsError, NetworkNotFoundError, Store, upgrade

__all__ = [
    "NetworkExistsError",
    "NetworkNotFoundError",
    "Store",
    "metadata",
    "table_name",
    "upgrade",
]
