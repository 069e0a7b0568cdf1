"""Initial schema: sg_networks and one sg_<table> per Network table.

Written out (frozen) from ``symbiograph.store._schema.metadata()`` as derived from the
attribute table at the time; a later change to ``attributes.csv`` needs a new revision
(``tests/store/test_migrations.py`` fails until it exists).

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "sg_networks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("n_sources", sa.BigInteger(), nullable=False),
        sa.Column("n_resources", sa.BigInteger(), nullable=False),
        sa.Column("n_facilities", sa.BigInteger(), nullable=False),
        sa.Column("n_streams", sa.BigInteger(), nullable=False),
        sa.Column("n_stream_quality", sa.BigInteger(), nullable=False),
        sa.Column("n_exchanges", sa.BigInteger(), nullable=False),
        sa.Column("n_transport_modes", sa.BigInteger(), nullable=False),
        sa.Column("n_timeseries", sa.BigInteger(), nullable=False),
        sa.Column("n_published_figures", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sg_networks")),
        sa.UniqueConstraint("name", name=op.f("uq_sg_networks_name")),
    )
    op.create_table(
        "sg_exchanges",
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("row_order", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("supply_id", sa.Text(), nullable=True),
        sa.Column("demand_id", sa.Text(), nullable=True),
        sa.Column("quantity", sa.Double(), nullable=True),
        sa.Column("mode", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=True),
        sa.Column("start_year", sa.BigInteger(), nullable=True),
        sa.Column("end_year", sa.BigInteger(), nullable=True),
        sa.Column("source_id", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["sg_networks.id"],
            name=op.f("fk_sg_exchanges_network_id_sg_networks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("network_id", "id", name=op.f("pk_sg_exchanges")),
    )
    op.create_table(
        "sg_facilities",
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("row_order", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("organisation", sa.Text(), nullable=True),
        sa.Column("nace_code", sa.Text(), nullable=True),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["sg_networks.id"],
            name=op.f("fk_sg_facilities_network_id_sg_networks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("network_id", "id", name=op.f("pk_sg_facilities")),
    )
    op.create_table(
        "sg_published_figures",
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("row_order", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("indicator", sa.Text(), nullable=True),
        sa.Column("value", sa.Double(), nullable=True),
        sa.Column("unit", sa.Text(), nullable=True),
        sa.Column("scope", sa.Text(), nullable=True),
        sa.Column("year", sa.BigInteger(), nullable=True),
        sa.Column("source_id", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["sg_networks.id"],
            name=op.f("fk_sg_published_figures_network_id_sg_networks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("network_id", "id", name=op.f("pk_sg_published_figures")),
    )
    op.create_table(
        "sg_resources",
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("row_order", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("kind", sa.Text(), nullable=True),
        sa.Column("unit", sa.Text(), nullable=True),
        sa.Column("ewc_code", sa.Text(), nullable=True),
        sa.Column("cpa_code", sa.Text(), nullable=True),
        sa.Column("hs_code", sa.Text(), nullable=True),
        sa.Column("hazardous", sa.Boolean(), nullable=True),
        sa.Column("quality_attributes", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["sg_networks.id"],
            name=op.f("fk_sg_resources_network_id_sg_networks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("network_id", "id", name=op.f("pk_sg_resources")),
    )
    op.create_table(
        "sg_sources",
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("row_order", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("citation", sa.Text(), nullable=True),
        sa.Column("year", sa.BigInteger(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["sg_networks.id"],
            name=op.f("fk_sg_sources_network_id_sg_networks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("network_id", "id", name=op.f("pk_sg_sources")),
    )
    op.create_table(
        "sg_stream_quality",
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("row_order", sa.BigInteger(), nullable=False),
        sa.Column("stream_id", sa.Text(), nullable=False),
        sa.Column("attribute", sa.Text(), nullable=False),
        sa.Column("value", sa.Double(), nullable=True),
        sa.Column("min", sa.Double(), nullable=True),
        sa.Column("max", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["sg_networks.id"],
            name=op.f("fk_sg_stream_quality_network_id_sg_networks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "network_id", "stream_id", "attribute", name=op.f("pk_sg_stream_quality")
        ),
    )
    op.create_table(
        "sg_streams",
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("row_order", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("facility_id", sa.Text(), nullable=True),
        sa.Column("resource_id", sa.Text(), nullable=True),
        sa.Column("direction", sa.Text(), nullable=True),
        sa.Column("quantity", sa.Double(), nullable=True),
        sa.Column("quantity_min", sa.Double(), nullable=True),
        sa.Column("quantity_max", sa.Double(), nullable=True),
        sa.Column("price", sa.Double(), nullable=True),
        sa.Column("disposal_route", sa.Text(), nullable=True),
        sa.Column("availability", sa.Text(), nullable=True),
        sa.Column("months", sa.Text(), nullable=True),
        sa.Column("timeseries_id", sa.Text(), nullable=True),
        sa.Column("confidential", sa.Boolean(), nullable=True),
        sa.Column("source_id", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["sg_networks.id"],
            name=op.f("fk_sg_streams_network_id_sg_networks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("network_id", "id", name=op.f("pk_sg_streams")),
    )
    op.create_table(
        "sg_timeseries",
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("row_order", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("step", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["sg_networks.id"],
            name=op.f("fk_sg_timeseries_network_id_sg_networks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("network_id", "id", "step", name=op.f("pk_sg_timeseries")),
    )
    op.create_table(
        "sg_transport_modes",
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("row_order", sa.BigInteger(), nullable=False),
        sa.Column("mode", sa.Text(), nullable=False),
        sa.Column("cost_per_tkm", sa.Double(), nullable=True),
        sa.Column("co2e_kg_per_tkm", sa.Double(), nullable=True),
        sa.Column("detour_factor", sa.Double(), nullable=True),
        sa.Column("pipeline_capex_per_km", sa.Double(), nullable=True),
        sa.Column("source_id", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["sg_networks.id"],
            name=op.f("fk_sg_transport_modes_network_id_sg_networks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("network_id", "mode", name=op.f("pk_sg_transport_modes")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("sg_transport_modes")
    op.drop_table("sg_timeseries")
    op.drop_table("sg_streams")
    op.drop_table("sg_stream_quality")
    op.drop_table("sg_sources")
    op.drop_table("sg_resources")
    op.drop_table("sg_published_figures")
    op.drop_table("sg_facilities")
    op.drop_table("sg_exchanges")
    op.drop_table("sg_networks")
