"""Green technologies sited as candidate processes: the table ``sg_technology_sites`` (which
technology of the shipped catalogue may be built at which facility, its largest size and the
site's own costs and prices), rows per version like every data table with its count in
``sg_versions``; and the columns of ``sg_processes`` for a candidate the design sizes
(capex and fixed O&M per unit of capacity, smallest size), the CO2e of what a process buys
and the catalogue technology it is.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT: sa.types.TypeEngine[Any] = sa.Text()
_FLOAT: sa.types.TypeEngine[Any] = sa.Double()

_SITES: tuple[tuple[str, sa.types.TypeEngine[Any]], ...] = (
    ("id", _TEXT),
    ("technology_id", _TEXT),
    ("facility_id", _TEXT),
    ("max_capacity", _FLOAT),
    ("min_capacity", _FLOAT),
    ("full_load_hours", _FLOAT),
    ("capex_per_capacity", _FLOAT),
    ("capex_fixed", _FLOAT),
    ("fixed_om_per_capacity", _FLOAT),
    ("variable_cost", _FLOAT),
    ("lifetime_years", _FLOAT),
    ("resources", _TEXT),
    ("market_prices", _TEXT),
    ("source_id", _TEXT),
    ("note", _TEXT),
)

_PROCESS_COLUMNS: tuple[tuple[str, sa.types.TypeEngine[Any]], ...] = (
    ("capex_per_capacity", _FLOAT),
    ("fixed_cost_per_capacity", _FLOAT),
    ("min_capacity", _FLOAT),
    ("co2e_t_per_unit", _FLOAT),
    ("technology_id", _TEXT),
)


def upgrade() -> None:
    """Apply this revision."""
    op.add_column(
        "sg_versions",
        sa.Column("n_technology_sites", sa.BigInteger(), nullable=False, server_default="0"),
    )
    op.create_table(
        "sg_technology_sites",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("row_order", sa.BigInteger(), nullable=False),
        *(sa.Column(name, kind, nullable=name != "id") for name, kind in _SITES),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["sg_versions.id"],
            name=op.f("fk_sg_technology_sites_version_id_sg_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", "id", name=op.f("pk_sg_technology_sites")),
    )
    with op.batch_alter_table("sg_processes") as batch:
        for name, kind in _PROCESS_COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("sg_processes") as batch:
        for name, _ in reversed(_PROCESS_COLUMNS):
            batch.drop_column(name)
    op.drop_table("sg_technology_sites")
    with op.batch_alter_table("sg_versions") as batch:
        batch.drop_column("n_technology_sites")
