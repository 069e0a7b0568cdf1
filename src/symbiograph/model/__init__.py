"""The domain model: resources, facilities, streams, exchanges and the Network tables."""

from symbiograph.model._limits import (
    MAX_CSV_BYTES,
    MAX_TEXT_CHARS,
    MAX_XLSX_BYTES,
    MAX_XLSX_UNZIPPED_BYTES,
    MAX_YAML_BYTES,
    YAML_MAX_ALIAS_NODES,
    YAML_MAX_DEPTH,
)
from symbiograph.model._months import months_available
from symbiograph.model._network import Network, column_dtype, default_parameters, empty_table
from symbiograph.model._rates import exchange_rates
from symbiograph.model._schema import (
    CANONICAL_UNITS,
    OUTPUT_TABLES,
    TABLES,
    Attribute,
    attributes,
    format_documentation,
    out_of_range,
    output_columns,
    schema_table,
)
from symbiograph.model._schema import id_column as key_columns

__all__ = [
    "CANONICAL_UNITS",
    "MAX_CSV_BYTES",
    "MAX_TEXT_CHARS",
    "MAX_XLSX_BYTES",
    "MAX_XLSX_UNZIPPED_BYTES",
    "MAX_YAML_BYTES",
    "OUTPUT_TABLES",
    "TABLES",
    "YAML_MAX_ALIAS_NODES",
    "YAML_MAX_DEPTH",
    "Attribute",
    "Network",
    "attributes",
    "column_dtype",
    "default_parameters",
    "empty_table",
    "exchange_rates",
    "format_documentation",
    "key_columns",
    "months_available",
    "out_of_range",
    "output_columns",
    "schema_table",
]
