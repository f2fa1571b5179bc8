"""The finance pass: catalog deals + physical results → postings → ledger → metrics.

``run_finance`` is pure: arrays in, an ``xr.Dataset`` out, randomness only from the
``numpy.random.Generator`` passed in.  Draws are processed in batches (``chunk_draws``); weeks
are never looped over — balances, loans and caps are cumulative sums.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import xarray as xr

from ..catalog.schema import Catalog
from . import contracts as C
from .dataset import _dataset
from .inputs import (
    Draws,
    Link,
    energy_price_by_year,
    make_plan,
    physical_batch,
    sample_draws,
)
from .ledger import _alloc, _Ledger, _reduce
from .postings import generate_postings
from .settings import FinanceSettings

__all__ = ["generate_postings", "make_plan", "physical_batch", "run_finance", "sample_draws"]


def run_finance(
    physical: xr.Dataset, settings: FinanceSettings, catalog: Catalog, rng: np.random.Generator
) -> xr.Dataset:
    """The finance pass over every draw of a physical run.

    Parameters
    ----------
    physical : the supply engine's results (dims draw, week, vendor; see docs/interfaces.md).
    settings : the scenario's ``finance:`` section.
    catalog : sourced facts (companies, deals).
    rng : the source of randomness of the share-price paths and of the conversions the
        physical side did not decide; every sampled catalog fact comes from the compiled draws
        (``physical["money_facts"]``), never from a second sampler.

    Returns
    -------
    xr.Dataset with cash per tracked entity (draw, week, entity), funding gap, first breach and
    runway (draw, entity), flows per link and year ($B), committed/contingent values per link,
    counterparty exposure, circularity and warrant results.  Every week's cash postings sum to
    zero over all parties (``attrs["max_weekly_imbalance_usd_b"]`` records the check).
    """
    plan = make_plan(physical, settings, catalog)
    n = int(physical.sizes["draw"])
    converted = (
        {
            str(k): physical["deal_converted"].sel(deal=k).values.astype(bool)
            for k in physical["deal"].values
        }
        if "deal_converted" in physical.data_vars
        else None
    )
    facts = (
        {
            str(k): physical["money_facts"].values[:, i].astype(float)
            for i, k in enumerate(physical["fact"].values)
        }
        if "money_facts" in physical.data_vars
        else None
    )
    dr = sample_draws(plan, catalog, rng, n, converted, facts)
    dr.p["energy_price_by_year"] = energy_price_by_year(plan, physical, catalog, dr.p)
    res: dict[str, Any] = {}

    def batch(sl: slice) -> tuple[list[Link], dict[str, Any], _Ledger, Draws]:
        dd = dr.take(sl)
        ph = physical_batch(plan, physical, sl, catalog, dr.convert)
        ledger = _Ledger(plan, sl.stop - sl.start)
        post, extras = generate_postings(
            plan, catalog, dd, ph, C.Postings(sink=ledger.post, keep=False)
        )
        return post.links, extras, ledger, dd

    def fold(sl: slice) -> float:
        lks, extras, ledger, dd = batch(sl)
        if lks != links:
            raise AssertionError("every batch must post along the same links")
        return _reduce(res, plan, dd, sl, lks, ledger, extras, parties)

    slices = [slice(a, min(n, a + settings.chunk_draws)) for a in range(0, n, settings.chunk_draws)]
    # the first batch fixes the links and fills the per-run memo; the rest are independent
    # (each writes its own rows of res), so they may run on several threads
    links, extras, ledger, dd = batch(slices[0])
    parties = sorted({lk.payer for lk in links} | {lk.payee for lk in links})
    res = _alloc(n, plan, links, parties, extras)
    imbalance = _reduce(res, plan, dd, slices[0], links, ledger, extras, parties)
    if settings.threads > 1 and len(slices) > 2:
        with ThreadPoolExecutor(settings.threads) as pool:
            imbalance = max([imbalance, *pool.map(fold, slices[1:])])
    else:
        imbalance = max([imbalance, *map(fold, slices[1:])])
    for x in res["warrants"].values():  # the median over every draw, not over a batch
        x["closed_form_usd_b"] = float(np.median(x["closed_form_draw_usd_b"]))
    return _dataset(res, plan, links, parties, physical, imbalance)
