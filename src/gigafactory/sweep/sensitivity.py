"""Global sensitivity with SALib: Sobol' first- and total-order indices, and Morris screening.

SALib draws the design and analyses the outputs; the model evaluation stays in our vectorised
engine (:mod:`.evaluate`).  The design lives on the unit hypercube: column ``j`` is the uniform
quantile of key ``j`` (see :mod:`.inputs`), mapped through the key's own distribution by the
compile step, so the inputs are independent as Sobol' requires and keep their marginals.  Keys
derived from one another are one SALib group, so each derivation is counted once.

Sobol' (Saltelli 2010, Jansen estimators; ``calc_second_order=False``): ``N·(G + 2)`` rows for
``G`` groups.  ``S1_g = V[E(Y|X_g)]/V(Y)`` is the share of variance the group explains alone,
``ST_g = E[V(Y|X_~g)]/V(Y)`` includes every interaction it takes part in; ``ST − S1`` measures
interactions.  Confidence: half-width of the 95 % bootstrap interval.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..catalog.schema import Catalog
from ..errors import GigafactoryError, Problem
from ..scenario.schema import Scenario
from .evaluate import MONEY_ONLY, evaluate
from .inputs import Inputs, uncertain_inputs
from .metrics import FINANCE, check_metrics

if TYPE_CHECKING:
    from distributed import Client

METHODS = ("sobol", "morris", "oat")
SOBOL_COLUMNS = ["input", "S1", "S1_conf", "ST", "ST_conf"]
MORRIS_COLUMNS = ["input", "mu_star", "mu_star_conf", "sigma"]
#: Morris grid levels (quantiles 1/8, 3/8, 5/8, 7/8 of each input)
MORRIS_LEVELS = 4
#: bootstrap resamples of the confidence intervals: SALib's default (its cost grows with it:
#: ~2 s per metric at 100 for 32 groups × N = 1,024)
RESAMPLES = 100


def problem(inputs: Inputs) -> dict[str, Any]:
    """The SALib problem: every key on [0, 1], grouped by derivation."""
    return {
        "num_vars": len(inputs.keys),
        "names": list(inputs.keys),
        "bounds": [[0.0, 1.0]] * len(inputs.keys),
        "groups": list(inputs.groups),
    }


def _power_of_two(n: int) -> None:
    if n < 2 or n & (n - 1):
        raise GigafactoryError(
            [
                Problem(
                    "<command line>",
                    None,
                    "--draws",
                    f"Sobol' needs a power of two ≥ 2 base samples; got {n} (try {1 << max(1, n.bit_length())})",
                )
            ]
        )


def sobol(
    sc: Scenario,
    cat: Catalog,
    n: int,
    metrics: list[str],
    seed: int = 0,
    *,
    client: Client | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, pd.DataFrame]:
    """Sobol' indices per metric: a frame with ``SOBOL_COLUMNS``, largest ``ST`` first.

    Parameters
    ----------
    n : base samples (a power of two); the model runs ``n·(G + 2)`` draws.
    metrics : names from :mod:`.metrics` (``it_gw_2030``, ``goal_week``, ``funding_gap``…).
    seed : scrambles the Sobol' sequence and seeds the bootstrap.
    """
    check_metrics(metrics)
    _power_of_two(n)
    inputs = uncertain_inputs(sc, cat, metrics)

    # only the finance pass draws randomness the design does not control (share-price paths):
    # without a finance metric, rows of different roles may share a batch (fewer, larger ones)
    crn = bool(FINANCE & set(metrics))
    # roles A, AB_g (g in group order), B: a role moving only money facts has A's physics
    money = [all(k.startswith(MONEY_ONLY) for k in inputs.members(g)) for g in inputs.names]
    physics_of = [None, *(0 if m else None for m in money), None] if crn else None

    def model(u: np.ndarray, block: int) -> dict[str, np.ndarray]:
        return evaluate(
            sc,
            cat,
            inputs.keys,
            u,
            metrics,
            seed,
            block=block if crn else None,
            client=client,
            progress=progress,
            physics_of=physics_of,
        )

    return sobol_indices(problem(inputs), n, model, seed)


def sobol_indices(
    prob: dict[str, Any],
    n: int,
    model: Callable[[np.ndarray, int], dict[str, np.ndarray]],
    seed: int = 0,
) -> dict[str, pd.DataFrame]:
    """Sample, evaluate and analyse: ``model(u, block)`` returns each metric for every row.

    SALib interleaves the rows (``A_j, AB_1j … AB_Gj, B_j``); the model sees them role by role
    (``block = n`` rows each) so that row ``j`` of every role can share the randomness no column
    controls (common random numbers, see ``evaluate``).
    """
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    names = list(dict.fromkeys(prob.get("groups") or prob["names"]))
    x = sample.sample(prob, n, calc_second_order=False, scramble=True, seed=seed)
    roles = len(names) + 2
    by_role = x.reshape(n, roles, -1).transpose(1, 0, 2).reshape(n * roles, -1)
    ys = {m: y.reshape(roles, n).T.reshape(-1) for m, y in model(by_role, n).items()}
    out = {}
    for m, y in ys.items():
        if np.ptp(y) == 0:  # a constant metric has no variance to share out
            res = {k: np.zeros(len(names)) for k in SOBOL_COLUMNS[1:]}
        else:
            res = analyze.analyze(
                prob, y, calc_second_order=False, num_resamples=RESAMPLES, seed=seed
            )
        cols = {c: np.asarray(res[c], dtype=float) for c in SOBOL_COLUMNS[1:]}
        df = pd.DataFrame({"input": names, **cols})
        out[m] = df.sort_values("ST", ascending=False, kind="stable").reset_index(drop=True)
    return out


def row_count(sc: Scenario, cat: Catalog, n: int, method: str, metrics: list[str]) -> int:
    """How many draws ``sobol`` or ``morris`` will run (for a progress bar)."""
    g = len(uncertain_inputs(sc, cat, metrics).names)
    return n * (g + 2) if method == "sobol" else n * (g + 1)


def morris(
    sc: Scenario,
    cat: Catalog,
    trajectories: int,
    metrics: list[str],
    seed: int = 0,
    *,
    client: Client | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, pd.DataFrame]:
    """Morris elementary effects per metric (``MORRIS_COLUMNS``, largest ``mu_star`` first).

    ``trajectories·(G + 1)`` draws.  Levels ``x ∈ {0, 1/3, 2/3, 1}`` are read as the quantiles
    ``(3x + 0.5)/4`` so every input stays inside its distribution; ``mu_star`` is the mean
    absolute change of the metric per step of a third of the unit interval.
    """
    from SALib.analyze import morris as analyze
    from SALib.sample import morris as sample

    check_metrics(metrics)
    inputs = uncertain_inputs(sc, cat, metrics)
    prob = problem(inputs)
    x = sample.sample(prob, trajectories, num_levels=MORRIS_LEVELS, seed=seed)
    u = (x * (MORRIS_LEVELS - 1) + 0.5) / MORRIS_LEVELS
    ys = evaluate(sc, cat, inputs.keys, u, metrics, seed, client=client, progress=progress)
    out = {}
    for m, y in ys.items():
        res = analyze.analyze(
            prob, x, y, num_resamples=RESAMPLES, num_levels=MORRIS_LEVELS, seed=seed
        )
        df = pd.DataFrame(
            {
                "input": list(res["names"]),
                **{c: np.asarray(res[c], dtype=float) for c in MORRIS_COLUMNS[1:]},
            }
        )
        out[m] = df.sort_values("mu_star", ascending=False, kind="stable").reset_index(drop=True)
    return out
