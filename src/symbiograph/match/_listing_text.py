"""Reading a residue listing as plant staff write it: the words that name the material, the
trade terms the lexicon expands, the hazard evidence and its negation, and the quantity.

"ETP sludge cake, 18% DS, non haz, ~6 t/wk in RoRo skip" reads as the material words
("etp sludge cake effluent treatment plant sludge ..."), no hazard evidence and an explicit
non-hazardous qualifier, and a quantity of 6 t/week = 312.9 t/yr. Pure functions over text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from symbiograph.io import convert_quantities

__all__ = [
    "ListingQuantity",
    "ListingText",
    "extract_quantity",
    "read_listing",
]

_NUMBER = r"(?:\d+(?:[.,]\d+)?)"
_RANGE = rf"(?P<num>{_NUMBER})(?:\s*(?:-|to|–)\s*(?P<num2>{_NUMBER}))?"
_MASS_VOLUME = {
    "t": "t",
    "te": "t",
    "ton": "t",
    "tons": "t",
    "tonne": "t",
    "tonnes": "t",
    "mt": "t",
    "kg": "kg",
    "kgs": "kg",
    "kt": "kt",
    "m3": "m3",
    "m³": "m3",
    "cu m": "m3",
    "cubic metres": "m3",
    "cubic meters": "m3",
    "l": "l",
    "ltr": "l",
    "ltrs": "l",
    "litre": "l",
    "litres": "l",
    "liter": "l",
    "liters": "l",
}
_PERIODS = {
    "day": "day",
    "d": "day",
    "daily": "day",
    "shift": None,
    "week": "week",
    "wk": "week",
    "wks": "week",
    "weekly": "week",
    "w": "week",
    "fortnight": "fortnight",
    "fortnightly": "fortnight",
    "month": "month",
    "mth": "month",
    "mo": "month",
    "monthly": "month",
    "pm": "month",
    "quarter": "quarter",
    "quarterly": "quarter",
    "year": "year",
    "yr": "year",
    "annum": "year",
    "pa": "year",
    "annually": "year",
    "yearly": "year",
    "brew": None,
    "batch": None,
    "campaign": None,
    "shutdown": None,
    "outage": None,
}
_UNIT_ALT = "|".join(sorted((re.escape(u) for u in _MASS_VOLUME), key=len, reverse=True))
_PERIOD_ALT = "|".join(sorted(_PERIODS, key=len, reverse=True))
_PERIOD = rf"(?:\s*(?:/|per|a|an|each|every)\s*(?P<period>{_PERIOD_ALT})\b|\s+(?P<adverb>daily|weekly|fortnightly|monthly|quarterly|annually|yearly|pa|pm)\b)"
_TPA = re.compile(rf"(?<![\w.]){_RANGE}\s*(?P<tpa>tpa|t/a|tpy|t/yr|tonnes?/yr)\b", re.IGNORECASE)


@dataclass(frozen=True)
class ListingQuantity:
    """A quantity read from a listing.

    ``amount`` is in ``unit`` ('t/yr' or 'm3/yr'), None when it cannot be made canonical
    (``reason`` says why: no period, a batch, a container of unknown size). ``raw`` is the
    matched text, ``container`` the container named (or ''), ``nominal`` True when the amount
    rests on a container's nominal size (taxonomy/containers.csv) rather than a stated one.
    """

    amount: float | None
    unit: str | None
    raw: str
    container: str = ""
    nominal: bool = False
    reason: str = ""


@dataclass(frozen=True)
class ListingText:
    """A listing as read: ``material`` (lower case, quantities and containers removed),
    ``expanded`` (material plus the plain words of every lexicon term found), ``terms`` (the
    lexicon rows found: term, means, ewc codes), ``hazard_words`` (explicit hazardous
    evidence not negated), ``non_hazard_words`` (qualifiers pointing to the non-hazardous
    mirror entry: "non haz", "pcb free", "free of oil", "no asbestos"), ``negated_substances``
    (the substances those qualifiers exclude: "pcb", "oil", "asbestos")."""

    text: str
    material: str
    expanded: str
    terms: tuple[tuple[str, str, tuple[str, ...]], ...] = field(default=())
    hazard_words: tuple[str, ...] = field(default=())
    non_hazard_words: tuple[str, ...] = field(default=())
    negated_substances: tuple[str, ...] = field(default=())

    @property
    def hazardous_evidence(self) -> bool:
        """Whether the listing says explicitly that the material is hazardous."""
        return bool(self.hazard_words) and not self.non_hazard_words


# hazardous substances and qualifiers a listing may name ("oily", "contaminated", "PCB")
_HAZARD_SUBSTANCES = (
    "asbestos|pcbs?|oil|oils|oily|solvents?|mercury|cyanides?|chrom(?:e|ium)\\s*(?:vi|6)|"
    "hexavalent|lead|cadmium|arsenic|tar|coal tar|hydrocarbons?|heavy metals?|"
    "hazardous substances|dangerous substances|phenols?|isocyanates?|halogenated|chlorinated|"
    "creosote|cca|biocides?|pesticides?|acids?|alkali(?:ne)?|caustic|flammable|toxic|cr\\s*vi|"
    "corrosive|radioactive|infectious|contamination|contaminants?|voc|vocs|bitumen"
)
_NEGATIONS = re.compile(
    r"\b(?:non|not|un)[\s-]?(?:haz|hazardous|contaminated|special)\b"
    rf"|\b(?:{_HAZARD_SUBSTANCES})[\s-]+free\b"
    rf"|\b(?:free\s+(?:of|from)|no|without|nil|zero|not\s+containing|does\s+not\s+contain|"
    rf"contains\s+no|tested\s+negative\s+for)\s+(?:any\s+)?(?:{_HAZARD_SUBSTANCES})\b"
    r"|\binert\b|\buncontaminated\b|\bclean\b|\bnon[\s-]?oily\b",
    re.IGNORECASE,
)
_HAZARD = re.compile(
    r"\b(?:haz|hazardous|special waste|contaminated|oily|oil[\s-]contaminated|"
    r"pcbs?|asbestos|solvent[\s-]?based|solvents?|mercury|cyanides?|chrom(?:e|ium)\s*(?:vi|6)|"
    r"hexavalent|cadmium|arsenic|coal tar|creosote|cca|halogenated|chlorinated|"
    r"flammable|toxic|corrosive|infectious|dangerous substances|hazardous substances|"
    r"heavy metals?|hydrocarbons?|mineral oils?|(?:with|containing|contains|in)\s+oil|"
    r"lead|cr\s*vi|cr\s*6|"
    r"acid[\s-]generating)\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=1)
def _lexicon() -> tuple[re.Pattern[str], dict[str, tuple[str, tuple[str, ...]]]]:
    """The lexicon as one regex (longest terms first, word boundaries) and term -> row."""
    from symbiograph.taxonomy import residue_lexicon

    frame = residue_lexicon()
    rows: dict[str, tuple[str, tuple[str, ...]]] = {}
    for term, means, ewc in zip(frame["term"], frame["means"], frame["ewc"], strict=True):
        codes = tuple(c.strip() for c in str(ewc).split(";") if c.strip())
        rows[str(term).lower()] = (str(means), codes)
    alternatives = sorted(rows, key=len, reverse=True)
    pattern = re.compile(
        r"(?<![\w])(" + "|".join(re.escape(t) for t in alternatives) + r")(?![\w])"
    )
    return pattern, rows


@lru_cache(maxsize=1)
def _containers() -> tuple[re.Pattern[str], dict[str, tuple[str, float, str]]]:
    """Container spellings -> (container, nominal amount, unit) and a regex over them."""
    from symbiograph.taxonomy import listing_containers

    frame = listing_containers()
    spellings: dict[str, tuple[str, float, str]] = {}
    for name, synonyms, amount, unit in zip(
        frame["container"], frame["synonyms"], frame["amount"], frame["unit"], strict=True
    ):
        for s in [str(name), *str(synonyms).split("|")]:
            if s.strip():
                spellings[s.strip().lower()] = (str(name), float(amount), str(unit))
    alternatives = sorted(spellings, key=len, reverse=True)
    pattern = re.compile(
        r"(?<![\w])(" + "|".join(re.escape(s) for s in alternatives) + r")(?![\w])"
    )
    return pattern, spellings


_MEASURE = re.compile(
    rf"(?<![\w.]){_RANGE}\s*(?P<unit>{_UNIT_ALT})(?![\w])(?:{_PERIOD})?",
    re.IGNORECASE,
)
_SIZE = re.compile(rf"(?<![\w.])(?P<num>{_NUMBER})\s*(?P<unit>l|ltr|litres?|m3|kg|t)(?![\w])", re.I)
_STRIP = re.compile(
    rf"(?<![\w.])(?:approx\.?|approximately|about|circa|ca\.?|c\.|~|\+/-|up to|around)?\s*"
    rf"{_RANGE}\s*(?:x\s*)?(?:%\s*\w+|%|(?:{_UNIT_ALT})(?![\w]))?(?:{_PERIOD})?",
    re.IGNORECASE,
)


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def _per_year(period: str | None, amount_unit: str, value: float) -> tuple[float | None, str]:
    """``value`` ``amount_unit`` per ``period`` in t/yr or m3/yr through io's unit rules."""
    if period is None:
        return None, "no time period (a batch, a brew or a one-off amount)"
    target = "t/yr" if amount_unit in ("t", "kg", "kt") else "m3/yr"
    # a fortnight is half the amount per week, a quarter a third of it per month
    value, unit = {"fortnight": (value / 2, "week"), "quarter": (value / 3, "month")}.get(
        period, (value, period)
    )
    values, errors = convert_quantities(
        pd.Series([f"{value} {amount_unit}/{unit}"], dtype=object), pd.Series([target])
    )
    if errors.iloc[0]:
        return None, str(errors.iloc[0])
    return float(values[0]), ""


