"""Evaluate a design: rows of uniforms → per-draw metrics, in batches of draws.

Every row of a design is one draw of one compile/simulate call with its inputs overridden
(``compile_inputs(..., given=...)``), so N × (k + 2) Sobol' rows cost a few batched calls.
Batches run in this process or as tasks on a ``dask.distributed`` client.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from ..catalog.schema import Catalog
from ..compile import compile_inputs
from ..scenario.schema import Scenario
from ..supply import simulate
from .metrics import FINANCE, draw_metrics

if TYPE_CHECKING:
    from distributed import Client

F = NDArray[np.float64]
#: rows per compile/simulate call (memory ~ rows × weeks × a few dozen float32 arrays)
ROWS_PER_BATCH = 2000
#: uniforms are kept this far from 0 and 1 (a lognormal or normal ppf is infinite there)
U_EPS = 1e-6


def evaluate_batch(
    sc: Scenario,
    cat: Catalog,
    keys: tuple[str, ...],
    u: F,
    metrics: list[str],
    seed: int | list[int],
) -> dict[str, F]:
    """The metrics for each row of ``u`` (shape rows × len(keys)) as one batch of draws.

    Keys not in ``keys`` (there should be none) are drawn from ``default_rng(seed)``; so is the
    finance pass's own randomness (share-price and revenue paths), which no design controls.
    """
    n = u.shape[0]
    given = {k: np.clip(u[:, j], U_EPS, 1.0 - U_EPS) for j, k in enumerate(keys)}
    rng = np.random.default_rng(seed)
    inp = compile_inputs(sc, cat, n, 0, rng=rng, given=given)
    ds = simulate(inp, vendor_detail=bool(FINANCE & set(metrics)))
    fin = None
    if FINANCE & set(metrics):
        from ..finance import run_finance

        settings = sc.finance.model_copy(update={"as_of": sc.as_of})
        fin = run_finance(
            ds, settings, cat, np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
        )
    return draw_metrics(ds, metrics, fin)


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
) -> dict[str, F]:
    """The metrics for every row of the design ``u``, batch by batch (on ``client`` if given).

    ``block``: the design is made of blocks of this many rows in which row ``j`` of every
    block shares its random streams (common random numbers: the randomness no column controls,
    such as the finance pass's own draws, is then the same for row ``j`` of each block and
    cancels in the Sobol' differences ``f(A) − f(AB_i)``).  Default: one block.
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
    if client is None:
        parts = []
        for (a, b), s in zip(spans, seeds, strict=True):
            parts.append(evaluate_batch(sc, cat, keys, u[a:b], metrics, s))
            if progress is not None:
                progress(b - a)
    else:
        parts = _on_client(client, sc, cat, keys, u, metrics, spans, seeds, progress)
    return {m: np.concatenate([p[m] for p in parts]) for m in metrics}


def _on_client(
    client: Client,
    sc: Scenario,
    cat: Catalog,
    keys: tuple[str, ...],
    u: F,
    metrics: list[str],
    spans: list[tuple[int, int]],
    seeds: list[list[int]],
    progress: Callable[[int], None] | None,
) -> list[dict[str, F]]:
    """Each span of rows as one task; results in span order whatever order they finish in."""
    from distributed import as_completed

    sc_f, cat_f = client.scatter([sc, cat], broadcast=True)
    futs = {
        client.submit(evaluate_batch, sc_f, cat_f, keys, u[a:b], metrics, s, pure=False): i
        for i, ((a, b), s) in enumerate(zip(spans, seeds, strict=True))
    }
    done: dict[int, dict[str, F]] = {}
    for fut in as_completed(futs):
        i = futs[fut]
        done[i] = fut.result()
        if progress is not None:
            progress(spans[i][1] - spans[i][0])
    return [done[i] for i in range(len(spans))]
