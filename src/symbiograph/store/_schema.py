"""The database schema, derived from the attribute table of ``symbiograph.model``.

One table ``sg_networks`` lists the stored networks by name; ``sg_versions`` lists every
version of each (an import adds a version, earlier ones stay until pruned); each Network
table ``t`` becomes ``sg_t`` with ``version_id`` (foreign key to ``sg_versions``, ON DELETE
CASCADE), ``row_order`` (the row's position in the DataFrame) and one column per attribute.
Ids of networks and versions are never reused (AUTOINCREMENT on SQLite, sequences on
PostgreSQL). Columns are never written by
hand here: adding an attribute to ``attributes.csv`` adds a column (and then needs a new
migration, which ``tests/store`` detects).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import sqlalchemy as sa

from symbiograph.model import TABLES, attributes, column_dtype, key_columns

__all__ = [
    "NETWORKS",
    "PREFIX",
    "VERSIONS",
    "VERSION_TABLE",
    "column_type",
    "count_column",
    "metadata",
    "storage",
    "table_name",
]

#: Prefix of every table the store creates (keeps it apart from other applications).
PREFIX = "sg_"
#: The table that lists the stored networks.
NETWORKS = f"{PREFIX}networks"
#: The table that lists every stored version of every network.
VERSIONS = f"{PREFIX}versions"
#: Alembic's version table for the store's migrations.
VERSION_TABLE = f"{PREFIX}alembic_version"

_NAMING = {
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ix": "ix_%(table_name)s_%(column_0_label)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}


def table_name(table: str) -> str:
    """The database table holding the Network table ``table`` (e.g. ``sg_streams``)."""
    return f"{PREFIX}{table}"


def count_column(table: str) -> str:
    """The column of ``sg_versions`` holding the number of rows of ``table``."""
    return f"n_{table}"


def storage(kind: str) -> str:
    """How values of an attribute type are stored: ``text``, ``float``, ``int`` or ``bool``.

    Follows the attribute type's pandas dtype (``symbiograph.model.column_dtype``), so a new
    attribute type (e.g. ``price``, a float) is stored without a change here.
    """
    dtype = str(column_dtype(kind))
    return {"float64": "float", "Int64": "int", "bool": "bool"}.get(dtype, "text")


def column_type(kind: str) -> sa.types.TypeEngine[Any]:
    """The SQL type of an attribute type: Text, Double (precision), BigInteger or Boolean."""
    types: dict[str, sa.types.TypeEngine[Any]] = {
        "text": sa.Text(),
        "float": sa.Double(),
        "int": sa.BigInteger(),
        "bool": sa.Boolean(),
    }
    return types[storage(kind)]


@lru_cache(maxsize=1)
def metadata() -> sa.MetaData:
    """The store's tables as SQLAlchemy Core metadata (built once from the attribute table)."""
    meta = sa.MetaData(naming_convention=_NAMING)
    sa.Table(
        NETWORKS,
        meta,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.Text(), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sqlite_autoincrement=True,
    )
    sa.Table(
        VERSIONS,
        meta,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "network_id",
            sa.Integer(),
            sa.ForeignKey(f"{NETWORKS}.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        *(sa.Column(count_column(t), sa.BigInteger(), nullable=False) for t in TABLES),
        sa.UniqueConstraint("network_id", "number"),
        sqlite_autoincrement=True,
    )
    for table in TABLES:
        keys = key_columns(table)
        sa.Table(
            table_name(table),
            meta,
            sa.Column(
                "version_id",
                sa.Integer(),
                sa.ForeignKey(f"{VERSIONS}.id", ondelete="CASCADE"),
                nullable=False,
            ),
            sa.Column("row_order", sa.BigInteger(), nullable=False),
            *(
                sa.Column(a.name, column_type(a.type), nullable=a.name not in keys)
                for a in attributes(table)
            ),
            sa.PrimaryKeyConstraint("version_id", *keys),
        )
    from symbiograph.store._accounts import account_tables  # imports this module

    account_tables(meta)
    from symbiograph.store._registry import registry_tables

    registry_tables(meta)
    from symbiograph.store._jobs import jobs_tables
    from symbiograph.store._pipeline import pipeline_tables

    pipeline_tables(meta)
    jobs_tables(meta)
    from symbiograph.store._ledger import ledger_tables

    ledger_tables(meta)
    return meta
