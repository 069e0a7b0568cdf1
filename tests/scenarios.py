"""Hand-checkable scenarios shared by the tests (importable as ``scenarios``: tests/ is on
the path, see conftest.py), with the answers worked out on paper in their docstrings."""

from __future__ import annotations

import math
from typing import Any

from symbiograph.io import network_from_document
from symbiograph.model import Network


def plant(fid: str, org: str, lon: float) -> dict[str, Any]:
    return {
        "id": fid,
        "name": fid,
        "organisation": org,
        "nace_code": "35.11",
        "lat": 55.0,
        "lon": lon,
    }


def gypsum_trio(pairs: int = 1) -> Network:
    """Giver A (100 t at 20 EUR/t disposal) and takers B (virgin 30) and C (virgin 25), all
    co-located, no transport cost; with ``pairs=2`` a second, separate pair D -> E."""
    doc: dict[str, Any] = {
        "resources": [
            {"id": "g", "name": "Gypsum", "kind": "material", "unit": "t/yr"},
            {"id": "h", "name": "Ash", "kind": "material", "unit": "t/yr"},
        ],
        "facilities": [plant("a", "A", 11.0), plant("b", "B", 11.0), plant("c", "C", 11.0)],
        "streams": [
            {
                "id": "sa",
                "facility_id": "a",
                "resource_id": "g",
                "direction": "supply",
                "quantity": 100,
                "price": 20,
            },
            {
                "id": "db",
                "facility_id": "b",
                "resource_id": "g",
                "direction": "demand",
                "quantity": 100,
                "price": 30,
            },
            {
                "id": "dc",
                "facility_id": "c",
                "resource_id": "g",
                "direction": "demand",
                "quantity": 100,
                "price": 25,
            },
        ],
        "transport_modes": [
            {"mode": "truck", "cost_per_tkm": 0.0, "co2e_kg_per_tkm": 0.0, "detour_factor": 1.0}
        ],
    }
    if pairs == 2:
        doc["facilities"] += [plant("d", "D", 11.0), plant("e", "E", 11.0)]
        doc["streams"] += [
            {
                "id": "sd",
                "facility_id": "d",
                "resource_id": "h",
                "direction": "supply",
                "quantity": 10,
                "price": 10,
            },
            {
                "id": "de",
                "facility_id": "e",
                "resource_id": "h",
                "direction": "demand",
                "quantity": 10,
                "price": 10,
            },
        ]
    return network_from_document(doc)


KM_PER_DEG = 6371.0088 * math.pi / 180.0  # km per degree of latitude (the match's sphere)


def two_plants(
    parameters: dict[str, Any] | None = None,
    *,
    resource_id: str = "gypsum",
    resource_name: str = "Gypsum",
    ewc_code: str | None = None,
    facility_ids: tuple[str, str] = ("power", "board"),
    facility_names: tuple[str, str] = ("Power", "Board"),
    supply_quality: dict[str, Any] | None = None,
    demand_quality: dict[str, Any] | None = None,
    modes: tuple[str, ...] = ("truck",),
    cost_per_tkm: float = 0.1,
    co2e_kg_per_tkm: float = 0.1,
    capex_per_km: float | None = None,
) -> dict[str, Any]:
    """The two-plant scenario as a document: a power station (organisation P) 10 km south
    of a plasterboard plant (B); P offers 100 kt/yr of FGD gypsum, landfilled today at
    20 EUR/t; B wants 80 kt/yr and pays 30 EUR/t for natural gypsum. Each of ``modes``
    ships at ``cost_per_tkm`` (EUR) and ``co2e_kg_per_tkm``, no detour; a pipeline costs
    ``capex_per_km`` (left out when None). So on paper: 80 kt x (20 + 30 - 10 km x 0.1)
    = 3.92 MEUR/yr by truck. ``parameters`` are the scenario's parameters."""
    resource: dict[str, Any] = {
        "id": resource_id,
        "name": resource_name,
        "kind": "material",
        "unit": "t/yr",
    }
    if ewc_code is not None:
        resource["ewc_code"] = ewc_code
    supply: dict[str, Any] = {
        "id": "s1",
        "facility_id": facility_ids[0],
        "resource_id": resource_id,
        "direction": "supply",
        "quantity": 100_000,
        "price": 20,
        "disposal_route": "landfill",
    }
    demand: dict[str, Any] = {
        "id": "d1",
        "facility_id": facility_ids[1],
        "resource_id": resource_id,
        "direction": "demand",
        "quantity": 80_000,
        "price": 30,
    }
    if supply_quality is not None:
        supply["quality"] = supply_quality
    if demand_quality is not None:
        demand["quality"] = demand_quality
    transport = []
    for mode in modes:
        row: dict[str, Any] = {
            "mode": mode,
            "cost_per_tkm": cost_per_tkm,
            "co2e_kg_per_tkm": co2e_kg_per_tkm,
            "detour_factor": 1.0,
        }
        if capex_per_km is not None:
            row["pipeline_capex_per_km"] = capex_per_km
        transport.append(row)
    return {
        "parameters": dict(parameters or {}),
        "resources": [resource],
        "facilities": [
            {
                "id": facility_ids[0],
                "name": facility_names[0],
                "organisation": "P",
                "nace_code": "35.11",
                "lat": 55.0,
                "lon": 11.0,
            },
            {
                "id": facility_ids[1],
                "name": facility_names[1],
                "organisation": "B",
                "nace_code": "23.62",
                "lat": 55.0 + 10 / KM_PER_DEG,
                "lon": 11.0,
            },
        ],
        "streams": [supply, demand],
        "transport_modes": transport,
    }


