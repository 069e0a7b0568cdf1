"""Confidential figures stored apart, and row-level security on PostgreSQL.

Every dialect: ``sg_r_figures`` (the exact confidential fields of a sealed stream or
exchange row), ``sg_r_streams.sealed`` and ``sg_r_audit.sealed``; the rows stored before are
sealed by their confidentiality (data carried over: their figures move to ``sg_r_figures``
and the row keeps their bands).

PostgreSQL only: SQL functions reading the transaction's tenant (``symbiograph.role``,
``symbiograph.park``, ``symbiograph.organisation``, set with ``set_config(..., true)``), and
on every tenant table ENABLE and FORCE ROW LEVEL SECURITY with one policy:

* parks, organisations, facilities, streams, exchanges: the tenant's park (every park for
  the platform admin and the system);
* stream quality: the stream's park, and for a sealed stream only who may see its figures;
* figures: who may see them (the platform, the park's facilitator, the stream's owner; for
  an exchange, who may see both ends);
* audit: the park, and a sealed entry only for the park's facilitator and the platform.

No tenant set: no row (fail closed). On SQLite there is no row-level security; the
registry applies the same rules in code.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FUNCTIONS = """
CREATE FUNCTION sg_r_setting(name text) RETURNS integer LANGUAGE sql STABLE AS $$
  SELECT nullif(current_setting(name, true), '')::integer
$$;
CREATE FUNCTION sg_r_reads(park integer) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT coalesce(CASE
    WHEN current_setting('symbiograph.role', true) IN ('admin', 'system') THEN true
    WHEN current_setting('symbiograph.role', true)
         IN ('facilitator', 'org_admin', 'member', 'observer')
      THEN park = sg_r_setting('symbiograph.park')
    ELSE false END, false)
$$;
CREATE FUNCTION sg_r_runs(park integer) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT coalesce(CASE
    WHEN current_setting('symbiograph.role', true) IN ('admin', 'system') THEN true
    WHEN current_setting('symbiograph.role', true) = 'facilitator'
      THEN park = sg_r_setting('symbiograph.park')
    ELSE false END, false)
$$;
CREATE FUNCTION sg_r_sees(park integer, org integer) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT sg_r_runs(park) OR coalesce(
    current_setting('symbiograph.role', true) IN ('org_admin', 'member')
    AND park = sg_r_setting('symbiograph.park')
    AND org = sg_r_setting('symbiograph.organisation'), false)
$$;
CREATE FUNCTION sg_r_stream_open(stream integer) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT coalesce((
    SELECT NOT s.sealed OR sg_r_sees(s.park_id, f.organisation_id)
    FROM sg_r_streams s JOIN sg_r_facilities f ON f.id = s.facility_id
    WHERE s.id = stream), false)
$$;
CREATE FUNCTION sg_r_figures_open(tname text, row_id integer) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT CASE tname
    WHEN 'streams' THEN sg_r_stream_open(row_id)
    WHEN 'exchanges' THEN coalesce((
      SELECT sg_r_stream_open(e.supply_id) AND sg_r_stream_open(e.demand_id)
      FROM sg_r_exchanges e WHERE e.id = row_id), false)
    ELSE false END
$$;
"""

_DROP_FUNCTIONS = (
    "sg_r_figures_open(text, integer)",
    "sg_r_stream_open(integer)",
    "sg_r_sees(integer, integer)",
    "sg_r_runs(integer)",
    "sg_r_reads(integer)",
    "sg_r_setting(text)",
)

#: table -> the policy's expression (USING and WITH CHECK).
POLICIES: dict[str, str] = {
    "sg_r_parks": "sg_r_reads(id)",
    "sg_r_organisations": "sg_r_reads(park_id)",
    "sg_r_facilities": "sg_r_reads(park_id)",
    "sg_r_streams": "sg_r_reads(park_id)",
    "sg_r_exchanges": "sg_r_reads(park_id)",
    "sg_r_stream_quality": "sg_r_stream_open(stream_id)",
    "sg_r_figures": "sg_r_figures_open(table_name, row_id)",
    "sg_r_audit": "sg_r_reads(park_id) AND (NOT sealed OR sg_r_runs(park_id))",
}


def upgrade() -> None:
    """Apply this revision."""
    op.add_column(
        "sg_r_streams",
        sa.Column("sealed", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "sg_r_audit",
        sa.Column("sealed", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "sg_r_figures",
        sa.Column("table_name", sa.Text(), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("table_name", "row_id", name=op.f("pk_sg_r_figures")),
        sa.ForeignKeyConstraint(
            ["park_id"], ["sg_r_parks.id"], name=op.f("fk_sg_r_figures_park_id_sg_r_parks")
        ),
    )
    connection = op.get_bind()
    _seal_existing(connection)
    if connection.dialect.name != "postgresql":
        return
    for statement in _FUNCTIONS.split("\n$$;"):
        if statement.strip():
            op.execute(statement.strip() + "\n$$")
    for table, rule in POLICIES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY sg_r_tenant ON {table} USING ({rule}) WITH CHECK ({rule})")


def _seal_existing(connection: Any) -> None:
    """Move the figures of the confidential rows stored before into ``sg_r_figures``."""
    from symbiograph.store._registry import Registry, seal_rows

    seal_rows(Registry(None), connection)  # type: ignore[arg-type]  # no Store needed here


def downgrade() -> None:
    """Revert this revision (the figures go back into their rows)."""
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT set_config('symbiograph.role', 'system', true)"))
        for table in POLICIES:
            op.execute(f"DROP POLICY IF EXISTS sg_r_tenant ON {table}")
            op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        for function in _DROP_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
    import json

    figures = connection.execute(sa.text("SELECT table_name, row_id, data FROM sg_r_figures")).all()
    for table, row_id, exact in figures:
        name = {"streams": "sg_r_streams", "exchanges": "sg_r_exchanges"}[table]
        data = connection.execute(
            sa.text(f"SELECT data FROM {name} WHERE id = :id"), {"id": row_id}
        ).scalar_one()
        values = json.loads(data)
        values.pop("_banded", None)
        values.pop("_quality", None)
        values.update(json.loads(exact))
        connection.execute(
            sa.text(f"UPDATE {name} SET data = :data WHERE id = :id"),
            {"data": json.dumps(values, ensure_ascii=False, sort_keys=True), "id": row_id},
        )
    op.drop_table("sg_r_figures")
    with op.batch_alter_table("sg_r_audit") as batch:
        batch.drop_column("sealed")
    with op.batch_alter_table("sg_r_streams") as batch:
        batch.drop_column("sealed")