def extract_quantity(text: str) -> ListingQuantity | None:
    """The first quantity in a listing, canonical where possible.

    "approx 20 t/month" -> 240 t/yr; "5 IBCs per month" -> 60 m3/yr (nominal 1 m3 IBC);
    "drums 200 l, 10 a week" -> 104.3 m3/yr; "2 skips a week" -> 625.7 m3/yr (nominal
    6 m3 skip); "~3 m3/brew" -> amount None (no time period). Ranges ("1-2 t/month") take
    their middle. Units go through the scenario files' rules (io: a year of 365 days, a
    month of a twelfth of it). Returns None when the listing states no quantity.
    """
    low = text.lower()
    tpa = _TPA.search(low)
    if tpa:
        value = _mid(tpa)
        return ListingQuantity(value, "t/yr", tpa.group(0).strip())
    measures = list(_MEASURE.finditer(low))
    periodic = [m for m in measures if m.group("period") or m.group("adverb")]
    measure = periodic[0] if periodic else (measures[0] if measures else None)
    container_pattern, spellings = _containers()
    container = container_pattern.search(low)
    if measure and (measure.group("period") or measure.group("adverb")):
        value = _mid(measure)
        unit = _MASS_VOLUME[measure.group("unit").lower()]
        period = _PERIODS[(measure.group("period") or measure.group("adverb")).lower()]
        amount, reason = _per_year(period, unit, value)
        target = "t/yr" if unit in ("t", "kg", "kt") else "m3/yr"
        name = spellings[container.group(1)][0] if container else ""
        return ListingQuantity(
            amount,
            target if amount is not None else None,
            measure.group(0).strip(),
            name,
            reason=reason,
        )
    if container:
        return _container_quantity(low, container, spellings, measure)
    if measure:
        return ListingQuantity(
            None, None, measure.group(0).strip(), reason="no time period (a one-off amount)"
        )
    return None