def _stream(
    sid: str, facility: str, resource: str, direction: str, quantity: float, price: float | None
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": sid,
        "facility_id": facility,
        "resource_id": resource,
        "direction": direction,
        "quantity": quantity,
    }
    if price is not None:
        row["price"] = price
    return row


def _free_transport(*modes: str) -> list[dict[str, Any]]:
    return [
        {"mode": m, "cost_per_tkm": 0.0, "co2e_kg_per_tkm": 0.0, "detour_factor": 1.0}
        for m in modes
    ]


def reclamation_park_document(*, effluent: bool = True, process: bool = True) -> dict[str, Any]:
    """A sewage works W (organisation W) gives 800,000 m3/yr of treated effluent, discharged
    today at 0.50 EUR/m3; the reclamation plant R (organisation R) takes up to 1,000,000 m3/yr
    of effluent (no market price: it can only receive it, and what it receives it treats) and
    runs a process that turns each m3 of effluent into 0.9 m3 of reclaimed water (capacity
    1,000,000 m3/yr of effluent, 0.30 EUR/m3 to run); its reclaimed water (900,000 m3/yr
    offered, nothing to dispose of today) goes to the paper mill S, which wants 800,000 m3/yr
    and pays 2.00 EUR/m3 for scheme water. All co-located, transport free, no capex.

    On paper, with the effluent candidate: W sends all 800,000 m3 (+400,000 of discharge
    avoided), R treats them (-240,000) and S gets 0.9 x 800,000 = 720,000 m3 of reclaimed
    water (+1,440,000): 1,600,000.00 EUR/yr. Without it (``effluent=False``: W is left out)
    the plant makes nothing and nothing is sold: 0. The model without the process
    (``process=False``) would claim 400,000 + 800,000 x 2.00 = 2,000,000 EUR/yr.
    """
    facilities = [plant("r", "R", 11.0), plant("s", "S", 11.0)]
    facilities[1]["nace_code"] = "17.12"
    facilities[0]["nace_code"] = "36.00"
    streams = [
        _stream("r_effluent", "r", "effluent", "demand", 1_000_000, None),
        _stream("r_reclaimed", "r", "reclaimed", "supply", 900_000, 0.0),
        _stream("s_water", "s", "reclaimed", "demand", 800_000, 2.0),
    ]
    if effluent:
        facilities.append(plant("w", "W", 11.0))
        facilities[-1]["nace_code"] = "37.00"
        streams.insert(0, _stream("w_effluent", "w", "effluent", "supply", 800_000, 0.5))
    doc: dict[str, Any] = {
        "sources": [
            {"id": "hand", "citation": "Worked by hand for the tests", "year": 2026},
        ],
        "resources": [
            {"id": "effluent", "name": "Treated effluent", "kind": "water", "unit": "m3/yr"},
            {"id": "reclaimed", "name": "Reclaimed water", "kind": "water", "unit": "m3/yr"},
        ],
        "facilities": facilities,
        "streams": streams,
        "transport_modes": _free_transport("pipeline", "truck"),
    }
    if process:
        doc["processes"] = [
            {
                "id": "reclaim",
                "facility_id": "r",
                "name": "Water reclamation plant",
                "unit": "m3/yr",
                "capacity": 1_000_000,
                "operating_cost": 0.3,
                "status": "existing",
                "source_id": "hand",
            }
        ]
        doc["process_ports"] = [
            {"process_id": "reclaim", "stream_id": "r_effluent", "direction": "in", "ratio": 1.0},
            {"process_id": "reclaim", "stream_id": "r_reclaimed", "direction": "out", "ratio": 0.9},
        ]
    return doc


