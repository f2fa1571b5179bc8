"""Financing channels: a hand-computed stack, per-year limits, the balance-sheet identity."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from gigafactory.finance.channels import Channel, fund

TOL = 1e-9


def _ch(name: str, cap: float, rate: float, per_year: bool = False) -> Channel:
    return Channel(name, np.array([cap]), np.array([rate]), per_year)


def _stack(equity_cap: float) -> list[Channel]:
    return [
        _ch("revolver", 5.0, 5.2),
        _ch("ig_bond", 4.0, 10.4, per_year=True),
        _ch("equity", equity_cap, 20.0, per_year=True),
    ]


def test_stack_funds_a_known_spend() -> None:
    """Cash 10, minimum 2, net −20, −5, +30.  Week 0: short 12 = revolver 5 + bond 4 + equity 3.
    Week 1: interest 5·5.2 %/52 + 4·10.4 %/52 = 0.013; short 5.013, all from equity.  Week 2:
    cash 2 + 30 − 0.013 = 31.987; surplus repays the bond (dearest) then the revolver, 9 in all;
    half of the remaining 20.987 is paid out: cash ends 12.4935."""
    f = fund(
        np.array([[-20.0, -5.0, 30.0]]),
        np.array([10.0]),
        np.array([2.0]),
        _stack(100.0),
        np.array([2027, 2027, 2027]),
        payout_share=0.5,
    )
    np.testing.assert_allclose(f.drawn_usd_b[0, 0], [5.0, 4.0, 3.0], atol=TOL)
    np.testing.assert_allclose(f.drawn_usd_b[0, 1], [0.0, 0.0, 5.013], atol=TOL)
    np.testing.assert_allclose(f.drawn_usd_b[0, 2], [-5.0, -4.0, 0.0], atol=TOL)
    np.testing.assert_allclose(f.interest_usd_b[0], [0.0, 0.013, 0.013], atol=TOL)
    np.testing.assert_allclose(f.payouts_usd_b[0], [0.0, 0.0, 10.4935], atol=TOL)
    np.testing.assert_allclose(f.cash_usd_b[0], [2.0, 2.0, 12.4935], atol=TOL)
    assert f.unfunded_usd_b.max() == 0.0 and f.first_unfunded_week[0] == -1


def test_surplus_repays_the_dearest_debt_first() -> None:
    """Revolver 5 at 5.2 %, bond 4 at 10.4 %; net −9 then +3: week 1 keeps 3 − 0.013 of interest
    and repays 2.987 of the bond, none of the revolver."""
    f = fund(
        np.array([[-9.0, 3.0]]), np.zeros(1), np.zeros(1), _stack(0.0)[:2], np.array([2027, 2027])
    )
    np.testing.assert_allclose(f.outstanding_usd_b[0, 1], [5.0, 1.013], atol=TOL)


def test_what_no_channel_covers_is_unfunded() -> None:
    """Equity capped at 6 a year: week 1 gets the last 3 and 2.013 stays unfunded."""
    f = fund(
        np.array([[-20.0, -5.0, 30.0]]),
        np.array([10.0]),
        np.array([2.0]),
        _stack(6.0),
        np.array([2027, 2027, 2027]),
    )
    np.testing.assert_allclose(f.unfunded_usd_b[0], [0.0, 2.013, 0.0], atol=TOL)
    assert f.first_unfunded_week[0] == 1


def test_per_year_limits_renew_with_the_year() -> None:
    """A bond capped at 4 a year funds 4 in each of two years; a revolver capped at 4 only once."""
    net, yrs = np.array([[-4.0, -4.0]]), np.array([2027, 2028])
    bond = fund(net, np.zeros(1), np.zeros(1), [_ch("ig_bond", 4.0, 0.0, per_year=True)], yrs)
    rev = fund(net, np.zeros(1), np.zeros(1), [_ch("revolver", 4.0, 0.0)], yrs)
    np.testing.assert_allclose(bond.unfunded_usd_b[0], [0.0, 0.0], atol=TOL)
    np.testing.assert_allclose(rev.unfunded_usd_b[0], [0.0, 4.0], atol=TOL)


def test_channels_out_of_order_are_refused() -> None:
    with pytest.raises(ValueError, match="order"):
        fund(
            np.zeros((1, 1)),
            np.zeros(1),
            np.zeros(1),
            [_ch("equity", 1, 0), _ch("revolver", 1, 0)],
            np.array([2027]),
        )


D, W = 4, 30
nets = arrays(np.float64, (D, W), elements=st.floats(-20, 20))
caps = arrays(np.float64, (D,), elements=st.floats(0, 50))


def _random_stack(rc: np.ndarray, bc: np.ndarray, ec: np.ndarray) -> list[Channel]:
    return [
        Channel("revolver", rc, np.full(D, 6.0)),
        Channel("hy_bond", bc, np.full(D, 11.0), per_year=True),
        Channel("equity", ec, np.full(D, 20.0), per_year=True),
    ]


YEARS = np.repeat([2027, 2028], W // 2)


@settings(max_examples=60, deadline=None)
@given(nets, caps, caps, caps, st.floats(0, 1))
def test_balance_sheet_identity_every_week_and_draw(net, rc, bc, ec, share) -> None:  # type: ignore[no-untyped-def]
    """assets = liabilities + equity for every week and draw, with opening debt and assets."""
    f = fund(
        net,
        np.full(D, 5.0),
        np.full(D, 1.0),
        _random_stack(rc, bc, ec),
        YEARS,
        payout_share=share,
        debt0_usd_b=np.full(D, 30.0),
        other_assets0_usd_b=np.full(D, 50.0),
    )
    assert np.abs(f.identity_gap).max() < 1e-9
    assert (f.unfunded_usd_b >= 0).all() and (f.outstanding_usd_b >= -1e-12).all()


@settings(max_examples=60, deadline=None)
@given(nets, caps, caps, caps, st.floats(0, 30))
def test_more_equity_capacity_never_leaves_more_unfunded(net, rc, bc, ec, extra) -> None:  # type: ignore[no-untyped-def]
    lo = fund(net, np.full(D, 5.0), np.full(D, 1.0), _random_stack(rc, bc, ec), YEARS)
    hi = fund(net, np.full(D, 5.0), np.full(D, 1.0), _random_stack(rc, bc, ec + extra), YEARS)
    assert (hi.unfunded_usd_b <= lo.unfunded_usd_b + 1e-9).all()


@settings(max_examples=30, deadline=None)
@given(nets)
def test_no_channel_fast_path_equals_the_weekly_loop(net) -> None:  # type: ignore[no-untyped-def]
    """Without channels the cumulative-sum path must match the loop with a zero-capacity one."""
    fast = fund(net, np.full(D, 5.0), np.full(D, 1.0), [], YEARS)
    slow = fund(
        net, np.full(D, 5.0), np.full(D, 1.0), [Channel("equity", np.zeros(D), np.zeros(D))], YEARS
    )
    np.testing.assert_allclose(fast.cash_usd_b, slow.cash_usd_b, atol=1e-9)
    np.testing.assert_allclose(fast.unfunded_usd_b, slow.unfunded_usd_b, atol=1e-9)
    assert np.abs(fast.identity_gap).max() < 1e-9


def test_the_lean_path_equals_the_full_ledger() -> None:
    """``fund_path`` (what the summary reads) is the same loop as ``fund``: the same cash,
    unfunded shortfall and gross raised (the positive weekly draws)."""
    from gigafactory.finance.channels import fund_path

    rng = np.random.default_rng(4)
    d, w = 40, 160
    net = rng.normal(-0.5, 2.0, (d, w))
    years = np.repeat(np.arange(2025, 2025 + w // 52 + 1), 52)[:w]
    stack = [
        Channel("revolver", rng.uniform(0, 10, d), rng.uniform(3, 8, d)),
        Channel("ig_bond", rng.uniform(0, 20, d), rng.uniform(4, 7, d), per_year=True),
        Channel("equity", rng.uniform(0, 30, d), np.full(d, 20.0), per_year=True),
    ]
    args = (net, rng.uniform(0, 5, d), np.full(d, 1.0), stack, years, 0.3)
    full, lean = fund(*args, debt0_usd_b=2.0), fund_path(*args, debt0_usd_b=2.0)
    np.testing.assert_array_equal(lean.cash_usd_b, full.cash_usd_b)
    np.testing.assert_array_equal(lean.unfunded_usd_b, full.unfunded_usd_b)
    np.testing.assert_array_equal(lean.first_unfunded_week, full.first_unfunded_week)
    np.testing.assert_allclose(
        lean.raised_usd_b, np.maximum(full.drawn_usd_b, 0.0).sum(axis=1), atol=1e-9
    )
    assert lean.raised_usd_b.sum() > 0 and (lean.first_unfunded_week >= 0).any()