def _mid(match: re.Match[str]) -> float:
    first = _number(match.group("num"))
    second = match.group("num2")
    return (first + _number(second)) / 2 if second else first


_COUNT_BEFORE = re.compile(rf"{_RANGE}\s*(?:x\s*)?(?:\w+\s+){{0,2}}$")
_COUNT_AFTER = re.compile(rf"^[\s,;:]*(?:x\s*)?{_RANGE}(?![\w.%])(?!\s*(?:{_UNIT_ALT})\b)")
_PERIOD_AFTER = re.compile(rf"^[^,;.]*?(?:{_PERIOD})", re.IGNORECASE)
_PERIOD_ANY = re.compile(rf"(?:{_PERIOD})", re.IGNORECASE)


def _container_quantity(
    low: str,
    container: re.Match[str],
    spellings: dict[str, tuple[str, float, str]],
    measure: re.Match[str] | None,
) -> ListingQuantity:
    """A count of containers per period ("2 skips a week", "drums 200 l, 10 a week")."""
    name, nominal_amount, nominal_unit = spellings[container.group(1)]
    before = low[: container.start()]
    after = low[container.end() :]
    count_match = _COUNT_BEFORE.search(before[-40:])
    raw_start = container.start()
    count: float | None = None
    if count_match:
        count = _mid(count_match)
        raw_start = container.start() - len(before[-40:]) + count_match.start()
    size_match = _SIZE.match(after.strip()) if after.strip() else None
    size_amount, size_unit, nominal = nominal_amount, nominal_unit, True
    if size_match:  # "drums 200 l"
        size_amount = _number(size_match.group("num"))
        size_unit = size_match.group("unit").lower()
        size_unit = "l" if size_unit.startswith("l") else size_unit
        nominal = False
        rest = after.strip()[size_match.end() :]
    else:
        stated = re.search(rf"(?P<num>{_NUMBER})\s*(?P<unit>l|ltr|kg|m3)\s*$", before[-12:])
        if stated:  # "240L wheelie bins", "25kg bags"
            size_amount = _number(stated.group("num"))
            size_unit = "l" if stated.group("unit").startswith("l") else stated.group("unit")
            nominal = False
            count_match = _COUNT_BEFORE.search(before[: len(before) - len(stated.group(0))][-30:])
            count = _mid(count_match) if count_match else None
        rest = after
    if count is None:
        after_count = _COUNT_AFTER.search(rest)
        if after_count:
            count = _mid(after_count)
            rest = rest[after_count.end() :]
    period_match = _PERIOD_AFTER.search(rest) or _PERIOD_ANY.search(low)
    raw = low[raw_start : container.end() + 20].strip()
    if count is None:
        return ListingQuantity(None, None, raw, name, nominal, "no count of containers stated")
    if period_match is None:
        return ListingQuantity(None, None, raw, name, nominal, "no time period stated")
    period = _PERIODS[(period_match.group("period") or period_match.group("adverb")).lower()]
    amount, reason = _per_year(period, size_unit, count * size_amount)
    target = "t/yr" if size_unit in ("t", "kg") else "m3/yr"
    return ListingQuantity(
        amount, target if amount is not None else None, raw, name, nominal, reason
    )


