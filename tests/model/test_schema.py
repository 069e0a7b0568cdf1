"""The schema is data: documentation and empty tables derive from the attribute table."""

from __future__ import annotations

from pathlib import Path

from symbiograph.model import TABLES, Network, attributes, empty_table, format_documentation

ROOT = Path(__file__).parents[2]


def test_docs_are_generated_from_the_schema() -> None:
    assert (ROOT / "docs" / "file-format.md").read_text() == format_documentation()


def test_every_table_has_a_key_and_typed_columns() -> None:
    for table in TABLES:
        attrs = attributes(table)
        assert attrs[0].required
        assert {a.type for a in attrs} <= {
            "str",
            "code",
            "float",
            "int",
            "bool",
            "quantity",
            "price",
        }
        assert list(empty_table(table).columns) == [a.name for a in attrs]


def test_empty_network_equals_itself_and_defaults() -> None:
    net = Network()
    assert net.equals(Network())
    assert net.parameters["currency"] == "EUR"
    assert net.parameters["discount_rate"] == 0.08
