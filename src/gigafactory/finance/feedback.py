"""Money feeds back into the physical side: an unfunded buyer stops growing its orders.

The rule (``finance.funding_feedback: cut_new_orders``; docs/ordering.md, "Funding gate"):

1. Simulate the draws, run the money pass over them, and fund the buyer's cash path through
   its channels in the documented order (:func:`gigafactory.finance.money.fund_paths`).
2. In each draw where a week is left unfunded (every channel exhausted), let ``t_u`` be the
   first such week.  From ``t_u`` on, the demand the buyer orders against stops growing:

       D'(t) = D(t)                          for t < t_u
       D'(t) = min(D(t), max_{τ ≤ t_u} D(τ))  for t ≥ t_u

   Signed contracts are kept (they are cut only by a deal what-if or a default); the cut falls
   on the optional, demand-driven orders first, as issue 10's rule asks.  Renewals of retiring
   accelerators within the capped level go on, and the shells partners build for demand
   follow the capped demand, so GW online follow the money.
3. Simulate the same draws again (the same compiled inputs, only the demand replaced).

One pass, not a fixed point: the cut lowers spending, so a draw cut at ``t_u`` might have
funded a little more; the rule is deliberately conservative.  More funding capacity moves
``t_u`` later (or removes it) and ``M = max_{τ ≤ t_u} D(τ)`` grows with ``t_u``, so the
demand ordered against never falls when capacity rises (tests/test_feedback.py holds that
GW online never fall either).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from ..supply.inputs import ModelInputs
from .whatif import apply_deal_whatifs

if TYPE_CHECKING:
    from ..catalog.schema import Catalog
    from ..scenario.schema import Scenario

F = NDArray[np.float64]
Int = NDArray[np.int64]


def capped_demand(demand: F, first_unfunded: Int) -> F:
    """``D'`` ``[D, W]`` from demand ``[D, W]`` and each draw's first unfunded week (−1: never)
    by the rule of the module docstring."""
    d = np.asarray(demand, dtype=float)
    w = d.shape[1]
    t_u = np.asarray(first_unfunded, dtype=np.int64)
    cut = t_u >= 0
    if not cut.any():
        return d
    peak = np.maximum.accumulate(d, axis=1)[np.arange(d.shape[0]), np.clip(t_u, 0, w - 1)]
    after = (np.arange(w)[None, :] >= t_u[:, None]) & cut[:, None]
    return np.where(after, np.minimum(d, peak[:, None]), d)


def applies(sc: Scenario, inp: ModelInputs) -> bool:
    """The rule runs for a buyer whose orders follow demand, when the scenario asks for it."""
    return (
        sc.finance.funding_feedback == "cut_new_orders"
        and inp.demand_it_mw is not None
        and sc.scope.kind == "buyer"
    )


def first_unfunded_weeks(
    sc: Scenario, cat: Catalog, physical: xr.Dataset, rng: np.random.Generator
) -> Int:
    """The buyer's first unfunded week in each draw of a simulated batch (−1: never).

    ``rng`` is the batch's money stream (``pipeline.stream_rng(seed, 1, batch)``, see
    :func:`gigafactory.pipeline.simulate_scenario`): the money pass draws its share-price paths
    and undecided conversions on it, then the channels any fact the run did not compile, so a
    run is reproducible from its seed alone and its batches draw independent money."""
    from ..compile import with_point_overrides
    from .engine import run_finance
    from .money import fund_paths, money_facts

    settings = sc.finance.model_copy(update={"as_of": sc.as_of, "threads": 1})
    deals = with_point_overrides(apply_deal_whatifs(cat, sc), sc)
    fin = run_finance(physical, settings, deals, rng)
    buyer = str(fin.attrs["buyer"])
    if buyer not in [str(e) for e in fin["entity"].values]:
        return np.full(int(physical.sizes["draw"]), -1, dtype=np.int64)
    sub = fin.sel(entity=[buyer])
    funded = fund_paths(sub, deals, rng, 0.0, money_facts(physical))
    return np.asarray(funded[buyer].first_unfunded_week, dtype=np.int64)


def with_funding_cut(
    sc: Scenario, cat: Catalog, inp: ModelInputs, physical: xr.Dataset, rng: np.random.Generator
) -> ModelInputs:
    """The inputs with each unfunded draw's demand capped (module docstring, step 2), the
    money drawn on ``rng`` (:func:`first_unfunded_weeks`)."""
    assert inp.demand_it_mw is not None
    t_u = first_unfunded_weeks(sc, cat, physical, rng)
    return dataclasses.replace(inp, demand_it_mw=capped_demand(inp.demand_it_mw, t_u))
