"""Run a sweep on dask.distributed: tasks are batches of draws, points stream into the store.

Each point is a full Monte Carlo run of its scenario in batches of ``BATCH_DRAWS`` draws with
the same seeded streams as ``gigafactory run`` (``pipeline.batch_streams``), so a
point's numbers do not depend on where or in which order its batches ran.  A task returns only
per-draw scalars (year-end values, the goal week, the funding gap), never trajectories, so a
million draws need O(draws × years) memory on the client.  When every batch of a point is back
the client summarises it and stores it as one run in one transaction: a point is stored once,
whole, whatever the workers did (a killed worker's tasks are re-run by the scheduler and the
client reads each task's result once).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

from ..catalog.schema import Catalog
from ..compile import compile_inputs, with_point_overrides
from ..errors import GigafactoryError, Problem
from ..pipeline import BATCH_DRAWS, batch_streams
from ..results.summary import MIN_YEAR_WEEKS, _year_end_index
from ..scenario.loader import resolved_yaml
from ..scenario.schema import Scenario
from ..supply import simulate
from ..supply.engine import pick_engine
from ..supply.inputs import TIERS
from ..timegrid import iso_week
from .metrics import goal_week

if TYPE_CHECKING:
    from distributed import Client

    from ..results.sweeps import SweepStore
    from .spec import Sweep

Part = dict[str, NDArray[Any]]
YEAR_VARS = ("it_gw_online", "facility_gw_online", "h100e_online_m")
#: seconds to wait for a scheduler given by address before calling it unreachable
CONNECT_TIMEOUT_S = 10


def _year_ends(ds: xr.Dataset) -> dict[int, int]:
    weeks = pd.DatetimeIndex(ds["week"].values)
    years = np.asarray((weeks + pd.Timedelta(days=3)).year)
    return {y: i for y, i in _year_end_index(weeks).items() if (years == y).sum() >= MIN_YEAR_WEEKS}


def run_batch(
    sc: Scenario,
    cat: Catalog,
    size: int,
    stream: int | np.random.SeedSequence,
    finance: bool,
    engine: str = "auto",
) -> Part:
    """One task: simulate ``size`` draws and keep per-draw scalars only.

    Keys: ``<var>@<year>`` (float32, year-end values), ``binding@<year>`` (int8, the tier that
    bound most weeks that year), ``goal_week`` (week index, horizon length when never),
    ``funding_gap`` ($B) and ``unfunded`` (0/1) when ``finance``.  ``engine``: as
    ``supply.simulate``'s (the sweep picks it on the point's whole draws).
    """
    inp = compile_inputs(sc, cat, size, sc.seed, rng=np.random.default_rng(stream))
    ds = simulate(inp, vendor_detail=finance, engine=engine)
    ye = _year_ends(ds)
    years = np.asarray((pd.DatetimeIndex(ds["week"].values) + pd.Timedelta(days=3)).year)
    out: Part = {}
    for y, i in ye.items():
        for v in YEAR_VARS:
            out[f"{v}@{y}"] = ds[v].values[:, i].astype(np.float32)
        b = ds["binding"].values[:, years == y]
        counts = np.stack([(b == k).sum(axis=1) for k in range(len(TIERS))], axis=1)
        out[f"binding@{y}"] = counts.argmax(axis=1).astype(np.int8)
    out["goal_week"] = goal_week(ds).astype(np.float32)
    if finance:
        from ..finance import run_finance

        settings = sc.finance.model_copy(update={"as_of": sc.as_of})
        seq = (
            stream if isinstance(stream, np.random.SeedSequence) else np.random.SeedSequence(stream)
        )
        rng = np.random.default_rng(seq.spawn(1)[0])
        fin = run_finance(ds, settings, with_point_overrides(cat, sc), rng)
        sel = fin.sel(entity=str(fin.attrs["buyer"]))
        out["funding_gap"] = sel["funding_gap_usd_b"].values.astype(np.float32)
        out["unfunded"] = (sel["first_breach_week"].values >= 0).astype(np.int8)
    out["_weeks"] = np.array([ds["week"].values[0], ds["week"].values[-1]])
    return out


def _q(a: NDArray[Any]) -> dict[str, float]:
    p = np.percentile(np.asarray(a, dtype=float), [5, 50, 95])
    return {"p5": round(float(p[0]), 4), "p50": round(float(p[1]), 4), "p95": round(float(p[2]), 4)}


def summarise_point(sc: Scenario, draws: int, parts: list[Part]) -> dict[str, Any]:
    """Quantiles over every draw of a point from its batches' per-draw scalars."""
    cat_ = {k: np.concatenate([p[k] for p in parts]) for k in parts[0] if k != "_weeks"}
    years: dict[str, Any] = {}
    for key in sorted(k for k in cat_ if k.startswith("it_gw_online@")):
        y = key.split("@")[1]
        mode = cat_[f"binding@{y}"]
        shares = {TIERS[k]: round(float((mode == k).mean()), 4) for k in np.unique(mode)}
        years[y] = {v: _q(cat_[f"{v}@{y}"]) for v in YEAR_VARS}
        years[y]["binding"] = dict(sorted(shares.items(), key=lambda kv: -kv[1]))
    start, end = (pd.Timestamp(w) for w in parts[0]["_weeks"])
    n_weeks = (end - start).days // 7 + 1
    gw = cat_["goal_week"]
    hit = gw < n_weeks
    goal: dict[str, Any] = {"share_of_draws": round(float(hit.mean()), 4)}
    if hit.any():
        qs = np.percentile(gw[hit], [5, 50, 95]).round().astype(int)
        goal |= {
            k: iso_week((start + pd.Timedelta(weeks=int(w))).date())
            for k, w in zip(("p5", "p50", "p95"), qs, strict=True)
        }
    out: dict[str, Any] = {
        "scenario": sc.name,
        "draws": draws,
        "seed": sc.seed,
        "years": years,
        "goal_reached": goal,
    }
    if "funding_gap" in cat_:
        out["finance"] = {
            "funding_gap_usd_b": _q(cat_["funding_gap"]),
            "p_unfunded": round(float(cat_["unfunded"].mean()), 4),
        }
    return out


