"""Who may see what: disclosure levels, viewers and redaction of confidential streams.

One rule, applied by every report and export: a confidential stream's quantity, price and
quality, and every figure computed from them, are shown to a viewer who may not see the
stream as a band of the 1-2-5 series (12,500 t/yr as ``10,000 to 20,000``), never as the
value; totals a hidden figure contributes to are banded too. The owner, the facilitator and
the analyst's own output (``--full``) see the values. Pure: tables in, tables out.
"""

from symbiograph.access._disclosure import (
    FULL,
    SHARED,
    Disclosure,
    Viewer,
    band,
    band_label,
    band_middle,
    number_label,
)
from symbiograph.access._redact import (
    hidden_rows,
    hidden_streams,
    redact_columns,
    redact_network,
    redact_table,
    redact_text,
    redacted_columns,
    total_label,
)

__all__ = [
    "FULL",
    "SHARED",
    "Disclosure",
    "Viewer",
    "band",
    "band_label",
    "band_middle",
    "hidden_rows",
    "hidden_streams",
    "number_label",
    "redact_columns",
    "redact_network",
    "redact_table",
    "redact_text",
    "redacted_columns",
    "total_label",
]