def reclamation_park(*, effluent: bool = True, process: bool = True) -> Network:
    """:func:`reclamation_park_document` as a Network."""
    return network_from_document(reclamation_park_document(effluent=effluent, process=process))


def boiler_duty_document(*, duty: bool = True) -> dict[str, Any]:
    """A refinery F (organisation F) raises 100,000 MWh/yr of boiler heat, today from steam it
    buys at 45 EUR/MWh (up to 80,000 MWh/yr, 1 MWh of heat per MWh of steam) or from natural
    gas at 40 EUR/MWh (up to 150,000 MWh/yr; the boiler gives 0.9 MWh of heat per MWh). A
    cogeneration plant C offers 100,000 MWh/yr of surplus steam and a gas works G 150,000
    MWh/yr of surplus gas, both at no disposal cost; all co-located, transport free.

    On paper, with the duty: steam fills a unit of duty for 45 EUR, gas for 40 / 0.9 = 44.44,
    so steam first: 80,000 MWh (+3,600,000) fills 80,000 MWh of the duty and 20,000 / 0.9 =
    22,222.22 MWh of gas the rest (+888,888.89): 4,488,888.89 EUR/yr. Without the duty
    (``duty=False``) the model counts both demands in full, the same boiler twice:
    80,000 x 45 + 150,000 x 40 = 9,600,000 EUR/yr.
    """
    facilities = [plant("c", "C", 11.0), plant("g", "G", 11.0), plant("f", "F", 11.0)]
    facilities[2]["nace_code"] = "19.20"
    doc: dict[str, Any] = {
        "resources": [
            {"id": "steam", "name": "Steam", "kind": "energy", "unit": "MWh/yr"},
            {"id": "gas", "name": "Natural gas", "kind": "energy", "unit": "MWh/yr"},
        ],
        "facilities": facilities,
        "streams": [
            _stream("c_steam", "c", "steam", "supply", 100_000, 0.0),
            _stream("g_gas", "g", "gas", "supply", 150_000, 0.0),
            _stream("f_steam", "f", "steam", "demand", 80_000, 45.0),
            _stream("f_gas", "f", "gas", "demand", 150_000, 40.0),
        ],
        "transport_modes": _free_transport("pipeline", "grid", "truck"),
    }
    if duty:
        doc["duties"] = [
            {
                "id": "boiler",
                "facility_id": "f",
                "name": "Boiler heat duty",
                "unit": "MWh/yr",
                "amount": 100_000,
            }
        ]
        doc["duty_members"] = [
            {"duty_id": "boiler", "stream_id": "f_steam", "ratio": 1.0},
            {"duty_id": "boiler", "stream_id": "f_gas", "ratio": 0.9},
        ]
    return doc


def boiler_duty(*, duty: bool = True) -> Network:
    """:func:`boiler_duty_document` as a Network."""
    return network_from_document(boiler_duty_document(duty=duty))


