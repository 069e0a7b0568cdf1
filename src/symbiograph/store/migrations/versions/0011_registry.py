"""The registry: parks, organisations, facilities, streams with their quality rows and
exchanges as rows changed one at a time (``sg_r_*``, each with a version and stamps), and
the append-only audit log ``sg_r_audit``. The registry starts empty: the whole-network
versions stored before stay as they are.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _stamps() -> list[sa.Column[Any]]:
    stamp = sa.DateTime(timezone=True)
    return [
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", stamp, nullable=False),
        sa.Column("updated_at", stamp, nullable=False),
    ]


def _id() -> sa.Column[Any]:
    return sa.Column("id", sa.Integer(), autoincrement=True, nullable=False)


def _fk(column: str, table: str, target: str, ondelete: str | None = None) -> Any:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def _rows(table: str, references: Sequence[tuple[str, str]]) -> None:
    op.create_table(
        table,
        _id(),
        sa.Column("park_id", sa.Integer(), nullable=False),
        *(sa.Column(c, sa.Integer(), nullable=False) for c, _ in references),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        _fk("park_id", table, "sg_r_parks"),
        *(_fk(c, table, target) for c, target in references),
        sa.UniqueConstraint("park_id", "key", name=op.f(f"uq_{table}_park_id")),
        sqlite_autoincrement=True,
    )


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "sg_r_parks",
        _id(),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("extras", sa.Text(), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sg_r_parks")),
        sa.UniqueConstraint("name", name=op.f("uq_sg_r_parks_name")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "sg_r_organisations",
        _id(),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sg_r_organisations")),
        _fk("park_id", "sg_r_organisations", "sg_r_parks"),
        sa.UniqueConstraint("park_id", "name", name=op.f("uq_sg_r_organisations_park_id")),
        sqlite_autoincrement=True,
    )
    _rows("sg_r_facilities", [("organisation_id", "sg_r_organisations")])
    _rows("sg_r_streams", [("facility_id", "sg_r_facilities")])
    op.create_table(
        "sg_r_stream_quality",
        _id(),
        sa.Column("stream_id", sa.Integer(), nullable=False),
        sa.Column("attribute", sa.Text(), nullable=False),
        sa.Column("value", sa.Double(), nullable=True),
        sa.Column("min", sa.Double(), nullable=True),
        sa.Column("max", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sg_r_stream_quality")),
        _fk("stream_id", "sg_r_stream_quality", "sg_r_streams", "CASCADE"),
        sa.UniqueConstraint(
            "stream_id", "attribute", name=op.f("uq_sg_r_stream_quality_stream_id")
        ),
        sqlite_autoincrement=True,
    )
    _rows("sg_r_exchanges", [("supply_id", "sg_r_streams"), ("demand_id", "sg_r_streams")])
    op.create_table(
        "sg_r_audit",
        _id(),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=True),
        sa.Column("table_name", sa.Text(), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sg_r_audit")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_sg_r_audit_park_id_id", "sg_r_audit", ["park_id", "id"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_sg_r_audit_park_id_id", table_name="sg_r_audit")
    for table in (
        "sg_r_audit",
        "sg_r_exchanges",
        "sg_r_stream_quality",
        "sg_r_streams",
        "sg_r_facilities",
        "sg_r_organisations",
        "sg_r_parks",
    ):
        op.drop_table(table)
