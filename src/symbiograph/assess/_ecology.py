"""Ecological network analysis (ENA) of the exchange network, organisation -> organisation.

The network is read as a food web: nodes are organisations, a directed link i -> j carries
the flows i gives to j. Structure (links L, nodes N, connectance, linkage density) needs
only which links exist; cycling (Finn cycling index) and supplier diversity need the
flows in one common unit, so mixed units must be weighted into one (``weights`` by unit).

References: Finn, J.T. (1976) Measures of ecosystem structure and function derived from
analysis of flows, J. Theor. Biol. 56:363-380; Finn (1980) Flow analysis of models of the
Hubbard Brook ecosystem, Ecology 61:562-571; Fath, B.D. & Patten, B.C. (1999) Review of the
foundations of network environ analysis, Ecosystems 2:167-179; Layton, Bras & Weissburg
(2016) Industrial ecosystems and food webs: an expansion and update of existing data for
eco-industrial parks, J. Ind. Ecol. 20(1):85-98 (connectance and linkage density of
eco-industrial parks); Shannon (1948) for H'.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "EcologicalAnalysis",
    "ecological_analysis",
    "finn_cycling_index",
    "flow_matrix",
    "link_structure",
    "shannon_diversity",
    "supplier_diversity",
]


@dataclass
class EcologicalAnalysis:
    """ENA results.

    ``summary``: indicator, value, note (nodes N, links L, connectance L/N^2,
    connectance_no_self L'/(N(N-1)), linkage_density L/N, total_system_throughflow,
    cycled_throughflow, finn_cycling_index). ``participants``: per organisation its
    suppliers (count), inflow, shannon_diversity H' (natural log) and evenness
    H'/ln(suppliers), customers (count), outflow, throughflow, imports, exports and
    cycling_efficiency ((n_jj - 1) / n_jj). ``matrix``: the flow matrix (rows give to
    columns) in the common unit.
    """

    summary: pd.DataFrame
    participants: pd.DataFrame
    matrix: pd.DataFrame

    @property
    def totals(self) -> pd.Series:
        """The summary as a Series: value by indicator."""
        return self.summary.set_index("indicator")["value"]


def flow_matrix(
    flows: pd.DataFrame,
    weights: Mapping[str, float] | pd.Series | None = None,
    value: str = "flow",
) -> pd.DataFrame:
    """Square organisation x organisation matrix: entry (i, j) = what i gives j.

    ``flows`` has supply_organisation, demand_organisation, unit and ``value`` (default
    "flow", canonical units/yr). ``weights`` maps each unit (e.g. "t/yr", "MWh/yr", "m3/yr")
    to a factor into one common unit (0 drops that unit); without it all positive flows must
    share one unit, else ValueError. Only positive entries make links; the nodes are the
    organisations of those links, sorted.
    """
    amount = flows[value].to_numpy(dtype=float)
    units = flows["unit"].astype(str).to_numpy(dtype=object)
    if weights is None:
        used = sorted(set(units[amount > 0]))
        if len(used) > 1:
            raise ValueError(
                f"flows are in several units {used}: pass weights by unit into a common unit"
            )
        factor = np.ones(len(amount))
    else:
        w = pd.Series(weights, dtype=float)
        missing = sorted(set(units[amount > 0]) - set(w.index))
        if missing:
            raise KeyError(f"no weight for unit {missing}")
        factor = w.reindex(units).fillna(0.0).to_numpy(dtype=float)
    weighted = amount * factor
    keep = weighted > 0
    frame = pd.DataFrame(
        {
            "giver": flows["supply_organisation"].to_numpy(dtype=object)[keep],
            "taker": flows["demand_organisation"].to_numpy(dtype=object)[keep],
            "amount": weighted[keep],
        }
    )
    nodes = sorted(set(frame["giver"]) | set(frame["taker"]))
    matrix = frame.pivot_table(
        index="giver", columns="taker", values="amount", aggfunc="sum", fill_value=0.0
    )
    matrix = matrix.reindex(index=nodes, columns=nodes, fill_value=0.0).astype(float)
    matrix.index.name, matrix.columns.name = "giver", "taker"
    return matrix


def link_structure(matrix: pd.DataFrame) -> pd.Series:
    """Food-web structure of a flow matrix (only which entries are positive counts).

    nodes N; links L (directed, self-loops included: an organisation that exchanges between
    its own facilities); connectance C = L / N^2 (the food-web convention, e.g. Layton et al.
    2016); connectance_no_self = L' / (N (N - 1)) with L' the links between distinct nodes;
    linkage_density L / N. Empty network: zeros (connectance NaN).
    """
    a = matrix.to_numpy(dtype=float) > 0
    n = a.shape[0]
    links = int(a.sum())
    between = links - int(np.trace(a))
    return pd.Series(
        {
            "nodes": float(n),
            "links": float(links),
            "connectance": links / n**2 if n else np.nan,
            "connectance_no_self": between / (n * (n - 1)) if n > 1 else np.nan,
            "linkage_density": links / n if n else np.nan,
        }
    )


def _balance(
    f: np.ndarray, imports: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(imports z, exports y, throughflow T) of each node at steady state.

    T_j = z_j + sum_i f_ij (inflow side) = sum_k f_jk + y_j (outflow side). Given imports
    are raised where a node gives more than it receives (the least import that balances it);
    exports are the rest.
    """
    inflow = f.sum(axis=0)
    outflow = f.sum(axis=1)
    z = np.zeros(len(f)) if imports is None else np.asarray(imports, dtype=float).copy()
    if (z < 0).any():
        raise ValueError("imports must be non-negative")
    z = np.maximum(z, outflow - inflow)
    through = z + inflow
    y = through - outflow
    return z, np.maximum(y, 0.0), through


