"""Every import keeps the earlier versions: ``sg_versions`` holds each version of a network.

``sg_networks`` keeps one row per name (``id``, ``name``, ``created_at``); a network's
parameters, save time and row counts move to ``sg_versions`` (``number`` 1, 2, ... per
network, ``note`` saying where it came from), and every data table's ``network_id`` becomes
``version_id`` (foreign key to ``sg_versions``). Each stored network is carried over as its
version 1, whose version id is the old network id, so no data row is rewritten but for the
renamed column. Ids are never reused from here on (AUTOINCREMENT on SQLite; PostgreSQL's
sequences already are).

On SQLite the migration recreates tables, so it must run with foreign keys off (else
dropping a parent table would cascade to its rows); ``symbiograph.store.upgrade`` does
that and checks the foreign keys before it commits.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The Network tables as they stood at revision 0003 (frozen: not read from the model).
TABLES = (
    "sources",
    "resources",
    "facilities",
    "streams",
    "stream_quality",
    "exchanges",
    "transport_modes",
    "timeseries",
    "published_figures",
)
COUNTS = tuple(f"n_{t}" for t in TABLES)
NOTE = "carried over from the store before versions"


def _refuse_sqlite_foreign_keys_on() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError(
            "migration 0004 recreates tables and needs PRAGMA foreign_keys=OFF on SQLite "
            "(symbiograph.store.upgrade sets it)"
        )


def _sequence_past_max(table: str) -> None:
    """Move a PostgreSQL id sequence past the largest id in ``table`` (never back)."""
    bind = op.get_bind()
    sequence = bind.execute(sa.text(f"SELECT pg_get_serial_sequence('{table}', 'id')")).scalar()
    largest = bind.execute(sa.text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar_one()
    last, called = bind.execute(sa.text(f"SELECT last_value, is_called FROM {sequence}")).one()
    if (last + 1 if called else last) <= largest:
        bind.execute(
            sa.text("SELECT setval(:sequence, :value)"), {"sequence": sequence, "value": largest}
        )


def upgrade() -> None:
    """Apply this revision."""
    _refuse_sqlite_foreign_keys_on()
    dialect = op.get_bind().dialect.name
    op.create_table(
        "sg_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        *(sa.Column(c, sa.BigInteger(), nullable=False) for c in COUNTS),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["sg_networks.id"],
            name=op.f("fk_sg_versions_network_id_sg_networks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sg_versions")),
        sa.UniqueConstraint("network_id", "number", name=op.f("uq_sg_versions_network_id")),
        sqlite_autoincrement=True,
    )
    counts = ", ".join(COUNTS)
    op.execute(
        sa.text(
            f"INSERT INTO sg_versions (id, network_id, number, parameters, saved_at, note, "
            f"{counts}) SELECT id, id, 1, parameters, saved_at, :note, {counts} "
            "FROM sg_networks"
        ).bindparams(note=NOTE)
    )
    if dialect == "postgresql":  # explicit ids were inserted: the sequences go past them
        for table in ("sg_networks", "sg_versions"):
            _sequence_past_max(table)
    for table in TABLES:
        with op.batch_alter_table(f"sg_{table}") as batch:
            batch.drop_constraint(f"fk_sg_{table}_network_id_sg_networks", type_="foreignkey")
            batch.alter_column("network_id", new_column_name="version_id")
        with op.batch_alter_table(f"sg_{table}") as batch:  # apart: SQLite batch loses it
            batch.create_foreign_key(
                f"fk_sg_{table}_version_id_sg_versions",
                "sg_versions",
                ["version_id"],
                ["id"],
                ondelete="CASCADE",
            )
    with op.batch_alter_table(
        "sg_networks",
        recreate="always" if dialect == "sqlite" else "auto",
        table_kwargs={"sqlite_autoincrement": True},
    ) as batch:
        batch.alter_column("saved_at", new_column_name="created_at")
        batch.drop_column("parameters")
        for column in COUNTS:
            batch.drop_column(column)


def downgrade() -> None:
    """Revert this revision: each network keeps its newest version; the older ones go."""
    _refuse_sqlite_foreign_keys_on()
    dialect = op.get_bind().dialect.name
    op.execute(
        "DELETE FROM sg_versions WHERE number < (SELECT max(later.number) FROM sg_versions "
        "AS later WHERE later.network_id = sg_versions.network_id)"
    )
    for table in TABLES:
        with op.batch_alter_table(f"sg_{table}") as batch:
            batch.drop_constraint(f"fk_sg_{table}_version_id_sg_versions", type_="foreignkey")
            batch.alter_column("version_id", new_column_name="network_id")
        op.execute(f"DELETE FROM sg_{table} WHERE network_id NOT IN (SELECT id FROM sg_versions)")
        # version id -> network id in two steps, so no key meets another mid-update
        op.execute(
            f"UPDATE sg_{table} SET network_id = -(SELECT network_id FROM sg_versions "
            f"WHERE sg_versions.id = sg_{table}.network_id)"
        )
        op.execute(f"UPDATE sg_{table} SET network_id = -network_id")
    with op.batch_alter_table(
        "sg_networks", recreate="always" if dialect == "sqlite" else "auto"
    ) as batch:
        batch.alter_column("created_at", new_column_name="saved_at")
        batch.add_column(sa.Column("parameters", sa.JSON(), nullable=True))
        for column in COUNTS:
            batch.add_column(sa.Column(column, sa.BigInteger(), nullable=True))
    for column in ("parameters", "saved_at", *COUNTS):
        op.execute(
            f"UPDATE sg_networks SET {column} = (SELECT v.{column} FROM sg_versions AS v "
            "WHERE v.network_id = sg_networks.id)"
        )
    op.drop_table("sg_versions")
    op.execute("DELETE FROM sg_networks WHERE parameters IS NULL")  # had no version
    with op.batch_alter_table(
        "sg_networks", recreate="always" if dialect == "sqlite" else "auto"
    ) as batch:
        batch.alter_column("parameters", existing_type=sa.JSON(), nullable=False)
        for column in COUNTS:
            batch.alter_column(column, existing_type=sa.BigInteger(), nullable=False)
    for table in TABLES:
        with op.batch_alter_table(f"sg_{table}") as batch:
            batch.create_foreign_key(
                f"fk_sg_{table}_network_id_sg_networks",
                "sg_networks",
                ["network_id"],
                ["id"],
                ondelete="CASCADE",
            )
