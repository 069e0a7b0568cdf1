"""The facilitator's deal pipeline (``sg_p_synergies``, ``sg_p_moves``, ``sg_p_documents``)
and the persistent job queue (``sg_jobs``). Both start empty.

On PostgreSQL, when the row-level security functions of the registry are there
(``sg_r_runs``, ``sg_r_sees``: the tenant of the transaction), each new table gets ENABLE and
FORCE ROW LEVEL SECURITY and one policy (:data:`POLICIES`): a synergy, its moves and its
documents for the park's facilitator, the platform and either side; a job for the park's
facilitator, the platform and the organisation that submitted it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_SYNERGY_OPEN = """
CREATE FUNCTION sg_p_synergy_open(synergy integer) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT coalesce((
    SELECT sg_r_runs(s.park_id) OR sg_r_sees(s.park_id, s.organisation_id)
        OR sg_r_sees(s.park_id, s.partner_organisation_id)
    FROM sg_p_synergies s WHERE s.id = synergy), false)
$$"""

#: table -> its row-level security policy (USING and WITH CHECK), PostgreSQL only.
POLICIES: dict[str, str] = {
    "sg_p_synergies": "sg_r_runs(park_id) OR sg_r_sees(park_id, organisation_id)"
    " OR sg_r_sees(park_id, partner_organisation_id)",
    "sg_p_moves": "sg_p_synergy_open(synergy_id)",
    "sg_p_documents": "sg_p_synergy_open(synergy_id)",
    "sg_jobs": "sg_r_runs(park_id) OR (organisation_id IS NOT NULL"
    " AND sg_r_sees(park_id, organisation_id))",
}


def _row_level_security() -> bool:
    """Whether this database has the registry's row-level security functions."""
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return False
    found = connection.execute(
        sa.text("SELECT to_regprocedure('sg_r_runs(integer)') IS NOT NULL")
    ).scalar()
    return bool(found)


def _stamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "sg_p_synergies",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("partner_organisation_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.Text(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", _stamp(), nullable=False),
        sa.Column("updated_at", _stamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sg_p_synergies")),
        sa.ForeignKeyConstraint(
            ["park_id"], ["sg_r_parks.id"], name=op.f("fk_sg_p_synergies_park_id_sg_r_parks")
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_sg_p_synergies_park_id_stage", "sg_p_synergies", ["park_id", "stage"])
    op.create_table(
        "sg_p_moves",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("synergy_id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("at", _stamp(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("from_stage", sa.Text(), nullable=True),
        sa.Column("to_stage", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sg_p_moves")),
        sa.ForeignKeyConstraint(
            ["synergy_id"],
            ["sg_p_synergies.id"],
            name=op.f("fk_sg_p_moves_synergy_id_sg_p_synergies"),
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_sg_p_moves_synergy_id_id", "sg_p_moves", ["synergy_id", "id"])
    op.create_table(
        "sg_p_documents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("synergy_id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("media_type", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("uploaded_by", sa.Text(), nullable=False),
        sa.Column("uploaded_at", _stamp(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sg_p_documents")),
        sa.ForeignKeyConstraint(
            ["synergy_id"],
            ["sg_p_synergies.id"],
            name=op.f("fk_sg_p_documents_synergy_id_sg_p_synergies"),
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_sg_p_documents_synergy_id", "sg_p_documents", ["synergy_id"])
    op.create_table(
        "sg_jobs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("parameters", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("progress", sa.Double(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("submitted_by", sa.Text(), nullable=False),
        sa.Column("submitted_at", _stamp(), nullable=False),
        sa.Column("started_at", _stamp(), nullable=True),
        sa.Column("finished_at", _stamp(), nullable=True),
        sa.Column("heartbeat_at", _stamp(), nullable=True),
        sa.Column("lease_expires_at", _stamp(), nullable=True),
        sa.Column("worker", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("inputs_hash", sa.Text(), nullable=True),
        sa.Column("registry_mark", sa.Integer(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sg_jobs")),
        sa.ForeignKeyConstraint(
            ["park_id"], ["sg_r_parks.id"], name=op.f("fk_sg_jobs_park_id_sg_r_parks")
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_sg_jobs_state_id", "sg_jobs", ["state", "id"])
    op.create_index("ix_sg_jobs_park_id_id", "sg_jobs", ["park_id", "id"])
    if _row_level_security():
        op.execute(_SYNERGY_OPEN)
        for table, rule in POLICIES.items():
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY sg_p_tenant ON {table} USING ({rule}) WITH CHECK ({rule})")


def downgrade() -> None:
    """Revert this revision."""
    if op.get_bind().dialect.name == "postgresql":
        for table in POLICIES:
            op.execute(f"DROP POLICY IF EXISTS sg_p_tenant ON {table}")
    op.drop_index("ix_sg_jobs_park_id_id", table_name="sg_jobs")
    op.drop_index("ix_sg_jobs_state_id", table_name="sg_jobs")
    op.drop_table("sg_jobs")
    op.drop_index("ix_sg_p_documents_synergy_id", table_name="sg_p_documents")
    op.drop_table("sg_p_documents")
    op.drop_index("ix_sg_p_moves_synergy_id_id", table_name="sg_p_moves")
    op.drop_table("sg_p_moves")
    op.drop_index("ix_sg_p_synergies_park_id_stage", table_name="sg_p_synergies")
    op.drop_table("sg_p_synergies")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS sg_p_synergy_open(integer)")