def finn_cycling_index(
    matrix: pd.DataFrame, imports: Mapping[str, float] | pd.Series | None = None
) -> tuple[float, pd.Series]:
    """Finn cycling index (Finn 1976) of a flow matrix, and each node's cycling efficiency.

    ``matrix`` (i, j) = flow from i to j (one common unit/yr); ``imports`` = flow into each
    node from outside the network (default: only what balances it; a node that gives more
    than it receives is fed the difference). Throughflow T_j = imports_j + inflow_j. With the
    output-oriented flow matrix G_ij = f_ij / T_i and N = (I - G)^-1 (the Leontief-style
    integral flow matrix; its diagonal is the same for the input-oriented form), node j
    cycles the share CE_j = (n_jj - 1) / n_jj of its throughflow; FCI = sum_j CE_j T_j /
    sum_j T_j (total system throughflow, TST). A chain has FCI 0; FCI is NaN when TST is 0.
    """
    f = matrix.to_numpy(dtype=float)
    nodes = list(matrix.index)
    if list(matrix.columns) != nodes:
        raise ValueError("the flow matrix must be square with the same node order on both axes")
    z = None
    if imports is not None:
        z_series = pd.Series(imports, dtype=float)
        unknown = sorted(set(z_series.index) - set(nodes))
        if unknown:
            raise KeyError(f"imports name nodes not in the matrix: {unknown}")
        z = z_series.reindex(nodes).fillna(0.0).to_numpy()
    _, _, through = _balance(f, z)
    tst = float(through.sum())
    if tst <= 0:
        return float("nan"), pd.Series(np.nan, index=nodes, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(through[:, None] > 0, f / through[:, None], 0.0)
    integral = np.linalg.inv(np.eye(len(nodes)) - g)
    diag = np.diag(integral)
    efficiency = (diag - 1.0) / diag
    efficiency = np.where(np.abs(efficiency) < 1e-12, 0.0, efficiency)
    fci = float((efficiency * through).sum() / tst)
    return fci, pd.Series(efficiency, index=nodes, dtype=float)


def shannon_diversity(amounts: np.ndarray | pd.Series) -> float:
    """Shannon diversity H' = -sum p_k ln p_k of the positive ``amounts`` (shares p_k).

    Equal shares among k give ln k; one source gives 0; nothing gives NaN.
    """
    x = np.asarray(amounts, dtype=float)
    x = x[x > 0]
    if not len(x):
        return float("nan")
    p = x / x.sum()
    return float(-(p * np.log(p)).sum()) + 0.0  # no -0.0 for a single source


def supplier_diversity(matrix: pd.DataFrame) -> pd.DataFrame:
    """Per organisation (a column of ``matrix``): its suppliers, inflow, H' and evenness.

    suppliers = the number of other organisations that give it something (its own
    facilities are not a supplier); shannon_diversity = H' of its inflow shares by supplier
    (natural log; NaN when it receives nothing); evenness = H' / ln(suppliers) (NaN for
    fewer than two suppliers).
    """
    f = matrix.to_numpy(dtype=float).copy()
    np.fill_diagonal(f, 0.0)
    suppliers = (f > 0).sum(axis=0)
    h = np.array([shannon_diversity(f[:, j]) for j in range(f.shape[1])])
    with np.errstate(divide="ignore", invalid="ignore"):
        evenness = np.where(suppliers > 1, h / np.log(np.maximum(suppliers, 2)), np.nan)
    return pd.DataFrame(
        {
            "organisation": list(matrix.columns),
            "suppliers": suppliers.astype(int),
            "inflow": f.sum(axis=0),
            "shannon_diversity": h,
            "evenness": evenness,
        }
    )


def ecological_analysis(
    flows: pd.DataFrame,
    weights: Mapping[str, float] | pd.Series | None = None,
    imports: Mapping[str, float] | pd.Series | None = None,
    value: str = "flow",
) -> EcologicalAnalysis:
    """Structure, cycling and supplier diversity of the exchange network in ``flows``.

    ``flows`` is ``DesignSolution.flows`` (or ``Assessment.exchanges``); ``weights`` and
    ``value`` as in :func:`flow_matrix`; ``imports`` as in :func:`finn_cycling_index`.
    """
    matrix = flow_matrix(flows, weights, value)
    structure = link_structure(matrix)
    fci, efficiency = finn_cycling_index(matrix, imports)
    z_in = None
    if imports is not None:
        z_in = pd.Series(imports, dtype=float).reindex(matrix.index).fillna(0.0).to_numpy()
    z, y, through = _balance(matrix.to_numpy(dtype=float), z_in)
    tst = float(through.sum())
    diversity = supplier_diversity(matrix)
    f = matrix.to_numpy(dtype=float).copy()
    np.fill_diagonal(f, 0.0)
    participants = diversity.assign(
        customers=(f > 0).sum(axis=1).astype(int),
        outflow=f.sum(axis=1),
        throughflow=through,
        imports=z,
        exports=y,
        cycling_efficiency=efficiency.to_numpy(),
    )
    summary = pd.DataFrame(
        [
            ("nodes", structure["nodes"], "organisations in an exchange (N)"),
            ("links", structure["links"], "directed organisation pairs with flow (L)"),
            ("connectance", structure["connectance"], "L / N^2 (self-loops counted in L)"),
            (
                "connectance_no_self",
                structure["connectance_no_self"],
                "L' / (N (N - 1)), links between distinct organisations",
            ),
            ("linkage_density", structure["linkage_density"], "L / N"),
            ("total_system_throughflow", tst, "sum of node throughflows (common unit/yr)"),
            (
                "cycled_throughflow",
                fci * tst if tst > 0 else np.nan,
                "throughflow that is cycled (common unit/yr)",
            ),
            ("finn_cycling_index", fci, "cycled / total system throughflow (Finn 1976)"),
        ],
        columns=["indicator", "value", "note"],
    )
    return EcologicalAnalysis(summary=summary, participants=participants, matrix=matrix)
