"""Evaluate a design: rows of uniforms → per-draw metrics, in batches of draws.

Every row of a design is one draw of one compile/simulate call with its inputs overridden
(``compile_inputs(..., given=...)``), so N × (k + 2) Sobol' rows cost a few batched calls.
Batches run in this process or as tasks on a ``dask.distributed`` client.

A block of rows whose physical inputs equal another block's (a Sobol' role that moves only
money facts, ``companies.*``, which nothing but the finance pass reads) reuses that block's
simulation: it is compiled (for its money facts) and run through the finance pass only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from ..catalog.schema import Catalog
from ..compile import compile_inputs
from ..scenario.schema import Scenario
from ..supply import simulate
from ..supply.engine import pick_engine
from ..supply.inputs import ModelInputs
from .metrics import FINANCE, draw_metrics

if TYPE_CHECKING:
    from distributed import Client

F = NDArray[np.float64]
#: rows per compile/simulate call (memory ~ rows × weeks × a few dozen float32 arrays): the
#: engine's own batch; peak RSS ~0.7 GB per process at 4,096 rows of `industry` without vendor
#: detail (0.41 GB at 2,000), and the cost per row falls ~25 % from 2,000 to 4,096
ROWS_PER_BATCH = 4096
#: uniforms are kept this far from 0 and 1 (a lognormal or normal ppf is infinite there)
U_EPS = 1e-6
#: key prefixes only the finance pass reads (the money facts): moving them leaves the physics
MONEY_ONLY = ("companies.",)

Span = tuple[int, int]


def with_money(physics: xr.Dataset, inp: ModelInputs) -> xr.Dataset:
    """``physics`` (a simulation of the same physical inputs) with ``inp``'s money facts."""
    ds = physics.copy()
    if inp.money:
        ds["money_facts"] = (("draw", "fact"), np.stack(list(inp.money.values()), axis=1))
    return ds


def evaluate_batch(
    sc: Scenario,
    cat: Catalog,
    keys: tuple[str, ...],
    u: F,
    metrics: list[str],
    seed: int | list[int],
    physics: xr.Dataset | None = None,
    keep: bool = False,
    engine: str = "auto",
) -> Any:
    """The metrics for each row of ``u`` (shape rows × len(keys)) as one batch of draws.

    Keys not in ``keys`` (none that a metric reads) are drawn from ``default_rng(seed)``; so is
    the finance pass's own randomness (share-price and revenue paths), which no design controls.
    ``physics``: the simulation of rows with the same physical inputs, reused instead of
    simulating (only the money facts differ).  ``keep``: return ``(metrics, simulation)``.
    ``engine``: as ``supply.simulate``'s (``evaluate`` picks it on the whole design's rows).
    """
    n = u.shape[0]
    finance = bool(FINANCE & set(metrics))
    given = {k: np.clip(u[:, j], U_EPS, 1.0 - U_EPS) for j, k in enumerate(keys)}
    rng = np.random.default_rng(seed)
    inp = compile_inputs(sc, cat, n, 0, rng=rng, given=given)
    if physics is None:
        ds = simulate(inp, vendor_detail=finance, engine=engine)
    else:
        ds = with_money(physics, inp)
    fin = None
    if finance:
        from ..finance import run_finance

        settings = sc.finance.model_copy(update={"as_of": sc.as_of})
        fin = run_finance(
            ds, settings, cat, np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
        )
    out = draw_metrics(ds, metrics, fin)
    return (out, ds) if keep else out


