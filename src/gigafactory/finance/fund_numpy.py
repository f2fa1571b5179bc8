"""The weekly funding loop of :func:`gigafactory.finance.channels.fund` in NumPy.

The twin of :func:`gigafactory.finance.fund_kernel.fund_loop` (numba): vectorised over draws,
a loop over weeks and channels, the same IEEE operations in the same order per draw, so the
results are the kernel's bit for bit (tests/test_fund_numpy.py).  A run too small to load numba
for its supply engine uses this one: importing numba and loading the cached kernel costs
~1.3 s CPU, more than this loop at a thousand draws (see ``channels.use_kernel``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]


def fund_loop_numpy(
    net: F64,
    cash0: F64,
    mn: F64,
    cap: F64,
    rate: F64,
    per_year: NDArray[np.bool_],
    debt_k: NDArray[np.bool_],
    repay: NDArray[np.int64],
    new_year: NDArray[np.bool_],
    payout_share: float,
    equity0: F64,
    weeks_per_yr: float,
    res: F64,
    drawn: F64,
    outstanding: F64,
    raised_total: F64,
    full: bool,
) -> None:
    """Fill ``res``, ``drawn``, ``outstanding`` and ``raised_total`` in place, as
    :func:`~gigafactory.finance.fund_kernel.fund_loop` does (same arguments, same rule).

    Per week t, for every draw at once::

        interest = Σ_{k debt} out_k · r_k / weeks_per_yr
        cash += net_t − interest;   short = max(min − cash, 0)
        take_k = min(short, max(cap_k − (raised_k if per-year else out_k), 0))   (in order)
        pay_j = min(surplus, out_j)   (in repay order),   surplus = max(cash − min, 0)
        payout = payout_share · min(surplus, max(net_t − interest, 0))
    """
    d, w = net.shape
    nk = cap.shape[1]
    out = np.zeros((nk, d))
    raised = np.zeros((nk, d))
    tot = np.array(raised_total.T)  # accumulated week by week, as the kernel does
    capk = np.ascontiguousarray(cap.T)
    ratek = np.ascontiguousarray(rate.T)
    debt = [k for k in range(nk) if debt_k[k]]
    cash = cash0.copy()
    equity = equity0.copy()
    left = np.empty(d)
    take = np.empty(d)
    for t in range(w):
        if t > 0 and new_year[t]:
            raised[:] = 0.0
        interest = np.zeros(d)
        for k in debt:
            interest += out[k] * ratek[k]
        interest /= weeks_per_yr
        fl = net[:, t] - interest
        cash += fl
        equity += fl
        short = np.maximum(mn - cash, 0.0)
        for k in range(nk):
            np.subtract(capk[k], raised[k] if per_year[k] else out[k], out=left)
            np.minimum(short, np.maximum(left, 0.0, out=left), out=take)
            out[k] += take
            raised[k] += take
            tot[k] += take
            if full:
                drawn[:, t, k] = take
            short -= take
            cash += take
            if not debt_k[k]:
                equity += take
        surplus = np.maximum(cash - mn, 0.0)
        for j in repay:
            pay = np.minimum(surplus, out[j])
            out[j] -= pay
            surplus -= pay
            cash -= pay
            if full:
                drawn[:, t, j] -= pay
        payout = payout_share * np.minimum(surplus, np.maximum(fl, 0.0))
        cash -= payout
        equity -= payout
        res[0, :, t] = cash
        res[3, :, t] = np.maximum(mn - cash, 0.0)
        if full:
            cost = np.zeros(d)
            for k in range(nk):
                outstanding[:, t, k] = out[k]
                cost += out[k] * ratek[k]
            res[1, :, t] = interest
            res[2, :, t] = payout
            res[4, :, t] = equity
            res[5, :, t] = cost
    raised_total[:] = tot.T
