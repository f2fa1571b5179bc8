"""One run end to end: compile → simulate (in batches of draws) → finance → summary.

Pure apart from the progress callback: nothing here reads or writes files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from .catalog.schema import Catalog
from .compile import compile_inputs, median_inputs, with_point_overrides
from .demand.views import add_market_views
from .economics import industry_economics
from .errors import GigafactoryError
from .finance import feedback, run_finance
from .finance.money import money_facts, summarise_money
from .finance.whatif import apply_deal_whatifs
from .lazy import defer_dask_in_xarray
from .results.summary import summarise
from .scenario.schema import Scenario
from .supply import ModelInputs, simulate
from .supply.attribution import delay_weeks
from .supply.engine import pick_engine
from .threads import limit_blas
from .timegrid import iso_week

defer_dask_in_xarray()  # a run builds no dask array: xarray need not import dask to check

#: Draws compiled and simulated together; results depend on it (each batch has its own
#: random stream), so it is fixed: the same seed always gives the same results.
BATCH_DRAWS = 2000


@dataclass
class RunResult:
    scenario: Scenario
    physical: xr.Dataset
    summary: dict[str, Any]
    finance: xr.Dataset | None = None
    median_inputs: ModelInputs | None = None
    timings_s: dict[str, float] = field(default_factory=dict)
    _tables: dict[str, pd.DataFrame] | None = field(default=None, repr=False)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The run's quantile tables (``results.series.run_tables``), computed once and shared
        by the store and the report."""
        if self._tables is None:
            from .results.series import run_tables

            self._tables = run_tables(self.physical, self.finance)
        return self._tables


def batch_streams(seed: int, batches: int) -> list[int | np.random.SeedSequence]:
    """The seeded stream of each batch of draws (``default_rng(stream)`` per batch).

    The first batch uses ``default_rng(seed)``, as ``compile_inputs(sc, cat, n, seed)`` does, so
    up to :data:`BATCH_DRAWS` draws compile → simulate by hand gives the pipeline's numbers; the
    others are independent children of ``SeedSequence(seed)``.  Sweeps use the same streams.
    """
    streams: list[int | np.random.SeedSequence] = [seed]
    streams += np.random.SeedSequence(seed).spawn(batches)[1:]
    return streams[:batches]


def simulate_scenario(
    sc: Scenario,
    cat: Catalog,
    draws: int | None = None,
    seed: int | None = None,
    *,
    vendor_detail: bool = True,
    keep: tuple[str, ...] | None = None,
    progress: Callable[[int], None] | None = None,
    draw_range: tuple[int, int] | None = None,
    batch_draws: int = BATCH_DRAWS,
) -> xr.Dataset:
    """Compile and simulate ``draws`` draws in batches with independent, seeded streams.

    Results are written batch by batch into preallocated arrays; ``keep`` names the only
    variables to retain (aggregate as you go: 100,000 draws need not hold every trajectory).
    ``draw_range=(a, b)`` simulates only draws ``a`` to ``b - 1`` of the ``draws``-draw run
    (``a`` and ``b`` multiples of ``batch_draws``, or ``b == draws``), with the same streams,
    so a run streamed in chunks sees the very draws of the whole run (``streamed.py``).
    """
    n = int(draws if draws is not None else sc.draws)
    s = int(seed if seed is not None else sc.seed)
    engine = pick_engine(n)  # on the whole run's draws, not a batch's or a chunk's
    sizes = [min(batch_draws, n - b) for b in range(0, n, batch_draws)]
    streams = batch_streams(s, len(sizes))
    first = 0  # the run's index of the first batch simulated here
    if draw_range is not None:
        first, stop = draw_range[0] // batch_draws, -(-draw_range[1] // batch_draws)
        sizes, streams = sizes[first:stop], streams[first:stop]
        n = sum(sizes)
    out: xr.Dataset | None = None
    start = 0
    for k, (size, stream) in enumerate(zip(sizes, streams, strict=True)):
        with limit_blas():
            inp = compile_inputs(sc, cat, size, s, rng=np.random.default_rng(stream))
            if feedback.applies(sc, inp):  # money feeds back: unfunded draws stop ordering
                uncut = simulate(inp, vendor_detail=True, engine=engine).assign_attrs(seed=s)
                money = stream_rng(s, 1, first + k)  # the batch's own money stream
                inp = feedback.with_funding_cut(sc, cat, inp, uncut, money)
            ds = simulate(inp, vendor_detail=vendor_detail, engine=engine)
            part = add_market_views(inp, ds, engine=engine)
        if keep is not None:
            part = part[[v for v in keep if v in part]]
        if out is None:
            out = _allocate(part, n)
        sl = slice(start, start + size)
        for name, var in part.data_vars.items():
            if "draw" in var.dims:
                out[name].values[sl] = var.values
        start += size
        if progress is not None:
            progress(size)
    assert out is not None
    out.attrs.update(draws=n, seed=s)
    return out


def _allocate(template: xr.Dataset, n: int) -> xr.Dataset:
    """An empty dataset shaped like ``template`` but with ``n`` draws (draw-major storage)."""
    data = {}
    for name, var in template.data_vars.items():
        if "draw" in var.dims:
            shape = tuple(n if d == "draw" else template.sizes[d] for d in var.dims)
            data[name] = (var.dims, np.empty(shape, dtype=var.dtype))
        else:
            data[name] = (var.dims, var.values)
    coords = {k: v.values for k, v in template.coords.items() if k != "draw"}
    coords["draw"] = np.arange(n)
    return xr.Dataset(data, coords=coords, attrs=dict(template.attrs))


#: draws used for the counterfactual delay attribution (it re-simulates them once per tier)
DELAY_DRAWS = 200


