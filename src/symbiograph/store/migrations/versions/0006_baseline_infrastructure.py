"""Today's network as the baseline: an exchange says whether its link is built (capital
sunk), when it was built, its remaining life, operating cost and documented route length
(columns of ``sg_exchanges``); the table ``sg_infrastructure`` lists pipes, corridors,
plants and stores, built or planned (rows per version, like every data table), and
``sg_versions`` counts its rows (``n_infrastructure``, 0 for versions saved before).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EXCHANGE_COLUMNS: tuple[tuple[str, sa.types.TypeEngine[Any]], ...] = (
    ("route_km", sa.Double()),
    ("infrastructure", sa.Text()),
    ("year_built", sa.BigInteger()),
    ("remaining_life_years", sa.Double()),
    ("operating_cost_per_yr", sa.Double()),
)


def upgrade() -> None:
    """Apply this revision."""
    for name, kind in _EXCHANGE_COLUMNS:
        op.add_column("sg_exchanges", sa.Column(name, kind, nullable=True))
    op.add_column(
        "sg_versions",
        sa.Column("n_infrastructure", sa.BigInteger(), nullable=False, server_default="0"),
    )
    op.create_table(
        "sg_infrastructure",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("row_order", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("kind", sa.Text(), nullable=True),
        sa.Column("from_facility_id", sa.Text(), nullable=True),
        sa.Column("to_facility_id", sa.Text(), nullable=True),
        sa.Column("resource_id", sa.Text(), nullable=True),
        sa.Column("capacity", sa.Double(), nullable=True),
        sa.Column("status", sa.Text(), nullable=True),
        sa.Column("year_built", sa.BigInteger(), nullable=True),
        sa.Column("remaining_life_years", sa.Double(), nullable=True),
        sa.Column("operating_cost_per_yr", sa.Double(), nullable=True),
        sa.Column("capex", sa.Double(), nullable=True),
        sa.Column("source_id", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["sg_versions.id"],
            name=op.f("fk_sg_infrastructure_version_id_sg_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", "id", name=op.f("pk_sg_infrastructure")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("sg_infrastructure")
    with op.batch_alter_table("sg_versions") as batch:
        batch.drop_column("n_infrastructure")
    with op.batch_alter_table("sg_exchanges") as batch:
        for name, _ in reversed(_EXCHANGE_COLUMNS):
            batch.drop_column(name)
