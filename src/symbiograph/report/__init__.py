"""Reports of a Network: summary figures, tables, an offline one-page HTML report and JSON.

``network_summary`` gives the headline numbers (counts; supplied, demanded and exchanged
quantities per resource kind in t/yr, MWh/yr, m3/yr); ``write_network_report`` writes a
self-contained HTML page with a map and a Sankey of the exchanges;
``write_participant_indicators`` exports each participant's figures as sustainability
disclosures (CSV, XLSX, JSON).
"""

from symbiograph.report._allocation import (
    render_allocation_report,
    shared_allocation,
    write_allocation_report,
)
from symbiograph.report._design import (
    design_network_view,
    pareto_figure,
    shared_design_tables,
    write_design_report,
)
from symbiograph.report._export import (
    DISCLOSURES,
    participant_indicators,
    write_participant_indicators,
)
from symbiograph.report._figures import KIND_COLOURS, exchange_map, exchange_sankey
from symbiograph.report._html import (
    render_network_report,
    write_network_report,
    write_summary_json,
)
from symbiograph.report._resilience import shared_resilience_tables, write_resilience_report
from symbiograph.report._summary import (
    exchange_flows,
    facility_table,
    network_summary,
    quantity_label,
    summary_tables,
)
from symbiograph.report._sweep import shared_sweep_table, sweep_figures, write_sweep_report

__all__ = [
    "DISCLOSURES",
    "KIND_COLOURS",
    "design_network_view",
    "exchange_flows",
    "exchange_map",
    "exchange_sankey",
    "facility_table",
    "network_summary",
    "pareto_figure",
    "participant_indicators",
    "quantity_label",
    "render_allocation_report",
    "render_network_report",
    "shared_allocation",
    "shared_design_tables",
    "shared_resilience_tables",
    "shared_sweep_table",
    "summary_tables",
    "sweep_figures",
    "write_allocation_report",
    "write_design_report",
    "write_network_report",
    "write_participant_indicators",
    "write_resilience_report",
    "write_summary_json",
    "write_sweep_report",
]
