"""Bounds on what a scenario reader accepts: part of the file format, so defined beside the
schema (``format_documentation`` documents them; ``io`` applies them)."""

__all__ = [
    "MAX_CSV_BYTES",
    "MAX_TEXT_CHARS",
    "MAX_XLSX_BYTES",
    "MAX_XLSX_UNZIPPED_BYTES",
    "MAX_YAML_BYTES",
    "YAML_MAX_ALIAS_NODES",
    "YAML_MAX_DEPTH",
]

#: Largest YAML scenario file read (bytes).
MAX_YAML_BYTES = 64 * 2**20
#: Largest single CSV file of a scenario folder (bytes).
MAX_CSV_BYTES = 2 * 2**30
#: Largest XLSX workbook (bytes, as stored).
MAX_XLSX_BYTES = 256 * 2**20
#: Largest total size of the parts of an XLSX workbook once unzipped (bytes).
MAX_XLSX_UNZIPPED_BYTES = 2 * 2**30
#: Longest text accepted in any one field (characters), e.g. a note or a description.
MAX_TEXT_CHARS = 10_000
#: Most YAML nodes that aliases (``*name``) may repeat in one document.
YAML_MAX_ALIAS_NODES = 100_000
#: Deepest nesting of YAML lists and mappings (a scenario needs six levels).
YAML_MAX_DEPTH = 64
