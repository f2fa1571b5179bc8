"""A second formulation of the finance ledger for the tests: cash balances from per-link flows."""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import NDArray


def cash_change_from_flows(fin: xr.Dataset, entity: str) -> tuple[NDArray[Any], NDArray[Any]]:
    """Second formulation of an entity's cash: ``[D, Y]`` change in its weekly cash balance over
    each ISO year, and its cash in minus cash out that year summed from the per-link flows.

    Years are ISO years (a week belongs to the year of its Thursday); only years wholly after the
    week the balance starts are returned (NaN elsewhere)."""
    cash = fin["cash_usd_b"].sel(entity=entity).values  # [D, W]
    t0 = int(np.argmax(np.isfinite(cash[0])))
    wk_year = (fin.week.values + np.timedelta64(3, "D")).astype("datetime64[Y]").astype(int) + 1970
    kind, flow = fin["link_kind"].values, fin["flow_usd_b"].values  # [D, Y, L]
    into = (fin["link_payee"].values == entity) & (kind == "cash")
    out_of = (fin["link_payer"].values == entity) & (kind == "cash")
    net = (flow * into).sum(-1) - (flow * out_of).sum(-1)
    change = np.full(net.shape, np.nan)
    for yi, y in enumerate(fin.year.values):
        idx = np.flatnonzero(wk_year == y)
        if len(idx) and idx[0] > t0:
            change[:, yi] = cash[:, idx[-1]] - cash[:, idx[0] - 1]
    return change, np.where(np.isnan(change), np.nan, net)
