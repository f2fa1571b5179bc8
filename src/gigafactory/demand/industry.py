"""Industry demand from hyperscaler and neocloud AI capex guidance (docs/ordering.md §1b).

The capacity the world's AI capex funds, in IT MW per draw and week, vectorised over draws
(a loop over weeks: the learning curve makes each week's cost depend on what came before).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..economics.costs import learning_multiplier
from ..economics.industry import MIN_REF_GW
from ..supply.physics import fleet_left
from ..units import WEEKS_PER_YEAR

F = NDArray[np.float64]


def world_ai_capex(covered_usd_b_per_yr: F, ai_share: F, world_per_covered: F) -> F:
    """World AI data-centre capex, ``K[d, t] = capex[d, t] · s[d] · m[d]`` (USD B/yr).

    ``capex`` is what the covered companies spend (``[n, W]``), ``s`` the AI data-centre share
    of it and ``m`` the world's spend per dollar of theirs (both ``[n]``).
    """
    return np.asarray(covered_usd_b_per_yr * (ai_share * world_per_covered)[:, None])


def funded_gw_per_wk(capex_usd_b_per_yr: F, usd_b_per_gw: F, learning_pct: F, ref_gw: F) -> F:
    """New IT GW the capex funds each week, ``[n, W]``.

    ``n(t) = K(t) · Δt ÷ c(t)`` with ``Δt = 1 week`` and the capex per IT GW cut by
    Wright's law on the GW funded so far (the economics' rule,
    :func:`gigafactory.economics.costs.learning_multiplier`):
    ``c(t) = c₀ · ((G₀ + Σ_{s<t} n(s)) ÷ G₀)^−b``, ``b = −log₂(1 − LR)``, ``G₀`` the fleet at
    the start (at least ``MIN_REF_GW``, as :func:`gigafactory.economics.industry.yearly_capex`).

    Parameters
    ----------
    capex_usd_b_per_yr : [n, W] world AI capex (USD B/yr).
    usd_b_per_gw : [n] capex per IT GW at the start, ``c₀`` (USD B per IT GW).
    learning_pct : [n] % cost cut per doubling of cumulative GW.
    ref_gw : [n] IT GW online at the start, ``G₀``.
    """
    n, w = capex_usd_b_per_yr.shape
    ref = np.maximum(np.asarray(ref_gw, dtype=float), MIN_REF_GW)
    cum = ref.copy()
    out = np.empty((n, w))
    dt_yr = 1.0 / WEEKS_PER_YEAR
    for t in range(w):
        cost = usd_b_per_gw * learning_multiplier(cum / ref, 1.0, learning_pct)
        out[:, t] = capex_usd_b_per_yr[:, t] * dt_yr / cost
        cum += out[:, t]
    return out


def fleet_demand_mw(new_gw_per_wk: F, fleet0_mw: F, life_wk: NDArray[np.int64]) -> F:
    """The fleet the industry wants online, ``[n, W]`` IT MW.

    ``D(t) = F0(t) + Σ_{t − life < s ≤ t} n(s)``: the starting fleet while it lives
    (straight-line retirement, as the engine retires it) plus every GW funded within one IT
    life — capacity is wanted as long as the spend that bought it is in service.
    """
    w = new_gw_per_wk.shape[1]
    cum = np.cumsum(new_gw_per_wk * 1e3, axis=1)
    t = np.arange(w)[None, :]
    back = t - np.asarray(life_wk)[:, None]
    old = np.where(back >= 0, np.take_along_axis(cum, np.clip(back, 0, w - 1), axis=1), 0.0)
    f0 = fleet_left(
        np.asarray(fleet0_mw, dtype=float)[:, None], np.asarray(life_wk)[:, None], t + 1
    )
    return np.asarray(f0 + cum - old)