def heat_pump_park_document(capex: float = 1_000_000.0) -> dict[str, Any]:
    """A data centre D (organisation D) vents 10,000 MWh/yr of low-grade heat (no disposal
    cost); the heat utility H may build a heat pump (a candidate process, capex ``capex``
    EUR over 20 years at 8 %, annuity 0.10185221) that makes up to 8,000 MWh/yr of heat from
    0.75 MWh of waste heat per MWh (the rest is electricity, 20 EUR per MWh of heat made);
    the greenhouse G wants 8,000 MWh/yr of heat and pays 60 EUR/MWh for gas heat today.
    The waste heat (30 degC) is too cold for the greenhouse (70-90 degC) without the heat
    pump (75 degC). All co-located, transport free, no link capex.

    On paper at 1,000,000 EUR: built, 8,000 MWh sold (+480,000), 160,000 to run and
    101,852.21 annuity: 218,147.79 EUR/yr (D sends 0.75 x 8,000 = 6,000 MWh). At 10,000,000 EUR the annuity
    (1,018,522.09) is more than the 320,000 it earns: not built, 0.
    """
    facilities = [plant("d", "D", 11.0), plant("h", "H", 11.0), plant("g", "G", 11.0)]
    facilities[0]["nace_code"] = "63.11"
    facilities[1]["nace_code"] = "35.30"
    facilities[2]["nace_code"] = "01.13"
    warm, hot, needs = {"temperature_C": 30}, {"temperature_C": 75}, {"temperature_C": [70, 90]}
    return {
        "resources": [
            {
                "id": "waste_heat",
                "name": "Low-grade waste heat",
                "kind": "energy",
                "unit": "MWh/yr",
            },
            {"id": "heat", "name": "District heat", "kind": "energy", "unit": "MWh/yr"},
        ],
        "facilities": facilities,
        "streams": [
            {**_stream("d_heat", "d", "waste_heat", "supply", 10_000, 0.0), "quality": warm},
            _stream("h_source", "h", "waste_heat", "demand", 10_000, None),
            {**_stream("h_heat", "h", "heat", "supply", 8_000, 0.0), "quality": hot},
            {**_stream("g_heat", "g", "heat", "demand", 8_000, 60.0), "quality": needs},
        ],
        "transport_modes": _free_transport("pipeline", "grid", "truck"),
        "processes": [
            {
                "id": "heat_pump",
                "facility_id": "h",
                "name": "Heat pump on waste heat",
                "unit": "MWh/yr",
                "capacity": 8_000,
                "operating_cost": 20.0,
                "status": "candidate",
                "capex": capex,
                "lifetime_years": 20,
            }
        ],
        "process_ports": [
            {"process_id": "heat_pump", "stream_id": "h_source", "direction": "in", "ratio": 0.75},
            {"process_id": "heat_pump", "stream_id": "h_heat", "direction": "out", "ratio": 1.0},
        ],
    }


def heat_pump_park(capex: float = 1_000_000.0) -> Network:
    """:func:`heat_pump_park_document` as a Network."""
    return network_from_document(heat_pump_park_document(capex))


def three_plant_chain(
    a_supply: float = 100.0, c_gypsum: float | None = 50.0, prices: tuple[float, ...] = ()
) -> Network:
    """A -> B -> C, co-located, no transport cost. A gives ``a_supply`` t gypsum (disposal
    20 EUR/t); B takes 100 t gypsum (virgin 30) and gives 50 t ash (disposal 10); C takes 50 t
    ash (virgin 15) and, if ``c_gypsum``, that much gypsum (virgin 25).

    On paper (a_supply 100): the design sends A->B 100 t (50 EUR/t: 5,000) rather than A->C
    (45 EUR/t) and B->C 50 t ash (25 EUR/t: 1,250): 6,250 EUR/yr. At zero transfer price A
    keeps 2,000, B 3,000 + 500 = 3,500, C 750. B fails, frozen: both flows fail, 6,250 lost
    (A 2,000, B 3,500, C 750; 150 t). Rewired: A->C 50 t gypsum, 2,250 EUR/yr, so 4,000 lost
    (A 1,000, B 3,500, C 750 - 1,250 = -500: C gains)."""
    p = list(prices) + [20.0, 30.0, 10.0, 15.0, 25.0][len(prices) :]
    streams: list[dict[str, Any]] = [
        {"id": "sa_g", "facility_id": "a", "resource_id": "g", "direction": "supply",
         "quantity": a_supply, "price": p[0]},
        {"id": "db_g", "facility_id": "b", "resource_id": "g", "direction": "demand",
         "quantity": 100, "price": p[1]},
        {"id": "sb_h", "facility_id": "b", "resource_id": "h", "direction": "supply",
         "quantity": 50, "price": p[2]},
        {"id": "dc_h", "facility_id": "c", "resource_id": "h", "direction": "demand",
         "quantity": 50, "price": p[3]},
    ]  # fmt: skip
    if c_gypsum:
        streams.append(
            {"id": "dc_g", "facility_id": "c", "resource_id": "g", "direction": "demand",
             "quantity": c_gypsum, "price": p[4]}
        )  # fmt: skip
    doc = {
        "resources": [
            {"id": "g", "name": "Gypsum", "kind": "material", "unit": "t/yr"},
            {"id": "h", "name": "Ash", "kind": "material", "unit": "t/yr"},
        ],
        "facilities": [plant("a", "A", 11.0), plant("b", "B", 11.0), plant("c", "C", 11.0)],
        "streams": streams,
        "transport_modes": [
            {"mode": "truck", "cost_per_tkm": 0.0, "co2e_kg_per_tkm": 0.0, "detour_factor": 1.0}
        ],
    }
    return network_from_document(doc)


