"""The same sweep, sampled Shapley values, Monte Carlo draws, outages and partitioned
matching, bit for bit, in this process, on a process pool of two and on a Dask LocalCluster
of two worker processes (one thread each)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

from symbiograph.allocate import CoalitionGame
from symbiograph.datasets import synthetic
from symbiograph.match import find_candidates
from symbiograph.model import Network
from symbiograph.parallel import DaskExecutor, ProcessPool
from symbiograph.sweep import sweep_design
from symbiograph.tasks import InProcess

pytest.importorskip("distributed")

GRID = {"carbon_price": [0.0, 150.0], "landfill_tax": [0.0, 80.0]}


@pytest.fixture(scope="module")
def park() -> tuple[Network, pd.DataFrame]:
    """A seeded synthetic park of 60 facilities, its candidates cut to the nine busiest
    organisations (a game of nine players, one connected part)."""
    network = synthetic(60, seed=7, region_km=6)
    candidates = find_candidates(network).candidates
    busiest = set(
        pd.concat([candidates["supply_organisation"], candidates["demand_organisation"]])
        .value_counts()
        .index[:9]
    )
    inside = candidates["supply_organisation"].isin(busiest) & candidates[
        "demand_organisation"
    ].isin(busiest)
    return network, candidates[inside].reset_index(drop=True)


@pytest.fixture(scope="module")
def pool() -> Iterator[ProcessPool]:
    with ProcessPool(2) as executor:
        yield executor


@pytest.fixture(scope="module")
def dask() -> Iterator[DaskExecutor]:
    with DaskExecutor(workers=2, processes=True) as executor:
        yield executor


def _executors(pool: ProcessPool, dask: DaskExecutor) -> dict[str, Any]:
    return {"processes": pool, "dask": dask}


def test_the_local_cluster_has_two_single_threaded_worker_processes(dask: DaskExecutor) -> None:
    threads = dask.client.nthreads()
    assert len(threads) == 2
    assert set(threads.values()) == {1}
    assert all(address.startswith("tcp://127.0.0.1:") for address in threads)
    assert dask.workers == 2


def test_a_sweep_gives_the_same_table_on_every_back_end(
    park: tuple[Network, pd.DataFrame], pool: ProcessPool, dask: DaskExecutor
) -> None:
    network, candidates = park
    here = sweep_design(network, candidates, GRID, executor=InProcess())
    table = here.table
    assert sorted(set(table["point"])) == [0, 1, 2, 3]
    totals = here.totals
    assert len(totals) == 4
    assert (totals["status"] == "optimal").all()
    # a higher landfill tax or carbon price never lowers the network's net benefit here
    assert totals["net_benefit"].iloc[3] >= totals["net_benefit"].iloc[0]
    assert (table["kind"] == "exchange").any()
    for name, executor in _executors(pool, dask).items():
        there = sweep_design(network, candidates, GRID, executor=executor)
        pd.testing.assert_frame_equal(there.table, table, check_exact=True, obj=name)
        pd.testing.assert_frame_equal(there.points, here.points, check_exact=True, obj=name)


def test_sampled_shapley_is_the_same_on_every_back_end(
    park: tuple[Network, pd.DataFrame], pool: ProcessPool, dask: DaskExecutor
) -> None:
    network, candidates = park
    kwargs: dict[str, Any] = {
        "seed": 11,
        "target_halfwidth": 1.0,  # unreachable: every round runs, to max_permutations
        "exact_up_to": 4,
        "max_permutations": 480,
        "batch": 40,
        "round_batches": 3,
    }
    game = CoalitionGame(network, candidates, executor=InProcess())
    assert max(p.n for p in game.parts) > kwargs["exact_up_to"]  # the big part is sampled
    phi, half, used = game.shapley_sampled(**kwargs)
    assert used == 480
    assert np.isfinite(phi.to_numpy()).all()
    assert (half.to_numpy() >= 0).all()
    exact = game.shapley()
    # 480 permutations land near the exact values (efficiency holds for the sampled ones)
    assert phi.sum() == pytest.approx(exact.sum(), rel=1e-9)
    for name, executor in _executors(pool, dask).items():
        other = CoalitionGame(network, candidates, executor=executor)
        phi2, half2, used2 = other.shapley_sampled(**kwargs)
        assert used2 == used, name
        pd.testing.assert_series_equal(phi2, phi, check_exact=True, obj=name)
        pd.testing.assert_series_equal(half2, half, check_exact=True, obj=name)


def test_a_sweep_with_allocation_on_dask_fills_the_disk_cache_and_reads_it_back(
    park: tuple[Network, pd.DataFrame], dask: DaskExecutor, tmp_path: Any
) -> None:
    from symbiograph.parallel import DiskCache

    network, candidates = park
    grid = {"carbon_price": [0.0, 150.0]}
    here = sweep_design(network, candidates, grid, allocate=True)
    participants = here.table[here.table["kind"] == "participant"]
    assert participants["shapley"].notna().all()
    first = DiskCache(tmp_path / "cache")
    there = sweep_design(network, candidates, grid, allocate=True, executor=dask, cache=first)
    pd.testing.assert_frame_equal(there.table, here.table, check_exact=True)
    assert len(list((tmp_path / "cache").glob("*.pickle"))) == 2  # one per point
    again = DiskCache(tmp_path / "cache")
    repeat = sweep_design(network, candidates, grid, allocate=True, executor=dask, cache=again)
    assert (again.hits, again.misses) == (2, 0)  # nothing was solved a second time
    pd.testing.assert_frame_equal(repeat.table, here.table, check_exact=True)


def test_partitioned_matching_is_the_same_on_every_back_end(
    pool: ProcessPool, dask: DaskExecutor
) -> None:
    from symbiograph.match import find_candidates_tiled

    network = synthetic(120, seed=2)
    single = find_candidates(network)
    assert len(single.candidates) > 50
    for name, executor in {"inprocess": InProcess(), **_executors(pool, dask)}.items():
        tiled = find_candidates_tiled(network, tile_km=10.0, executor=executor)
        assert tiled.timings["tiles"] > 2, name
        pd.testing.assert_frame_equal(
            tiled.candidates, single.candidates, check_exact=True, obj=name
        )
        pd.testing.assert_series_equal(
            tiled.rejected.sort_index(), single.rejected.sort_index(), check_exact=True
        )


def test_monte_carlo_is_the_same_on_every_back_end(
    park: tuple[Network, pd.DataFrame], pool: ProcessPool, dask: DaskExecutor
) -> None:
    """Re-optimised Monte Carlo draws (one task per draw, seeded by the draw's key) give the
    same draws and summary tables on the pool and on Dask as in this process."""
    from symbiograph.optimize import design_network
    from symbiograph.resilience import default_inputs, monte_carlo

    network, candidates = park
    design = design_network(network, candidates)
    inputs = default_inputs(design)
    assert len(inputs) > 2
    kwargs: dict[str, Any] = {"draws": 6, "seed": 5, "reoptimise": True, "sensitivity": False}
    here = monte_carlo(network, candidates, design, inputs, executor=InProcess(), **kwargs)
    drawn = here.draws
    assert drawn["net_benefit_reoptimised"].notna().all()
    # a re-optimised draw is never worse for the network than the same draw with flows fixed
    total = drawn[drawn["organisation"] == "(total)"]
    assert (total["net_benefit_reoptimised"] >= total["net_benefit"] - 1e-6).all()
    for name, executor in _executors(pool, dask).items():
        there = monte_carlo(network, candidates, design, inputs, executor=executor, **kwargs)
        pd.testing.assert_frame_equal(there.samples, here.samples, check_exact=True, obj=name)
        pd.testing.assert_frame_equal(there.draws, drawn, check_exact=True, obj=name)
        pd.testing.assert_frame_equal(there.summary, here.summary, check_exact=True, obj=name)


def test_rewired_outages_are_the_same_on_every_back_end(
    park: tuple[Network, pd.DataFrame], pool: ProcessPool, dask: DaskExecutor
) -> None:
    """N-1 outages re-optimised as one task per outage: the same losses, participants and
    failures on the pool and on Dask as in this process."""
    from symbiograph.optimize import design_network
    from symbiograph.resilience import outage_analysis

    network, candidates = park
    design = design_network(network, candidates)
    here = outage_analysis(network, candidates, design, executor=InProcess())
    losses = here.losses
    rewired = losses[losses["reading"] == "rewired"]
    assert len(rewired) > 3
    frozen = losses[losses["reading"] == "frozen"].set_index("scenario")["net_benefit_loss"]
    # re-optimising the survivors never loses more than leaving the rest as built
    got = rewired.set_index("scenario")["net_benefit_loss"]
    assert (got <= frozen.reindex(got.index) + 1e-6).all()
    for name, executor in _executors(pool, dask).items():
        there = outage_analysis(network, candidates, design, executor=executor)
        pd.testing.assert_frame_equal(there.losses, losses, check_exact=True, obj=name)
        pd.testing.assert_frame_equal(
            there.participants, here.participants, check_exact=True, obj=name
        )
        pd.testing.assert_frame_equal(there.failures, here.failures, check_exact=True, obj=name)


def test_match_with_tiles_on_a_process_pool_writes_the_untiled_table(tmp_path: Any) -> None:
    """``symbiograph match --tile-km 10 --executor processes`` writes the same candidate table
    as plain ``match`` (every column, every row, same order); ``--executor`` alone is a usage
    error (exit 2) because it only runs tiles."""
    from typer.testing import CliRunner

    from symbiograph.cli import app
    from symbiograph.errors import EXIT_USAGE

    runner = CliRunner(env={"COLUMNS": "160", "NO_COLOR": "1"})
    plain, tiled = tmp_path / "plain.csv", tmp_path / "tiled.csv"
    first = runner.invoke(app, ["match", "--dataset", "synthetic-100", "--out", str(plain)])
    assert first.exit_code == 0, first.output
    args = ["match", "--dataset", "synthetic-100", "--out", str(tiled), "--tile-km", "10"]
    second = runner.invoke(app, [*args, "--executor", "processes", "--workers", "2"])
    assert second.exit_code == 0, second.output
    assert "tiles of 10 km" in second.output
    pd.testing.assert_frame_equal(pd.read_csv(tiled), pd.read_csv(plain), check_exact=True)
    wrong = runner.invoke(app, ["match", "--dataset", "synthetic-100", "--executor", "dask"])
    assert wrong.exit_code == EXIT_USAGE
    assert "--tile-km" in wrong.output
