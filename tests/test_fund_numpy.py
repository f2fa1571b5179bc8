"""The NumPy funding loop (finance/fund_numpy.py) is the compiled kernel's twin, bit for bit."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pytest

from gigafactory.finance import channels
from gigafactory.finance.channels import Channel, fund, fund_path


def _case(seed: int, d: int = 60, w: int = 160) -> tuple[Any, ...]:
    rng = np.random.default_rng(seed)
    net = rng.normal(-0.5, 2.5, (d, w))
    years = np.repeat(np.arange(2025, 2025 + w // 52 + 1), 52)[:w]
    stack = [
        Channel("revolver", rng.uniform(0, 6, d), rng.uniform(3, 8, d)),
        Channel("ig_bond", rng.uniform(0, 10, d), rng.uniform(4, 7, d), per_year=True),
        Channel("project_finance", rng.uniform(0, 8, d), rng.uniform(5, 9, d)),
        Channel("vendor", rng.uniform(0, 5, d), rng.uniform(6, 12, d)),
        Channel("equity", rng.uniform(0, 15, d), np.full(d, 20.0), per_year=True),
    ]
    args = (net, rng.uniform(0, 5, d), rng.uniform(0.5, 2, d), stack, years, 0.3 * (seed % 2))
    return args


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_numpy_loop_equals_the_compiled_kernel(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every output of ``fund`` and ``fund_path`` is the same array with either loop."""
    net, cash0, mn, stack, years, share = _case(seed)

    def both() -> tuple[Any, Any]:
        full = fund(net, cash0, mn, stack, years, share, debt0_usd_b=2.0, other_assets0_usd_b=7.0)
        return full, fund_path(net, cash0, mn, stack, years, share, debt0_usd_b=2.0)

    monkeypatch.setattr(channels, "use_kernel", lambda d: True)
    k_full, k_lean = both()
    monkeypatch.setattr(channels, "use_kernel", lambda d: False)
    n_full, n_lean = both()
    for name in (
        "cash_usd_b",
        "drawn_usd_b",
        "outstanding_usd_b",
        "interest_usd_b",
        "payouts_usd_b",
        "unfunded_usd_b",
        "equity_usd_b",
        "cost_usd_b_per_yr",
    ):
        np.testing.assert_array_equal(getattr(n_full, name), getattr(k_full, name), err_msg=name)
    for name in ("cash_usd_b", "unfunded_usd_b", "raised_usd_b"):
        np.testing.assert_array_equal(getattr(n_lean, name), getattr(k_lean, name), err_msg=name)
    # the case exercises every branch: shortfalls funded and not, repayments, payouts
    assert (k_full.drawn_usd_b > 0).any() and (k_full.drawn_usd_b < 0).any()
    assert (k_full.unfunded_usd_b > 0).any() and (k_full.unfunded_usd_b == 0).any()
    assert (k_full.payouts_usd_b > 0).any() == bool(seed % 2)


def test_use_kernel_from_the_threshold_or_once_numba_is_loaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Small runs that have not loaded numba fund with NumPy; large ones, or any run that has
    loaded numba, with the compiled kernel."""
    monkeypatch.delitem(sys.modules, "numba", raising=False)
    assert not channels.use_kernel(channels.KERNEL_FROM_DRAWS - 1)
    assert channels.use_kernel(channels.KERNEL_FROM_DRAWS)
    monkeypatch.setitem(sys.modules, "numba", sys)  # any module object: "loaded"
    assert channels.use_kernel(1)