def batch_sizes(draws: int, batch: int = BATCH_DRAWS) -> list[int]:
    """Draws per task: ``batch`` each, the last one what is left."""
    return [min(batch, draws - b) for b in range(0, draws, batch)]


@contextmanager
def connect(workers: int | None = None, scheduler: str | None = None) -> Iterator[Client]:
    """A client on ``scheduler`` (an existing cluster) or on a new ``LocalCluster``.

    The local cluster runs ``workers`` single-threaded worker processes (default: the CPU
    count), so batches run in parallel without contending for the GIL.
    """
    import dask
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            with dask.config.set({"distributed.comm.timeouts.connect": f"{CONNECT_TIMEOUT_S}s"}):
                client = Client(scheduler, timeout=f"{CONNECT_TIMEOUT_S}s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise GigafactoryError(
                [
                    Problem(
                        "<command line>",
                        None,
                        "--scheduler",
                        f"cannot reach a dask scheduler at '{scheduler}' within "
                        f"{CONNECT_TIMEOUT_S} s ({type(exc).__name__}); start one with "
                        "`dask scheduler` and pass its tcp://HOST:PORT, or drop --scheduler "
                        "to use a local cluster",
                    )
                ]
            ) from None
        try:
            yield client
        finally:
            client.close()
        return
    import logging
    import os

    n = workers or os.cpu_count() or 1
    # a worker slow to exit under load is killed at shutdown: expected, not worth a warning
    logging.getLogger("distributed.nanny").setLevel(logging.ERROR)
    with (
        LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            # None means distributed's default :8787 (a second sweep, or a second test worker,
            # then warns "Port 8787 is already in use"); ":0" takes a free port
            dashboard_address=":0",
            host="127.0.0.1",
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def run_sweep(
    sweep: Sweep,
    cat: Catalog,
    store: SweepStore,
    client: Client,
    *,
    draws: int | None = None,
    finance: bool = True,
    batch_draws: int = BATCH_DRAWS,
    progress: Callable[[int], None] | None = None,
    on_point: Callable[[int, str], None] | None = None,
) -> str:
    """Run every point on ``client``; store each point as it completes; return the sweep id.

    ``draws`` overrides every point's draws; ``batch_draws`` is the task size (the default,
    ``pipeline.BATCH_DRAWS``, gives the same draws as ``gigafactory run`` with the same seed).  On ``KeyboardInterrupt`` the outstanding tasks
    are cancelled and the exception propagates; the points already stored stay.
    """
    from distributed import as_completed

    sweep_id = store.begin(sweep.name, sweep.spec())
    cat_f = client.scatter(cat, broadcast=True)
    futures: dict[Any, tuple[int, int]] = {}
    sizes_of: list[list[int]] = []
    for i, sc in enumerate(sweep.scenarios):
        n = int(draws if draws is not None else sc.draws)
        sizes = batch_sizes(n, batch_draws)
        sizes_of.append(sizes)
        streams = batch_streams(int(sc.seed), len(sizes))
        for b, (size, stream) in enumerate(zip(sizes, streams, strict=True)):
            engine = pick_engine(n)
            fut = client.submit(run_batch, sc, cat_f, size, stream, finance, engine, pure=False)
            futures[fut] = (i, b)
    got: dict[int, dict[int, Part]] = {}
    stored: set[int] = set()
    try:
        for fut in as_completed(list(futures)):
            i, b = futures.pop(fut)
            got.setdefault(i, {})[b] = fut.result()
            fut.release()
            if progress is not None:
                progress(sizes_of[i][b])
            if len(got[i]) == len(sizes_of[i]) and i not in stored:
                batches = got.pop(i)
                parts = [batches[k] for k in range(len(sizes_of[i]))]
                sc = sweep.scenarios[i]
                summary = summarise_point(sc, sum(sizes_of[i]), parts)
                run_id = store.save_point(sweep_id, i, sweep.points[i], summary, resolved_yaml(sc))
                stored.add(i)
                if on_point is not None:
                    on_point(i, run_id)
    except BaseException:
        client.cancel(list(futures))
        raise
    return sweep_id
