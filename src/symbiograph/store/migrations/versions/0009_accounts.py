"""Accounts of the platform: users with their role and scope, browser sessions, API tokens
(digests only) and the log of login attempts (``sg_users``, ``sg_sessions``,
``sg_api_tokens``, ``sg_login_attempts``).

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    stamp = sa.DateTime(timezone=True)
    op.create_table(
        "sg_users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("login", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", stamp, nullable=False),
        sa.Column("updated_at", stamp, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sg_users")),
        sa.UniqueConstraint("login", name=op.f("uq_sg_users_login")),
        sqlite_autoincrement=True,
    )
    for table in ("sg_sessions", "sg_api_tokens"):
        extra: list[sa.schema.SchemaItem] = (
            [
                sa.Column("csrf_digest", sa.Text(), nullable=False),
                sa.Column("created_at", stamp, nullable=False),
                sa.Column("expires_at", stamp, nullable=False),
                sa.Column("address", sa.Text(), nullable=False),
            ]
            if table == "sg_sessions"
            else [
                sa.Column("name", sa.Text(), nullable=False),
                sa.Column("scopes", sa.Text(), nullable=False),
                sa.Column("created_at", stamp, nullable=False),
                sa.Column("expires_at", stamp, nullable=False),
                sa.Column("revoked_at", stamp, nullable=True),
                sa.Column("last_used_at", stamp, nullable=True),
            ]
        )
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("digest", sa.Text(), nullable=False),
            sa.Column("user_id", sa.Integer(), nullable=False),
            *extra,
            sa.ForeignKeyConstraint(
                ["user_id"],
                ["sg_users.id"],
                name=op.f(f"fk_{table}_user_id_sg_users"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
            sa.UniqueConstraint("digest", name=op.f(f"uq_{table}_digest")),
            sqlite_autoincrement=True,
        )
    op.create_table(
        "sg_login_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("login", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("at", stamp, nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sg_login_attempts")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_sg_login_attempts_login_at", "sg_login_attempts", ["login", "at"])
    op.create_index("ix_sg_login_attempts_address_at", "sg_login_attempts", ["address", "at"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_sg_login_attempts_address_at", table_name="sg_login_attempts")
    op.drop_index("ix_sg_login_attempts_login_at", table_name="sg_login_attempts")
    op.drop_table("sg_login_attempts")
    op.drop_table("sg_api_tokens")
    op.drop_table("sg_sessions")
    op.drop_table("sg_users")
