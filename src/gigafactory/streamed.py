"""A run of many draws in chunks, keeping only aggregates: memory bounded by one chunk.

``run --draws 1000000`` cannot hold every trajectory (574 weeks × ~30 variables × 1 M draws
is ~70 GB).  ``run_streamed`` simulates the draws in chunks of ``chunk_draws`` (each chunk
is whole batches of ``pipeline.BATCH_DRAWS`` with the run's own seeded streams, so chunk
:math:`c` holds exactly draws :math:`c\\,n_c … (c+1)\\,n_c - 1` of the unbatched run),
runs the money side on the chunk, summarises it and reduces it to its quantile tables as an
ordinary run does, then drops its trajectories.  Summaries and tables merge as
draw-weighted means (``results.merge``): exact for means and shares, the mean of the
chunks' sample quantiles for p5/p50/p95.

Accuracy, against the unbatched run on the same seed (same physical draws):

* means, shares of draws, binding shares: equal up to rounding;
* quantiles of the physical results, measured on ``industry`` at 12,000 draws (seed 42) in
  chunks of 4,000 (``CHUNK_DRAWS``) against one chunk of 12,000 (the pooled quantiles): the
  yearly p5/p50/p95 of ``summary.json`` within 2.0 % of the quantity's p5–p95 width (mean
  0.07 %); the weekly series' p5, p50 and p95 within 0.25 %, 0.29 % and 0.62 % of the band's
  width for 99 % of rows (median 0.05 %, 0.03 %, 0.08 %); the goal week's p5/p50/p95 equal.
  Chunks of 2,000 gave 0.39 %, 0.70 % and 1.13 % (median 0.07 %, 0.04 %, 0.10 %), yearly
  mean 0.10 %, and moved the goal week's p5 and p95 by one week: the mean of the chunks'
  quantiles carries each chunk's :math:`O(1/n_c)` bias, so bigger chunks are closer.  A p95
  of a mostly zero, spiky series (racks written off) can differ more where the whole run's
  is 0.  ``tests/test_streamed.py`` checks 20 % of the width at 400 draws in chunks of 100,
  where each chunk's p5 rests on five draws;
* the money side draws its own random numbers per chunk (stream ``[seed, 1, c]``; chunk 0
  uses the unbatched ``[seed, 1]``), so its numbers agree within Monte Carlo error;
* the sections that need the catalog (delay attribution to the median IT GW of 2030,
  frontier, backtest, partners) come from chunk 0 alone (its first ``CHUNK_DRAWS`` draws):
  the attribution re-simulates ``DELAY_DRAWS`` draws per tier, too dear per chunk.

One chunk (``chunk_draws >= draws``) gives the unbatched run's summary exactly.  ``--out``
writes quantiles, not draws: ``results.nc`` and ``finance.nc`` hold every weekly series as
``(quantile, week[, <var>_key])`` with quantile ``p5, p50, p95, mean`` and every per-draw
quantity as ``(quantile[, <var>_key])``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import xarray as xr

from .catalog.schema import Catalog
from .compile import median_inputs
from .pipeline import (
    BATCH_DRAWS,
    RunResult,
    add_money_and_economics,
    check_finite,
    run_money,
    simulate_scenario,
)
from .results.merge import TableMerger, merge_summaries
from .results.series import run_tables
from .scenario.schema import Scenario

#: draws per chunk (whole batches).  ``run industry --draws 20000 --no-store --out`` (peak
#: RSS, user + system CPU s): chunks of 2,000 0.84 GB, 56.9; 4,000 1.14 GB, 53.5; 6,000
#: 1.32 GB, 55.3; 10,000 1.89 GB, 55.5.  4,000 is the largest that keeps a streamed run
#: under ~1.2 GB whatever N (100,000 draws: 1.17 GB, 223 s); it halves the chunks' fixed
#: costs (each chunk's summary and tables) and their quantile bias (see above)
CHUNK_DRAWS = 2 * BATCH_DRAWS
#: ``run`` streams above this many draws (or when the unbatched run is over the budget): a
#: 10,000-draw industry run holding every draw peaks at ~2.8 GB (``docs/performance.md``)
STREAM_DRAWS = 10_000
QUANTILE_COLUMNS = ("p5", "p50", "p95", "mean")


def run_streamed(
    sc: Scenario,
    cat: Catalog,
    draws: int | None = None,
    seed: int | None = None,
    *,
    with_finance: bool = True,
    chunk_draws: int = CHUNK_DRAWS,
    batch_draws: int = BATCH_DRAWS,
    progress: Callable[[int], None] | None = None,
    phase: Callable[[str], None] | None = None,
) -> RunResult:
    """``pipeline.run_scenario`` in chunks of draws, keeping only summaries and tables.

    ``chunk_draws`` is rounded up to whole batches of ``batch_draws``.  The result's
    ``physical`` and ``finance`` are quantile datasets (``tables_to_dataset``), not draws.
    """
    n = int(draws if draws is not None else sc.draws)
    s = int(seed if seed is not None else sc.seed)
    sc = sc.model_copy(update={"draws": n, "seed": s})
    chunk = -(-max(1, chunk_draws) // batch_draws) * batch_draws
    median = median_inputs(sc, cat)  # the loader's check compiled it: taken, not redone
    parts: list[tuple[int, dict[str, Any]]] = []
    merger = TableMerger()
    attrs: dict[str, Any] = {}
    for c, a in enumerate(range(0, n, chunk)):
        b = min(n, a + chunk)
        ds = simulate_scenario(
            sc, cat, n, s, draw_range=(a, b), batch_draws=batch_draws, progress=progress
        )
        check_finite(sc, ds)
        fin = run_money(sc, cat, ds, c) if with_finance else None
        parts.append((b - a, _summarise_chunk(sc, cat, ds, fin, median, c)))
        merger.add(b - a, run_tables(ds, fin))
        attrs = dict(ds.attrs)
        del ds, fin
    if phase is not None:
        phase("summary")
    summary = merge_summaries(parts)
    tables = merger.result()
    summary["aggregation"] = {
        "chunks": len(parts),
        "chunk_draws": chunk,
        "method": "draw-weighted mean over chunks (exact for means and shares; "
        "quantiles are the mean of the chunks' quantiles)",
    }
    attrs |= {"draws": n, "seed": s, "aggregated": "quantiles over draws, in chunks"}
    physical = tables_to_dataset(tables, "physical", attrs)
    finance = tables_to_dataset(tables, "finance", attrs) if with_finance else None
    result = RunResult(sc, physical, summary, finance, median)
    result._tables = tables
    return result


def _summarise_chunk(
    sc: Scenario,
    cat: Catalog,
    ds: xr.Dataset,
    fin: xr.Dataset | None,
    median: Any,
    chunk: int,
) -> dict[str, Any]:
    """A chunk's summary as ``run_scenario`` makes it; the sections that need the catalog
    (delay attribution, frontier, backtest, partners) only in chunk 0: the attribution
    re-simulates ``DELAY_DRAWS`` draws per tier, too dear to repeat per chunk."""
    from .results.summary import summarise

    summary = summarise(ds, sc, median, catalog=cat if chunk == 0 else None, finance=fin)
    add_money_and_economics(summary, sc, cat, ds, fin, chunk)
    return summary


def tables_to_dataset(
    tables: dict[str, pd.DataFrame], source: str, attrs: dict[str, Any]
) -> xr.Dataset:
    """The ``source`` rows of a run's ``series`` and ``distributions`` tables as a dataset.

    A weekly series becomes ``(quantile, week)``, or ``(quantile, week, <var>_key)`` when
    it has keys; a per-draw quantity ``(quantile[, <var>_key])``.
    """
    data: dict[str, Any] = {}
    for table, dims in (("series", ["week"]), ("distributions", [])):
        df = tables[table]
        df = df[df["source"] == source]
        for name, g in df.groupby("variable", sort=False):
            keyed = bool((g["key"] != "").any())
            index = [*dims, "key"] if keyed else dims
            if not index:
                data[str(name)] = (("quantile",), g[list(QUANTILE_COLUMNS)].to_numpy()[0])
                continue
            frame = g.set_index(index)[list(QUANTILE_COLUMNS)]
            arr = frame.to_xarray().to_array("quantile")
            if keyed:
                arr = arr.rename({"key": f"{name}_key"})
            data[str(name)] = arr.drop_vars("variable", errors="ignore")
    ds = xr.Dataset(data)
    ds = ds.assign_coords(quantile=list(QUANTILE_COLUMNS))
    ds.attrs.update({k: v for k, v in attrs.items() if isinstance(v, str | int | float)})
    return ds
