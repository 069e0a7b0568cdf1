"""Published figures say which streams, facilities, organisations or resources they cover
(``covers``), so a figure about one plant is compared with that plant's exchanges only.
Existing rows get NULL (the whole network).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.add_column("sg_published_figures", sa.Column("covers", sa.Text(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    op.drop_column("sg_published_figures", "covers")
