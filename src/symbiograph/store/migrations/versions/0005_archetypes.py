"""Scenario synergy archetypes (table ``archetypes``): a scenario's own archetypes and its
changes to the shipped ones (add, override, widen), each with its source. Adds the table
``sg_archetypes`` (rows per version, like every data table) and the row count
``n_archetypes`` of ``sg_versions`` (0 for versions saved before).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.add_column(
        "sg_versions",
        sa.Column("n_archetypes", sa.BigInteger(), nullable=False, server_default="0"),
    )
    op.create_table(
        "sg_archetypes",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("row_order", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("supply_kind", sa.Text(), nullable=True),
        sa.Column("supply_ewc", sa.Text(), nullable=True),
        sa.Column("supply_cpa", sa.Text(), nullable=True),
        sa.Column("supply_keywords", sa.Text(), nullable=True),
        sa.Column("demand_cpa", sa.Text(), nullable=True),
        sa.Column("demand_keywords", sa.Text(), nullable=True),
        sa.Column("giver_nace", sa.Text(), nullable=True),
        sa.Column("receiver_nace", sa.Text(), nullable=True),
        sa.Column("substitution_ratio", sa.Double(), nullable=True),
        sa.Column("quality_requirements", sa.Text(), nullable=True),
        sa.Column("pretreatment", sa.Text(), nullable=True),
        sa.Column("pretreatment_cost_per_unit", sa.Double(), nullable=True),
        sa.Column("pretreatment_co2e_kg_per_unit", sa.Double(), nullable=True),
        sa.Column("pretreatment_fixes", sa.Text(), nullable=True),
        sa.Column("typical_mode", sa.Text(), nullable=True),
        sa.Column("max_distance_km", sa.Double(), nullable=True),
        sa.Column("virgin_factor_id", sa.Text(), nullable=True),
        sa.Column("disposal_factor_id", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("year", sa.BigInteger(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["sg_versions.id"],
            name=op.f("fk_sg_archetypes_version_id_sg_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", "id", name=op.f("pk_sg_archetypes")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("sg_archetypes")
    with op.batch_alter_table("sg_versions") as batch:
        batch.drop_column("n_archetypes")
