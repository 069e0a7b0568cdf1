"""The knowledge base in words: docs/knowledge-base.md, generated from the taxonomy CSVs."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from symbiograph.match._rules import RULE_DESCRIPTIONS, RULES

__all__ = ["knowledge_base_documentation"]


def _cell(value: object) -> str:
    """Text fit for a Markdown table cell."""
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    return text.replace("|", "\\|").replace("\n", " ").strip()


def _table(header: Iterable[str], rows: Iterable[Iterable[object]]) -> list[str]:
    names = list(header)
    lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return lines


def _codes(codes: tuple[str, ...]) -> str:
    return ", ".join(codes) if codes else "any"


def knowledge_base_documentation() -> str:
    """The knowledge base as Markdown: matching rules, quality attributes, receiver sectors,
    archetypes with their sources, and how a scenario extends them.

    Generated from ``quality_attributes.csv``, ``synergy_archetypes.csv``, ``nace.csv`` and
    the matching rules, so the documentation cannot drift from the data.
    """
    from symbiograph.model import attributes
    from symbiograph.taxonomy import (
        archetype_sources,
        nace_codes,
        quality_attributes,
        synergy_archetypes,
    )

    archetypes = synergy_archetypes()
    lines = [
        "# Knowledge base",
        "",
        "Generated from `src/symbiograph/taxonomy/*.csv` and the matching rules by",
        "`symbiograph.match.knowledge_base_documentation()`; do not edit by hand.",
        "",
        "Matching pairs every supply with every demand in reach whose resources link, and",
        "judges each pair on the rules below. A synergy archetype is a documented type of",
        "exchange: which by-product, surplus energy or water (supply) can replace which",
        "virgin input (demand), between which sectors, under which quality limits and at",
        f"which substitution ratio. {len(archetypes)} archetypes ship with symbiograph, each",
        "with its public source.",
        "",
        "## Matching rules",
        "",
        "Rules in the order `explain` checks them. Every archetype that links a pair of",
        "resources is judged on every rule; of those that pass, the best is kept (see",
        "`economics`). `symbiograph explain` lists every archetype considered with its",
        "outcome (`fails`, `passes`, `kept`) and each rule's verdict (`fail`, `unknown`,",
        "`pass`), failing first.",
        "",
        *_table(
            ["rule", "what it checks"],
            [(rule, RULE_DESCRIPTIONS[rule]) for rule in (*RULES, "economics")],
        ),
        "",
        "## A scenario's own archetypes",
        "",
        "A scenario extends the knowledge base with the table `archetypes` (YAML key,",
        "`archetypes.csv` in a CSV folder, or an `archetypes` sheet; fields in",
        "[file-format.md](file-format.md)). Each row names its `source` (an id of the",
        "scenario's `sources` table or a source key below) and an `action`:",
        "",
        "- `add`: a new archetype; needs name, supply_kind, supply_ewc or supply_cpa,",
        "  demand_cpa, substitution_ratio and typical_mode.",
        "- `override`: each field given replaces the shipped archetype's; `-` clears a text",
        "  or list field (an empty sector list means any sector).",
        "- `widen`: codes, sectors, keywords and pre-treatment fixes given are added to the",
        "  shipped lists; each quality limit given replaces the shipped limit on that",
        "  attribute and direction, the others stay.",
        "",
        "The rows are checked like every other table (file, row and field named).",
        "",
        "## Quality attributes",
        "",
        "Values in the canonical unit; streams report them in `stream_quality`, archetypes",
        "limit them in `quality_requirements` (`attribute>=number` or `attribute<=number`).",
        "",
        *_table(
            ["name", "unit", "kind", "description"],
            quality_attributes()[["name", "unit", "kind", "description"]].itertuples(index=False),
        ),
        "",
        "## Receiver sectors",
        "",
        "NACE Rev. 2 prefixes named as receivers (and givers) by the archetypes; a",
        "facility's NACE code matches a prefix it starts with.",
        "",
    ]
    titles = nace_codes().set_index("code")["description"].astype(str)
    receivers: dict[str, list[str]] = {}
    givers: dict[str, int] = {}
    for aid, received, given in zip(
        archetypes["id"],
        archetypes["receiver_nace_list"],
        archetypes["giver_nace_list"],
        strict=True,
    ):
        for code in received:
            receivers.setdefault(code, []).append(str(aid))
        for code in given:
            givers[code] = givers.get(code, 0) + 1
    lines += _table(
        ["code", "sector", "receiving archetypes", "as giver"],
        [
            (code, titles.get(code, ""), len(receivers[code]), givers.get(code, 0))
            for code in sorted(receivers)
        ],
    )
    lines += [
        "",
        "## Archetypes",
        "",
        "Ratio: units of virgin input replaced per unit of supply (t, MWh or m3; the virgin",
        "unit is that of the virgin emission factor). Reach: typical mode and maximum km.",
        "",
    ]
    lines += _table(
        [
            "id",
            "name",
            "kind",
            "supply",
            "replaces (CPA)",
            "givers",
            "receivers",
            "ratio",
            "quality",
            "reach",
            "source",
        ],
        [
            (
                row.id,
                row.name,
                row.supply_kind,
                _codes(row.supply_ewc_list + row.supply_cpa_list),
                _codes(row.demand_cpa_list),
                _codes(row.giver_nace_list),
                _codes(row.receiver_nace_list),
                f"{row.substitution_ratio:g} {row.virgin_unit}/{row.supply_unit}",
                str(row.quality_requirements).replace(";", "; "),
                f"{row.typical_mode} {row.max_distance_km:g} km",
                f"{'; '.join(row.source_list)} ({row.year})",
            )
            for row in archetypes.itertuples(index=False)
        ],
    )
    lines += ["", "## Sources", ""]
    lines += _table(
        ["key", "year", "citation"],
        archetype_sources()[["key", "year", "citation"]].itertuples(index=False),
    )
    fields = ", ".join(f"`{a.name}`" for a in attributes("archetypes"))
    lines += ["", f"Fields of the scenario table `archetypes`: {fields}."]
    return "\n".join(lines) + "\n"
