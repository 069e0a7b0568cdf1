"""Plant processes and shared duties: the tables ``sg_processes`` (what a facility's plant
converts, its capacity, running cost, part-load limit and, for a candidate, its capex),
``sg_process_ports`` (the streams a process takes in and gives out, per unit of activity),
``sg_duties`` (one need, such as a boiler's heat duty) and ``sg_duty_members`` (the
alternative demand streams that fill it, each with its ratio); rows per version, like every
data table, and ``sg_versions`` counts their rows (0 for versions saved before).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT: sa.types.TypeEngine[Any] = sa.Text()
_FLOAT: sa.types.TypeEngine[Any] = sa.Double()

#: Each new table: its columns (name, type) after version_id and row_order, and its keys.
_TABLES: tuple[
    tuple[str, tuple[tuple[str, sa.types.TypeEngine[Any]], ...], tuple[str, ...]], ...
] = (
    (
        "processes",
        (
            ("id", _TEXT),
            ("facility_id", _TEXT),
            ("name", _TEXT),
            ("unit", _TEXT),
            ("capacity", _FLOAT),
            ("operating_cost", _FLOAT),
            ("min_load", _FLOAT),
            ("status", _TEXT),
            ("capex", _FLOAT),
            ("lifetime_years", _FLOAT),
            ("source_id", _TEXT),
            ("note", _TEXT),
        ),
        ("id",),
    ),
    (
        "process_ports",
        (("process_id", _TEXT), ("stream_id", _TEXT), ("direction", _TEXT), ("ratio", _FLOAT)),
        ("process_id", "stream_id"),
    ),
    (
        "duties",
        (
            ("id", _TEXT),
            ("facility_id", _TEXT),
            ("name", _TEXT),
            ("unit", _TEXT),
            ("amount", _FLOAT),
            ("source_id", _TEXT),
            ("note", _TEXT),
        ),
        ("id",),
    ),
    (
        "duty_members",
        (("duty_id", _TEXT), ("stream_id", _TEXT), ("ratio", _FLOAT)),
        ("duty_id", "stream_id"),
    ),
)


def upgrade() -> None:
    """Apply this revision."""
    for table, columns, keys in _TABLES:
        op.add_column(
            "sg_versions",
            sa.Column(f"n_{table}", sa.BigInteger(), nullable=False, server_default="0"),
        )
        op.create_table(
            f"sg_{table}",
            sa.Column("version_id", sa.Integer(), nullable=False),
            sa.Column("row_order", sa.BigInteger(), nullable=False),
            *(sa.Column(name, kind, nullable=name not in keys) for name, kind in columns),
            sa.ForeignKeyConstraint(
                ["version_id"],
                ["sg_versions.id"],
                name=op.f(f"fk_sg_{table}_version_id_sg_versions"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("version_id", *keys, name=op.f(f"pk_sg_{table}")),
        )


def downgrade() -> None:
    """Revert this revision."""
    for table, _, _ in reversed(_TABLES):
        op.drop_table(f"sg_{table}")
    with op.batch_alter_table("sg_versions") as batch:
        for table, _, _ in reversed(_TABLES):
            batch.drop_column(f"n_{table}")