def read_listing(text: str) -> ListingText:
    """Read a listing: lower case, quantities and containers stripped, lexicon terms expanded
    to the materials they name, hazard evidence and its negations found (see ListingText)."""
    low = " " + re.sub(r"\s+", " ", str(text).lower()) + " "
    non_hazard = tuple(m.group(0).strip() for m in _NEGATIONS.finditer(low))
    without_negations = _NEGATIONS.sub(" ", low)
    hazard = tuple(m.group(0).strip() for m in _HAZARD.finditer(without_negations))
    container_pattern, _ = _containers()
    substance = re.compile(rf"\b(?:{_HAZARD_SUBSTANCES})\b", re.IGNORECASE)
    negated = tuple(dict.fromkeys(s.group(0) for p in non_hazard for s in substance.finditer(p)))
    # what the material is not ("pcb free", "no asbestos") is no evidence of what it is
    material = _STRIP.sub(" ", without_negations)
    material = container_pattern.sub(" ", material)
    material = _PERIOD_ANY.sub(" ", material)
    material = re.sub(
        r"\b(?:approx|approximately|circa|ca|x|per|a week|a month|a day)\b", " ", material
    )
    material = re.sub(r"[~+()\[\],;:!?\"'*&]", " ", material)
    material = re.sub(r"(?<![\w])[/.](?![\w])|(?<=\w)/(?=\w)", " ", material)
    material = re.sub(r"\s+", " ", material).strip()
    pattern, rows = _lexicon()
    # lexicon terms are looked up in the text without its negated phrases ("no asbestos")
    searchable = without_negations
    terms: list[tuple[str, str, tuple[str, ...]]] = []
    for m in pattern.finditer(searchable):
        term = m.group(1)
        means, codes = rows[term]
        if all(t[0] != term for t in terms):
            terms.append((term, means, codes))
    expanded = " ".join([material, *(means for _, means, _ in terms)])
    return ListingText(
        text=str(text),
        material=material,
        expanded=expanded,
        terms=tuple(terms),
        hazard_words=hazard,
        non_hazard_words=non_hazard,
        negated_substances=negated,
    )