def attribute_delays(sc: Scenario, cat: Catalog, ds: xr.Dataset, seed: int) -> dict[str, Any]:
    """Weeks of delay per tier to reach the run's median IT GW online at the end of 2030
    (or at the horizon's end when it stops earlier), on ``DELAY_DRAWS`` draws."""
    weeks = ds["week"].values
    idx = milestone_index(weeks)
    milestone = float(np.median(ds["it_gw_online"].values[:, idx]))
    n = int(ds.sizes["draw"])  # the run's engine: numba when the run loaded it
    return delays_to(sc, cat, weeks, milestone, min(DELAY_DRAWS, n), seed, pick_engine(n))


def milestone_index(weeks: np.ndarray) -> int:
    """Index of the last week of 2030 (or of the horizon when it ends earlier)."""
    years = weeks.astype("datetime64[Y]").astype(int) + 1970
    return int(np.nonzero(years <= 2030)[0][-1]) if (years <= 2030).any() else len(weeks) - 1


def delays_to(
    sc: Scenario,
    cat: Catalog,
    weeks: np.ndarray,
    milestone: float,
    draws: int,
    seed: int,
    engine: str = "auto",
) -> dict[str, Any]:
    """Weeks of delay per tier to reach ``milestone`` IT GW (``attribute_delays``'s core)."""
    idx = milestone_index(weeks)
    inp = compile_inputs(sc, cat, draws, seed, rng=np.random.default_rng([seed, 2]))
    out = delay_weeks(inp, milestone, engine)
    out["_milestone"]["week"] = iso_week(pd.Timestamp(weeks[idx]).date())
    return out


def run_scenario(
    sc: Scenario,
    cat: Catalog,
    draws: int | None = None,
    seed: int | None = None,
    *,
    with_finance: bool = True,
    progress: Callable[[int], None] | None = None,
    phase: Callable[[str], None] | None = None,
) -> RunResult:
    """The physical results, the money side and the summary of one scenario.

    This is the one entry point: the CLI's ``run`` and :func:`gigafactory.run` both call it.
    The returned scenario is the one that ran (its ``draws`` and ``seed`` are those used), so
    what is stored is what ran.  ``progress(k)`` is called as each batch of ``k`` draws is
    simulated; ``phase(name)`` as each later phase starts ("finance", "summary").
    """
    import time

    def start(name: str) -> float:
        if phase is not None:
            phase(name)
        return time.perf_counter()

    sc = sc.model_copy(
        update={
            "draws": int(draws if draws is not None else sc.draws),
            "seed": int(seed if seed is not None else sc.seed),
        }
    )
    t0 = time.perf_counter()
    ds = simulate_scenario(sc, cat, progress=progress)
    check_finite(sc, ds)
    t1 = start("finance") if with_finance else time.perf_counter()
    fin = run_money(sc, cat, ds) if with_finance else None
    t2 = start("summary")
    median = median_inputs(sc, cat)  # the loader's check compiled it: taken, not redone
    summary = summarise(ds, sc, median, catalog=cat, finance=fin)
    add_money_and_economics(summary, sc, cat, ds, fin)
    t3 = time.perf_counter()
    timings = {"simulate": t1 - t0, "summary and delay attribution": t3 - t2}
    if with_finance:
        timings["finance"] = t2 - t1
    return RunResult(sc, ds, summary, fin, median, timings)


def add_money_and_economics(
    summary: dict[str, Any],
    sc: Scenario,
    cat: Catalog,
    ds: xr.Dataset,
    fin: xr.Dataset | None,
    chunk: int = 0,
) -> None:
    """Add the money summary and, in industry scope, the economics to ``summary``.

    ``chunk`` > 0 is a chunk of a streamed run (``streamed.py``): its own random streams.
    """
    if fin is not None:
        # channels → unfunded weeks → defaults → Eisenberg–Noe clearing (finance/money.py)
        rng_money = stream_rng(int(ds.attrs["seed"]), 2, chunk)
        summary["finance"].update(summarise_money(fin, cat, rng_money, drawn=money_facts(ds)))
    if sc.scope.kind == "industry":
        rng_eco = stream_rng(int(ds.attrs["seed"]), 3, chunk)
        summary["economics"] = industry_economics(ds, cat, rng_eco)


def stream_rng(seed: int, channel: int, chunk: int = 0) -> np.random.Generator:
    """The random stream of a channel (1 finance, 2 money summary, 3 economics); chunk
    ``c`` > 0 of a streamed run uses ``[seed, channel, c]``, chunk 0 the whole run's."""
    return np.random.default_rng([seed, channel] if chunk == 0 else [seed, channel, chunk])


def run_money(sc: Scenario, cat: Catalog, ds: xr.Dataset, chunk: int = 0) -> xr.Dataset:
    """The finance pass over a physical run, reading its compiled draws (``money_facts``)."""
    settings = sc.finance.model_copy(update={"as_of": sc.as_of})
    rng = stream_rng(int(ds.attrs["seed"]), 1, chunk)
    return run_finance(ds, settings, with_point_overrides(apply_deal_whatifs(cat, sc), sc), rng)


def check_finite(sc: Scenario, ds: xr.Dataset) -> None:
    """Refuse a run whose headline results are not finite (one message, no traceback)."""
    bad = [
        v
        for v in ("it_gw_online", "h100e_online_m", "energy_twh")
        if not np.isfinite(ds[v].values).all()
    ]
    if bad:
        raise GigafactoryError(
            f"the scenario '{sc.name}' produced non-finite results ({', '.join(bad)}); an override "
            "probably zeroes a quantity the model divides by (a yield, packages per wafer, PUE)"
        )
