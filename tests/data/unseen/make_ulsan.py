"""Write ulsan.xlsx: the Ulsan Mipo and Onsan eco-industrial park (Korea), hand-built.

Run from the repository root: ``python tests/data/unseen/make_ulsan.py``. The workbook is
written the way a facilitator fills one in Excel: quantities with the units they were found
in (kt/yr, GWh/yr, MW, m3/h, m3/d), prices in KRW with a unit, one sheet per table. Sources
and the reasoning behind every ESTIMATE are in README.md next to this file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl

HERE = Path(__file__).parent

SHEETS: dict[str, tuple[list[str], list[list[Any]]]] = {}


def sheet(name: str, header: list[str], rows: list[list[Any]]) -> None:
    """Register one sheet: its header and its rows."""
    SHEETS[name] = (header, rows)


sheet(
    "parameters",
    ["key", "value"],
    [
        ["name", "Ulsan Mipo and Onsan Eco-Industrial Park"],
        ["currency", "KRW"],
        ["year", 2010],
        ["discount_rate", 0.055],
        ["lifetime_years", 20],
        ["exchange_rates", "USD=1156"],
    ],
)

sheet(
    "sources",
    ["id", "citation", "year", "url", "note"],
    [
        [
            "behera2012",
            "Behera, S.K., Kim, J.-H., Lee, S.-Y., Suh, S. and Park, H.-S. (2012) Evolution of "
            "'designed' industrial symbiosis networks in the Ulsan Eco-industrial Park: 'research "
            "and development into business' as the enabling framework. Journal of Cleaner "
            "Production 29-30, 103-112",
            2012,
            "https://doi.org/10.1016/j.jclepro.2012.02.009",
            "Which links exist and when they started (Sungam incinerator steam to Hyosung, "
            "Korea Zinc steam to Hankook Paper, by-product hydrogen, biogas to SK Chemicals). "
            "Recalled, not re-read: quantities here are ESTIMATES unless a note says otherwise.",
        ],
        [
            "park2008",
            "Park, H.-S., Rene, E.R., Choi, S.-M. and Chiu, A.S.F. (2008) Strategies for "
            "sustainable development of industrial park in Ulsan, South Korea - From spontaneous "
            "evolution to systematic expansion of industrial symbiosis. Journal of Environmental "
            "Management 87(1), 1-13",
            2008,
            "https://doi.org/10.1016/j.jenvman.2006.12.045",
            "The Mipo and Onsan complexes, the KICOX EIP pilot (2005) and the spontaneous "
            "exchanges before it (slag, steam).",
        ],
        [
            "park2016",
            "Park, J.M., Park, J.Y. and Park, H.-S. (2016) A review of the National "
            "Eco-Industrial Park Development Program in Korea: progress and achievements in the "
            "first phase, 2005-2010. Journal of Cleaner Production 114, 33-44",
            2016,
            "https://doi.org/10.1016/j.jclepro.2015.08.115",
            "Programme-level benefits of the Korean EIPs (order of magnitude only, as recalled).",
        ],
        [
            "estimate",
            "symbiograph test data: estimates of the person who built this workbook",
            2026,
            None,
            "Numbers judged from plant capacities and typical ratios; see each note.",
        ],
    ],
)

sheet(
    "resources",
    ["id", "name", "kind", "unit", "ewc_code", "cpa_code", "hazardous", "quality_attributes",
     "description"],
    [
        ["steam", "Process steam", "energy", "MWh/yr", None, "35.30", False,
         "temperature_C;pressure_bar", "Medium-pressure process steam, counted as delivered heat"],
        ["natural_gas", "Natural gas (LNG) for boilers", "energy", "MWh/yr", None, "06.20", False,
         None, "Boiler fuel bought from KOGAS"],
        ["biogas", "Sewage digester biogas", "energy", "MWh/yr", None, "35.21", False,
         "purity_pct", "Biogas from anaerobic digestion of sewage sludge"],
        ["hydrogen", "By-product hydrogen", "material", "t/yr", None, "20.11", False,
         "purity_pct", "Hydrogen-rich off-gas purified by PSA"],
        ["copper_slag", "Granulated copper slag", "material", "t/yr", "10 06 01", None, False,
         "particle_size_mm;moisture_pct", "Water-granulated iron silicate slag of copper smelting"],
        ["blasting_abrasive", "Blasting abrasive (sand, garnet)", "material", "t/yr", None,
         "08.12", False, "particle_size_mm;moisture_pct", "Abrasive for hull blasting"],
        ["zinc_slag", "Zinc fuming slag", "material", "t/yr", "10 05 01", None, False,
         "heavy_metals_mg_per_kg;particle_size_mm", "Slag of the zinc residue fuming furnaces"],
        ["fill_aggregate", "Fill and sub-base aggregate", "material", "t/yr", None, "08.12",
         False, "heavy_metals_mg_per_kg;particle_size_mm", "Crushed rock and sand for fill"],
        ["fly_ash", "Incinerator fly ash", "material", "t/yr", "19 01 13", None, None, None,
         "Air-pollution-control residue of municipal waste incineration"],
        ["sewage_sludge", "Dewatered sewage sludge", "material", "t/yr", "19 08 05", None, False,
         None, "Digested and dewatered municipal sludge"],
        ["treated_effluent", "Secondary treated sewage effluent", "water", "m3/yr", None,
         "36.00", False, None, "Effluent of the Yongyeon sewage treatment plant"],
        ["process_water", "Industrial process and cooling water", "water", "m3/yr", None,
         "36.00", False, "tss_mg_per_l;tds_mg_per_l;chloride_mg_per_l",
         "Non-potable industrial water (K-water industrial supply)"],
        ["brine", "Reverse-osmosis concentrate", "water", "m3/yr", None, None, False, None,
         "Concentrate of water reclamation, discharged to sea"],
    ],
)

F = ["id", "name", "organisation", "nace_code", "lat", "lon", "address", "region",
     "description", "accepts_hazardous"]
sheet(
    "facilities",
    F,
    [
        ["sungam", "Sungam municipal waste incinerator", "Ulsan Metropolitan City", "38.21",
         35.523, 129.343, "Nam-gu, Ulsan", "Mipo", "Municipal solid waste incinerator with "
         "waste-heat boilers; steam sold to Hyosung since 2008 (behera2012).", False],
        ["hyosung", "Hyosung Yongyeon plant", "Hyosung", "20.60", 35.505, 129.361,
         "Yongyeon-dong, Nam-gu, Ulsan", "Mipo", "Nylon and polyester fibre and film plant.",
         False],
        ["skchem", "SK Chemicals Ulsan plant", "SK Chemicals", "20.16", 35.515, 129.356,
         "Nam-gu, Ulsan", "Mipo", "Resins and fine chemicals; LNG boilers.", False],
        ["yongyeon_stp", "Yongyeon sewage treatment plant", "Ulsan Metropolitan City", "37.00",
         35.497, 129.376, "Yongyeon-dong, Nam-gu, Ulsan", "Mipo",
         "Municipal sewage works with anaerobic sludge digestion.", False],
        ["reclaim", "Yongyeon water reclamation plant (planned)", "K-water", "36.00", 35.499,
         129.372, "Yongyeon-dong, Nam-gu, Ulsan", "Mipo", "Planned membrane reclamation of "
         "sewage effluent for industry (ESTIMATE: a candidate, not a documented plant).", False],
        ["korea_zinc", "Korea Zinc Onsan smelter", "Korea Zinc", "24.43", 35.431, 129.352,
         "Onsan-eup, Ulju-gun, Ulsan", "Onsan", "Zinc, lead and precious-metal smelter with "
         "sulphuric-acid plants whose waste-heat boilers export steam.", False],
        ["hankook_paper", "Hankook Paper Onsan mill", "Hankook Paper", "17.12", 35.440,
         129.345, "Onsan-eup, Ulju-gun, Ulsan", "Onsan", "Printing paper mill; takes Korea "
         "Zinc steam (behera2012).", False],
        ["soil", "S-Oil Onsan refinery", "S-Oil", "19.20", 35.452, 129.366,
         "Onsan-eup, Ulju-gun, Ulsan", "Onsan", "Crude oil refinery.", False],
        ["ske", "SK Energy Ulsan refinery", "SK Energy", "19.20", 35.478, 129.370,
         "Nam-gu, Ulsan", "Mipo", "Refinery and aromatics complex; PSA off-gas hydrogen.",
         False],
        ["deokyang", "Deokyang hydrogen plant", "Deokyang", "20.11", 35.485, 129.358,
         "Nam-gu, Ulsan", "Mipo", "Industrial gas maker; buys by-product hydrogen by pipeline.",
         False],
        ["lsnikko", "LS-Nikko Copper Onsan smelter", "LS-Nikko Copper", "24.44", 35.423,
         129.360, "Onsan-eup, Ulju-gun, Ulsan", "Onsan", "Copper smelter and refinery; "
         "granulated slag sold as abrasive.", False],
        ["hhi", "Hyundai Heavy Industries shipyard", "Hyundai Heavy Industries", "30.11",
         35.507, 129.426, "Dong-gu, Ulsan", "Mipo", "Shipyard; blasts hulls with copper slag "
         "grit; reclamation fill for its docks.", False],
    ],
)

S = ["id", "facility_id", "resource_id", "direction", "quantity", "quantity_min", "quantity_max",
     "price", "disposal_route", "source_id", "note"]
sheet(
    "streams",
    S,
    [
        ["sungam_steam_supply", "sungam", "steam", "supply", "140 GWh/yr", None, None, 0,
         "discharge", "estimate", "ESTIMATE: about 500 t/d of waste at 2.8 MWh/t, 30% as "
         "export steam. Price 0: without a customer the heat is condensed."],
        ["sungam_flyash_supply", "sungam", "fly_ash", "supply", "6 kt/yr", None, None,
         "150000 KRW/t", "landfill", "estimate", "ESTIMATE: about 3% of the waste burnt; "
         "stabilised and landfilled as hazardous waste."],
        ["hyosung_steam_demand", "hyosung", "steam", "demand", "180000 MWh/yr", None, None,
         "79000 KRW/MWh", None, "estimate", "ESTIMATE. Price: LNG at KRW 67,000/MWh over a "
         "boiler efficiency of 0.85."],
        ["hyosung_water_demand", "hyosung", "process_water", "demand", "8200 m3/d", None, None,
         "450 KRW/m3", None, "estimate", "ESTIMATE. Price: K-water industrial water, treated."],
        ["skchem_steam_demand", "skchem", "steam", "demand", "350000 MWh/yr", None, None,
         "79000 KRW/MWh", None, "estimate", "ESTIMATE, as hyosung_steam_demand."],
        ["skchem_gas_demand", "skchem", "natural_gas", "demand", "400 GWh/yr", None, None,
         "67000 KRW/MWh", None, "estimate", "ESTIMATE: LNG for boilers, KRW 67,000/MWh (2010)."],
        ["stp_biogas_supply", "yongyeon_stp", "biogas", "supply", "8 MW", None, None, 0, "none",
         "estimate", "ESTIMATE: digesters of about 100 t/d of sludge; surplus flared today."],
        ["stp_effluent_supply", "yongyeon_stp", "treated_effluent", "supply", "10000 m3/h", None,
         None, 0, "discharge", "estimate", "ESTIMATE: about 240,000 m3/d, to the Taehwa river "
         "estuary."],
        ["stp_sludge_supply", "yongyeon_stp", "sewage_sludge", "supply", "60 kt/yr", None, None,
         "80000 KRW/t", "incineration", "estimate", "ESTIMATE. Ocean dumping ended in 2012."],
        ["reclaim_effluent_demand", "reclaim", "treated_effluent", "demand", "12 Mm3/yr", None,
         None, 0, None, "estimate", "Feed of the planned reclamation plant (ESTIMATE)."],
        ["reclaim_water_supply", "reclaim", "process_water", "supply", "9.6 Mm3/yr", 0, None, 0,
         "none", "estimate", "Product water at a recovery of 0.8 (ESTIMATE)."],
        ["reclaim_brine_supply", "reclaim", "brine", "supply", "2.4 Mm3/yr", 0, None, 0,
         "discharge", "estimate", "Concentrate to sea (ESTIMATE)."],
        ["kz_steam_supply", "korea_zinc", "steam", "supply", "450 GWh/yr", None, None, 0,
         "discharge", "estimate", "ESTIMATE: acid-plant waste-heat steam beyond own use."],
        ["kz_slag_supply", "korea_zinc", "zinc_slag", "supply", "300 kt/yr", None, None,
         "25000 KRW/t", "landfill", "estimate", "ESTIMATE: fuming slag; landfill gate fee."],
        ["kz_water_demand", "korea_zinc", "process_water", "demand", "5000000 m3/yr", None,
         None, "450 KRW/m3", None, "estimate", "ESTIMATE."],
        ["hankook_steam_demand", "hankook_paper", "steam", "demand", "260000 MWh/yr", None, None,
         "79000 KRW/MWh", None, "estimate", "ESTIMATE: paper drying steam."],
        ["soil_steam_demand", "soil", "steam", "demand", "600000 MWh/yr", None, None,
         "70000 KRW/MWh", None, "estimate", "ESTIMATE: refinery fuel gas is cheaper than LNG."],
        ["soil_h2_demand", "soil", "hydrogen", "demand", "20 kt/yr", None, None,
         "2300000 KRW/t", None, "estimate", "ESTIMATE: hydrotreating; steam-reforming cost."],
        ["ske_h2_supply", "ske", "hydrogen", "supply", "6000 t/yr", None, None,
         "-1800000 KRW/t", "recovery", "estimate", "ESTIMATE: burnt as refinery fuel today; "
         "negative price = the fuel value lost (33.3 MWh/t at KRW 55,000/MWh) when sold."],
        ["ske_water_demand", "ske", "process_water", "demand", "10 Mm3/yr", None, None,
         "450 KRW/m3", None, "estimate", "ESTIMATE: cooling-tower make-up."],
        ["deokyang_h2_demand", "deokyang", "hydrogen", "demand", "4000 t/yr", None, None,
         "2500000 KRW/t", None, "estimate", "ESTIMATE: from its own steam reformer otherwise."],
        ["lsn_slag_supply", "lsnikko", "copper_slag", "supply", "1000 kt/yr", None, None,
         "25000 KRW/t", "landfill", "estimate", "ESTIMATE: about 2 t of slag per t of copper."],
        ["lsn_steam_supply", "lsnikko", "steam", "supply", "150 GWh/yr", None, None, 0,
         "discharge", "estimate", "ESTIMATE: acid-plant waste-heat steam."],
        ["hhi_grit_demand", "hhi", "blasting_abrasive", "demand", "200 kt/yr", None, None,
         "90000 KRW/t", None, "estimate", "ESTIMATE: garnet and sand alternative."],
        ["hhi_fill_demand", "hhi", "fill_aggregate", "demand", "500 kt/yr", None, None,
         "12000 KRW/t", None, "estimate", "ESTIMATE: quarried fill delivered."],
        ["ske_sludge_supply", "ske", "sewage_sludge", "supply", "8 kt/yr", None, None,
         "90000 KRW/t", "incineration", "estimate", "ESTIMATE: biological treatment sludge."],
    ],
)

sheet(
    "stream_quality",
    ["stream_id", "attribute", "value", "min", "max"],
    [
        ["sungam_steam_supply", "temperature_C", 250, None, None],
        ["sungam_steam_supply", "pressure_bar", 16, None, None],
        ["kz_steam_supply", "temperature_C", 220, None, None],
        ["kz_steam_supply", "pressure_bar", 12, None, None],
        ["lsn_steam_supply", "temperature_C", 200, None, None],
        ["lsn_steam_supply", "pressure_bar", 10, None, None],
        ["hyosung_steam_demand", "temperature_C", None, 180, None],
        ["hankook_steam_demand", "temperature_C", None, 170, None],
        ["lsn_slag_supply", "particle_size_mm", 2, None, None],
        ["lsn_slag_supply", "moisture_pct", 0.5, None, None],
    ],
)

sheet(
    "exchanges",
    ["id", "supply_id", "demand_id", "quantity", "mode", "status", "start_year", "source_id",
     "note", "infrastructure", "operating_cost_per_yr"],
    [
        ["ex_sungam_hyosung", "sungam_steam_supply", "hyosung_steam_demand", "100000 MWh/yr",
         "pipeline", "existing", 2008, "behera2012",
         "Steam pipeline of about 2 km; quantity ESTIMATE (about 130,000 t/yr of steam).",
         "built", "400000000"],
        ["ex_kz_hankook", "kz_steam_supply", "hankook_steam_demand", "150 GWh/yr", "pipeline",
         "existing", 2008, "behera2012", "Quantity ESTIMATE.", "built", 500000000],
        ["ex_stp_skchem", "stp_biogas_supply", "skchem_gas_demand", "50000 MWh/yr", "pipeline",
         "existing", 2009, "behera2012", "Biogas replaces LNG in SK Chemicals' boilers; quantity "
         "ESTIMATE.", "built", 200000000],
        ["ex_ske_deokyang", "ske_h2_supply", "deokyang_h2_demand", "2000 t/yr", "pipeline",
         "existing", 2008, "behera2012", "By-product hydrogen pipeline; quantity ESTIMATE.",
         "built", 300000000],
        ["ex_lsn_hhi", "lsn_slag_supply", "hhi_grit_demand", "150 kt/yr", "truck", "existing",
         2003, "park2008", "Copper slag blasting grit; start year and quantity ESTIMATE.", None,
         None],
    ],
)

sheet(
    "processes",
    ["id", "facility_id", "name", "unit", "capacity", "operating_cost", "status", "capex",
     "lifetime_years", "source_id", "note"],
    [
        ["reclaim_ro", "reclaim", "Microfiltration and reverse osmosis", "m3/yr", "12 Mm3/yr",
         250, "candidate", 30000000000, 20, "estimate",
         "ESTIMATE: KRW 30 billion for 33,000 m3/d of feed; KRW 250 per m3 of feed to run."],
    ],
)

sheet(
    "process_ports",
    ["process_id", "stream_id", "direction", "ratio"],
    [
        ["reclaim_ro", "reclaim_effluent_demand", "in", 1.0],
        ["reclaim_ro", "reclaim_water_supply", "out", 0.8],
        ["reclaim_ro", "reclaim_brine_supply", "out", 0.2],
    ],
)

sheet(
    "transport_modes",
    ["mode", "cost_per_tkm", "co2e_kg_per_tkm", "detour_factor", "pipeline_capex_per_km",
     "source_id"],
    [
        ["truck", 150, 0.062, 1.3, 0, "estimate"],
        ["pipeline", 8, 0.005, 1.2, 1500000000, "estimate"],
    ],
)

sheet(
    "published_figures",
    ["id", "indicator", "value", "unit", "scope", "year", "source_id", "note", "covers"],
    [
        ["pf_steam_sungam", "steam_delivered", 100000, "MWh/yr", "Sungam to Hyosung", 2010,
         "behera2012", "Order of magnitude as recalled; not a transcribed figure.",
         "ex_sungam_hyosung"],
    ],
)


def write(path: Path) -> Path:
    """Write every registered sheet to an XLSX workbook at ``path``."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, (header, rows) in SHEETS.items():
        ws = wb.create_sheet(name)
        ws.append(header)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


if __name__ == "__main__":
    print(write(HERE / "ulsan.xlsx"))
