"""A park's documented exchanges as ledger contracts with a year of monthly deliveries
(synthetic, seeded): the records to append, in order, grouped by month.

Each exchange running today (status ``existing``) between two organisations becomes a
contract: the band is 80% to 110% of its documented monthly quantity (the exchange's
quantity, else the smaller of its supply's and demand's), the price the middle of the
supply's asking price and the demand's price (a stand-in for a negotiated price), take-or-pay
at 50% and deliver-or-pay at 25% of the price, the demand's accepted quality ranges, energy
contracts indexed to a synthetic energy index (base 100). Deliveries are drawn from a
seeded generator: usually near the nomination, now and then short or off-spec. Waste (a
resource with an EWC code) carries a transfer note, countersigned by the receiver. One
contract is suspended for a month and resumed; one joint decision (a planned exchange's
shared infrastructure) is proposed and approved. Every figure here is SYNTHETIC.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from symbiograph.ledger._contracts import ContractTerms
from symbiograph.ledger._lifecycle import cost_shares, terms_record
from symbiograph.model import Network

__all__ = ["DEMO_INDEX", "PLATFORM_ORG", "DemoPlan", "DemoStep", "demo_plan"]

#: The synthetic energy price index the energy contracts follow.
DEMO_INDEX = "demo-energy-index"
#: The organisation that publishes the index values (the park's secretariat).
PLATFORM_ORG = "Symbiosis secretariat"
_ENERGY = {"energy"}


@dataclass(frozen=True)
class DemoStep:
    """One record to append: ``org`` signs ``record`` (``confidential`` paths sealed);
    ``countersign`` names the organisation that countersigns it next (waste deliveries)."""

    month: int
    org: str
    record: dict[str, Any]
    confidential: tuple[str, ...] = ()
    countersign: str = ""


@dataclass
class DemoPlan:
    """The steps month by month (month 0: contracts and decisions before the year), the
    contracts made and the exchanges skipped (with why)."""

    steps: list[DemoStep] = field(default_factory=list)
    contracts: dict[str, ContractTerms] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _ranges(network: Network, demand: str) -> tuple[tuple[str, float | None, float | None], ...]:
    quality = network.stream_quality
    rows = quality[quality["stream_id"] == demand]
    out = []
    for _, row in rows.iterrows():
        lo, hi = _number(row["min"]), _number(row["max"])
        if lo is not None or hi is not None:
            out.append((str(row["attribute"]), lo, hi))
    return tuple(sorted(out))


def _measure(rng: random.Random, spec: tuple[str, float | None, float | None], off: bool) -> float:
    """A measured value inside the range (or, when ``off``, just outside it)."""
    _, lo, hi = spec
    if lo is not None and hi is not None:
        inside = lo + (hi - lo) * rng.uniform(0.2, 0.8)
        return round(hi * 1.05 if off else inside, 2)
    if hi is not None:
        return round(hi * (1.1 if off else rng.uniform(0.4, 0.9)), 2)
    assert lo is not None
    return round(lo * (0.97 if off else rng.uniform(1.0, 1.04)), 2)


def demo_plan(network: Network, seed: int = 14, year: int = 2026) -> DemoPlan:
    """The records that give ``network``'s existing exchanges a year of contracts and
    monthly deliveries (seeded: the same seed gives the same records)."""
    rng = random.Random(seed)
    plan = DemoPlan()
    streams = network.streams.set_index("id")
    facilities = network.facilities.set_index("id")
    resources = network.resources.set_index("id")
    start = f"{year}-01"
    # the index: 100 in the base month, a random walk after
    level = 100.0
    index_values: dict[int, float] = {}
    for month in range(1, 13):
        index_values[month] = round(level, 2)
        level *= 1 + rng.uniform(-0.04, 0.05)
    contracts: list[tuple[str, dict[str, Any], ContractTerms, float, str]] = []
    for _, exchange in network.exchanges.sort_values("id").iterrows():
        name = str(exchange["id"])
        if exchange["status"] != "existing":
            continue
        supply, demand = streams.loc[exchange["supply_id"]], streams.loc[exchange["demand_id"]]
        supplier = str(facilities.loc[supply["facility_id"], "organisation"])
        buyer = str(facilities.loc[demand["facility_id"], "organisation"])
        if supplier == buyer:
            plan.skipped[name] = f"both sides are {supplier} (an internal transfer, no contract)"
            continue
        annual = _number(exchange["quantity"]) or min(
            q for q in (_number(supply["quantity"]), _number(demand["quantity"])) if q
        )
        monthly = annual / 12
        resource = resources.loc[supply["resource_id"]]
        ask = _number(supply["price"]) or 0.0
        bid = _number(demand["price"]) or ask
        energy = resource["kind"] in _ENERGY
        terms = ContractTerms(
            name,
            supplier,
            buyer,
            round(0.8 * monthly, 3),
            round(1.1 * monthly, 3),
            round((ask + bid) / 2, 4),
            take_or_pay=0.5,
            deliver_or_pay=0.25,
            excess_factor=0.0,
            quality=_ranges(network, str(exchange["demand_id"])),
            off_spec_factor=0.0 if resource.get("ewc_code") else 0.8,
            price_basis="indexed" if energy else "fixed",
            price_index=DEMO_INDEX if energy else "",
            index_base=100.0 if energy else 0.0,
        )
        plan.contracts[name] = terms
        more = {
            "exchange": name,
            "resource": str(supply["resource_id"]),
            "unit": str(resource["unit"]).removesuffix("/yr") + "/month",
            "start": start,
            "months": 120,
            "notice_months": 12,
            "backup_supply": f"{buyer} falls back on its own supply at its cost",
            "force_majeure": True,
        }
        record = {
            "type": "contract.propose",
            "contract": name,
            "terms": terms_record(terms, **more),
            "parties": [supplier, buyer],
        }
        plan.steps.append(DemoStep(0, supplier, record, ("terms.price",)))
        contracts.append((name, dict(resource), terms, monthly, str(exchange["mode"])))
    for name, _, terms, _, _ in contracts:
        for org in (terms.supplier, terms.buyer):
            plan.steps.append(DemoStep(0, org, {"type": "contract.sign", "contract": name}))
        plan.steps.append(
            DemoStep(
                0, terms.buyer, {"type": "contract.activate", "contract": name, "period": start}
            )
        )
    planned = network.exchanges[network.exchanges["status"] == "planned"]
    if len(planned):
        exchange = planned.sort_values("id").iloc[0]
        sides = [
            str(facilities.loc[streams.loc[exchange[k], "facility_id"], "organisation"])
            for k in ("supply_id", "demand_id")
        ]
        if sides[0] != sides[1]:
            # a two-player cost game (synthetic stand-alone costs): each pays its own cost
            # less half the saving of building together, the Shapley value
            alone = {sides[0]: 1_500_000.0, sides[1]: 1_800_000.0}
            together = 2_400_000.0
            saving = sum(alone.values()) - together
            shapley = {org: c - saving / 2 for org, c in alone.items()}
            cost = round(together * 100)
            shares = cost_shares(shapley, cost)
            decision = f"D-{exchange['id']}"
            plan.steps.append(
                DemoStep(
                    0,
                    sides[1],
                    {
                        "type": "decision.propose",
                        "decision": decision,
                        "title": f"shared heat-pump connection for {exchange['id']} (synthetic cost)",
                        "cost_cents": cost,
                        "shares": shares,
                        "method": "shapley (two-player cost game, synthetic stand-alone costs)",
                    },
                )
            )
            for org in sides:
                plan.steps.append(
                    DemoStep(
                        0, org, {"type": "decision.vote", "decision": decision, "vote": "approve"}
                    )
                )
    paused = next((c for c in contracts if c[2].price_basis == "indexed"), None)
    for month in range(1, 13):
        period = f"{year}-{month:02d}"
        plan.steps.append(
            DemoStep(
                month,
                PLATFORM_ORG,
                {
                    "type": "index",
                    "index": DEMO_INDEX,
                    "period": period,
                    "value": index_values[month],
                },
            )
        )
        for name, resource, terms, monthly, mode in contracts:
            if paused is not None and name == paused[0] and month in (7, 8):
                step = "suspend" if month == 7 else "resume"
                fields: dict[str, Any] = {"period": period}
                if month == 7:
                    fields["reason"] = "planned maintenance of the connection"
                plan.steps.append(
                    DemoStep(
                        month,
                        terms.supplier,
                        {"type": f"contract.{step}", "contract": name, **fields},
                    )
                )
                if month == 7:
                    continue
            nominated = round(monthly * rng.uniform(0.85, 1.05), 3)
            draw = rng.random()  # mostly as nominated; now and then short or a little over
            factor = 0.8 if draw < 0.05 else (rng.uniform(1.0, 1.03) if draw > 0.9 else 1.0)
            delivered = round(nominated * factor, 3)
            off = rng.random() < 0.04
            quality = {
                spec[0]: _measure(rng, spec, off and k == 0) for k, spec in enumerate(terms.quality)
            }
            delivery: dict[str, Any] = {
                "type": "delivery",
                "contract": name,
                "period": period,
                "nominated": nominated,
                "delivered": delivered,
                "measured": "metered" if mode in ("pipeline", "grid") else "declared",
                "quality": quality,
            }
            countersign = ""
            if resource.get("ewc_code"):
                delivery["transfer"] = _transfer_note(
                    network, name, resource, terms, delivered, mode, period, rng
                )
                countersign = terms.buyer
            plan.steps.append(DemoStep(month, terms.supplier, delivery, (), countersign))
    return plan


def _transfer_note(
    network: Network,
    exchange: str,
    resource: Mapping[str, Any],
    terms: ContractTerms,
    delivered: float,
    mode: str,
    period: str,
    rng: random.Random,
) -> dict[str, Any]:
    """A complete (synthetic) transfer note of one month's waste delivery."""
    row = network.exchanges.set_index("id").loc[exchange]
    streams = network.streams.set_index("id")
    facilities = network.facilities.set_index("id")
    producer = facilities.loc[streams.loc[row["supply_id"], "facility_id"]]
    receiver = facilities.loc[streams.loc[row["demand_id"], "facility_id"]]
    day = rng.randint(1, 28)
    return {
        "description": str(resource.get("description") or resource.get("name")),
        "ewc_code": str(resource["ewc_code"]),
        "hazardous": bool(resource.get("hazardous", False)),
        "physical_form": "sludge" if "sludge" in str(resource.get("name", "")).lower() else "solid",
        "quantity": delivered,
        "unit": "t",
        "quantity_estimated": False,
        "container": "bulk tipper truck" if mode == "truck" else str(mode),
        "containers": 0,
        "producer_name": terms.supplier,
        "producer_address": str(producer.get("address") or "Kalundborg, Denmark"),
        "producer_nace": str(producer["nace_code"]),
        "carrier_name": terms.supplier,
        "carrier_registration": "DEMO-CARRIER-0001",
        "transport_mode": "road" if mode == "truck" else str(mode),
        "receiver_name": terms.buyer,
        "receiver_address": str(receiver.get("address") or "Kalundborg, Denmark"),
        "receiver_permit": f"DEMO-PERMIT-{exchange}",
        "recovery_code": "R10" if "farm" in exchange else "R3",
        "hierarchy_declaration": True,
        "place": str(producer.get("address") or "Kalundborg, Denmark"),
        "transferred_at": f"{period}-{day:02d}T08:00:00+01:00",
        "country_dispatch": "DK",
        "country_destination": "DK",
    }