def heat_pump_site_document(
    electricity_price: float = 50.0, heat_demand: float = 8_000.0
) -> dict[str, Any]:
    """A data centre D (organisation D) vents 10,000 MWh/yr of waste heat at 30 degC (no
    disposal cost); the greenhouse G wants ``heat_demand`` MWh/yr of heat at 70-90 degC and
    pays 60 EUR/MWh for gas heat today. The park P may build the catalogue's heat pump on
    waste heat (``heat_pump_waste_heat``) on its shared site S: up to 2 MW, run 4,000 h/yr
    (so up to 8,000 MWh/yr of heat), electricity bought at ``electricity_price`` EUR/MWh.
    All co-located, transport free, no link capex. Catalogue figures: 700,000 EUR/MW capex
    over 25 years at 8 % (annuity factor 0.0936787791), 2,000 EUR/MW/yr fixed O&M, 2 EUR/MWh
    variable O&M, COP 3.33 (0.70 MWh of waste heat and 0.30 MWh of electricity per MWh of
    heat, 75 degC), at least 1 MW.

    On paper: one MW costs 700,000 x 0.0936787791 + 2,000 = 67,575.15 EUR/yr and makes up
    to 4,000 MWh/yr. At 50 EUR/MWh a MWh of heat earns 60 - 2 - 0.30 x 50 = 43 EUR, so a MW
    earns 172,000 EUR/yr: build all 2 MW, sell 8,000 MWh (D sends 0.70 x 8,000 = 5,600 MWh
    of waste heat): 8,000 x 43 - 2 x 67,575.15 = 208,849.71 EUR/yr. With a demand of 6,000
    MWh the heat pump is sized to 1.5 MW: 6,000 x 43 - 1.5 x 67,575.15 = 156,637.28; with
    3,000 MWh it is built at its smallest, 1 MW: 3,000 x 43 - 67,575.15 = 61,424.85. At 150
    EUR/MWh a MWh earns 60 - 2 - 45 = 13 EUR, a MW 52,000 EUR/yr, less than it costs: not
    built, 0.
    """
    facilities = [plant("d", "D", 11.0), plant("s", "P", 11.0), plant("g", "G", 11.0)]
    facilities[0]["nace_code"] = "63.11"
    facilities[1]["nace_code"] = "35.30"
    facilities[2]["nace_code"] = "01.13"
    return {
        "resources": [
            {
                "id": "waste_heat",
                "name": "Low-grade waste heat",
                "kind": "energy",
                "unit": "MWh/yr",
            },
            {"id": "heat", "name": "District heat", "kind": "energy", "unit": "MWh/yr"},
        ],
        "facilities": facilities,
        "streams": [
            {
                **_stream("d_heat", "d", "waste_heat", "supply", 10_000, 0.0),
                "quality": {"temperature_C": 30},
            },
            {
                **_stream("g_heat", "g", "heat", "demand", heat_demand, 60.0),
                "quality": {"temperature_C": [70, 90]},
            },
        ],
        "transport_modes": _free_transport("pipeline", "grid", "truck"),
        "technology_sites": [
            {
                "id": "hp",
                "technology_id": "heat_pump_waste_heat",
                "facility_id": "s",
                "max_capacity": 2,
                "full_load_hours": 4_000,
                "market_prices": f"electricity={electricity_price:g}",
            }
        ],
    }


def heat_pump_site(electricity_price: float = 50.0, heat_demand: float = 8_000.0) -> Network:
    """:func:`heat_pump_site_document` as a Network."""
    return network_from_document(heat_pump_site_document(electricity_price, heat_demand))
