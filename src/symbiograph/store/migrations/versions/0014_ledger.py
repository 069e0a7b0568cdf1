"""The ledger: per-organisation Ed25519 keys (private keys sealed), signed entries, the RFC
9162 tree's nodes, signed checkpoints, commitment openings (``sg_l_*``), the contracts and
joint decisions the entries make, and triggers that refuse UPDATE and DELETE (and TRUNCATE
on PostgreSQL) of the keys, entries, nodes, checkpoints and openings.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The tables no row of which may change once written.
APPEND_ONLY = ("sg_l_keys", "sg_l_entries", "sg_l_nodes", "sg_l_checkpoints", "sg_l_openings")
_FUNCTION = "sg_l_refuse_change"


def _stamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "sg_l_keys",
        sa.Column("org", sa.Text(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sealed_key", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", _stamp(), nullable=False),
        sa.PrimaryKeyConstraint("org", name=op.f("pk_sg_l_keys")),
    )
    op.create_table(
        "sg_l_entries",
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("org", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(), nullable=False),
        sa.Column("appended_at", _stamp(), nullable=False),
        sa.PrimaryKeyConstraint("idx", name=op.f("pk_sg_l_entries")),
    )
    op.create_index("ix_sg_l_entries_subject", "sg_l_entries", ["subject"])
    op.create_table(
        "sg_l_nodes",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("position", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("level", "position", name=op.f("pk_sg_l_nodes")),
    )
    op.create_table(
        "sg_l_checkpoints",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", _stamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sg_l_checkpoints")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "sg_l_openings",
        sa.Column("idx", sa.BigInteger(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("salt", sa.LargeBinary(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["idx"], ["sg_l_entries.idx"], name=op.f("fk_sg_l_openings_idx_sg_l_entries")
        ),
        sa.PrimaryKeyConstraint("idx", "path", name=op.f("pk_sg_l_openings")),
    )
    for table, key in (("sg_l_contracts", "contract"), ("sg_l_decisions", "decision")):
        op.create_table(
            table,
            sa.Column(key, sa.Text(), nullable=False),
            sa.Column("status", sa.Text(), nullable=False),
            sa.Column("state", sa.Text(), nullable=False),
            sa.Column("last_entry", sa.BigInteger(), nullable=False),
            sa.ForeignKeyConstraint(
                ["last_entry"],
                ["sg_l_entries.idx"],
                name=op.f(f"fk_{table}_last_entry_sg_l_entries"),
            ),
            sa.PrimaryKeyConstraint(key, name=op.f(f"pk_{table}")),
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""CREATE FUNCTION {_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the ledger table % is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'restrict_violation';
END
$$"""
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {_FUNCTION}()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {_FUNCTION}()"
            )
    else:
        for table in APPEND_ONLY:
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'the ledger table {table} is append-only: "
                    f"{action} refused'); END"
                )


def downgrade() -> None:
    """Revert this revision (the ledger's history goes with it)."""
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in APPEND_ONLY:
        if postgresql:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    if postgresql:
        op.execute(f"DROP FUNCTION IF EXISTS {_FUNCTION}()")
    op.drop_index("ix_sg_l_entries_subject", table_name="sg_l_entries")
    for table in (
        "sg_l_decisions",
        "sg_l_contracts",
        "sg_l_openings",
        "sg_l_checkpoints",
        "sg_l_nodes",
        "sg_l_entries",
        "sg_l_keys",
    ):
        op.drop_table(table)
