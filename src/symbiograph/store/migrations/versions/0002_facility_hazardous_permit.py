"""Facilities say whether they may receive hazardous waste (``accepts_hazardous``).

Matching sends hazardous by-products only to receivers allowed to take them; until now only
the NACE class (hazardous-waste treatment) told. Existing rows get false.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.add_column(
        "sg_facilities",
        sa.Column("accepts_hazardous", sa.Boolean(), nullable=True, server_default=sa.false()),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_column("sg_facilities", "accepts_hazardous")