def evaluate(
    sc: Scenario,
    cat: Catalog,
    keys: tuple[str, ...],
    u: F,
    metrics: list[str],
    seed: int,
    *,
    block: int | None = None,
    client: Client | None = None,
    progress: Callable[[int], None] | None = None,
    physics_of: Sequence[int | None] | None = None,
) -> dict[str, F]:
    """The metrics for every row of the design ``u``, batch by batch (on ``client`` if given).

    ``block``: the design is made of blocks of this many rows in which row ``j`` of every
    block shares its random streams (common random numbers: the randomness no column controls,
    such as the finance pass's own draws, is then the same for row ``j`` of each block and
    cancels in the Sobol' differences ``f(A) − f(AB_i)``).  Default: one block.
    ``physics_of[b]``: an earlier block whose physical inputs block ``b`` shares row for row
    (its simulation is reused), or ``None``.
    """
    rows = u.shape[0]
    block = block or rows
    size = min(ROWS_PER_BATCH, block)
    spans = [
        (a, min(a + size, b + block, rows))
        for b in range(0, rows, block)
        for a in range(b, min(b + block, rows), size)
    ]
    seeds = [[seed, (a % block) // size] for a, _ in spans]
    job = _Job(
        sc,
        cat,
        keys,
        u,
        metrics,
        spans,
        seeds,
        _sources(spans, block, physics_of),
        pick_engine(rows),  # a design's batches share one process's compiled loop
    )
    parts = _in_process(job, progress) if client is None else _on_client(client, job, progress)
    return {m: np.concatenate([p[m] for p in parts]) for m in metrics}


def _unpack(job: _Job) -> tuple[Any, ...]:
    """The job's fields in order (``dataclasses.astuple`` would deep-copy the arrays)."""
    return tuple(getattr(job, f.name) for f in fields(job))


def _sources(
    spans: list[Span], block: int, physics_of: Sequence[int | None] | None
) -> list[int | None]:
    """For each span, the index of the span whose simulation it reuses (or ``None``)."""
    index = {a: i for i, (a, _) in enumerate(spans)}
    out: list[int | None] = []
    for a, _ in spans:
        b = physics_of[a // block] if physics_of is not None else None
        out.append(None if b is None else index[a - (a // block - b) * block])
    return out


@dataclass(frozen=True)
class _Job:
    """A design cut into spans of rows: span ``i`` is rows ``spans[i]`` with random streams
    ``seeds[i]``, reusing span ``src[i]``'s simulation (or ``None``), on ``engine``."""

    sc: Scenario
    cat: Catalog
    keys: tuple[str, ...]
    u: F
    metrics: list[str]
    spans: list[Span]
    seeds: list[list[int]]
    src: list[int | None]
    engine: str


def _in_process(job: _Job, progress: Callable[[int], None] | None) -> list[dict[str, F]]:
    """Span by span; the simulations other spans reuse are kept until the last reader."""
    sc, cat, keys, u, metrics, spans, seeds, src, engine = _unpack(job)
    kept: dict[int, xr.Dataset] = {}
    readers = {i: sum(s == i for s in src) for i in set(src) if i is not None}
    parts = []
    for i, ((a, b), s) in enumerate(zip(spans, seeds, strict=True)):
        j = src[i]
        res = evaluate_batch(
            sc,
            cat,
            keys,
            u[a:b],
            metrics,
            s,
            None if j is None else kept[j],
            i in readers,
            engine,
        )
        if i in readers:
            res, kept[i] = res
        if j is not None:
            readers[j] -= 1
            if not readers[j]:
                del kept[j]
        parts.append(res)
        if progress is not None:
            progress(b - a)
    return parts


def _on_client(
    client: Client, job: _Job, progress: Callable[[int], None] | None
) -> list[dict[str, F]]:
    """Each span of rows as one task; results in span order whatever order they finish in.

    A span other spans reuse returns its simulation too; theirs wait for it (a dependency the
    scheduler places next to the data).
    """
    from distributed import as_completed

    sc, cat, keys, u, metrics, spans, seeds, src, engine = _unpack(job)
    sc_f, cat_f = client.scatter([sc, cat], broadcast=True)
    readers = {j for j in src if j is not None}
    futs: dict[Any, int] = {}
    sims: dict[int, Any] = {}
    for i, ((a, b), s) in enumerate(zip(spans, seeds, strict=True)):
        j = src[i]
        phys = None if j is None else sims[j]
        fut = client.submit(
            evaluate_batch,
            sc_f,
            cat_f,
            keys,
            u[a:b],
            metrics,
            s,
            phys,
            i in readers,
            engine,
            pure=False,
        )
        if i in readers:
            sims[i] = client.submit(itemgetter(1), fut)
            fut = client.submit(itemgetter(0), fut)
        futs[fut] = i
    done: dict[int, dict[str, F]] = {}
    for fut in as_completed(futs):
        i = futs[fut]
        done[i] = fut.result()
        if progress is not None:
            progress(spans[i][1] - spans[i][0])
    return [done[i] for i in range(len(spans))]
