"""Eisenberg–Noe clearing: hand-computed networks, the fixed point, draws independent."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from gigafactory.finance.contagion import clear

TOL = 1e-7


def test_two_banks_cascade() -> None:
    """A owes B 10 and has 4; B owes 9 outside and has 3.  A pays 4, so B has 3 + 4 = 7 < 9:
    p = (4, 7), both default, and B's creditors-in-network loss is A's shortfall, 6."""
    c = clear(np.array([[0.0, 10.0], [0.0, 0.0]]), np.array([4.0, 3.0]), np.array([0.0, 9.0]))
    np.testing.assert_allclose(c.payments_usd_b[0], [4.0, 7.0], atol=TOL)
    assert c.defaulted[0].tolist() == [True, True]
    np.testing.assert_allclose(c.loss_usd_b[0], [0.0, 6.0], atol=TOL)


def test_three_bank_ring() -> None:
    """The ring of paolobarucca/eisenbergnoe Exercise2.m (interbank [[0,4,0],[0,0,3],[2,0,0]],
    external assets [20,20,10] cut 10 %, external liabilities [17,18,8]).  By hand: p̄ = (21, 21,
    10); bank 1 has 18 + (2/10)·10 = 20 < 21, bank 2 has 18 + (4/21)·20 ≥ 21, bank 3 has
    9 + (3/21)·21 = 12 ≥ 10, so p = (20, 21, 10) and only bank 1 defaults."""
    lia = np.array([[0, 4, 0], [0, 0, 3], [2, 0, 0]], dtype=float)
    e = 0.9 * np.array([20.0, 20.0, 10.0])
    c = clear(lia, e, np.array([17.0, 18.0, 8.0]))
    np.testing.assert_allclose(c.payments_usd_b[0], [20.0, 21.0, 10.0], atol=TOL)
    assert c.defaulted[0].tolist() == [True, False, False]
    np.testing.assert_allclose(c.loss_usd_b[0], [0.0, 4.0 / 21.0, 0.0], atol=TOL)


def test_netting_cycle_pays_in_full() -> None:
    """Two banks owing each other 10 with 1 of outside assets: the greatest clearing vector
    pays in full (the Picard iteration starts at p̄ and Φ(p̄) = p̄)."""
    c = clear(np.array([[0.0, 10.0], [10.0, 0.0]]), np.array([1.0, 0.0]))
    np.testing.assert_allclose(c.payments_usd_b[0], [10.0, 10.0], atol=TOL)
    assert not c.defaulted.any()


net = arrays(np.float64, (3, 4, 4), elements=st.floats(0, 50))
assets = arrays(np.float64, (3, 4), elements=st.floats(0, 50))


@settings(max_examples=60, deadline=None)
@given(net, assets, assets)
def test_clearing_is_a_bounded_fixed_point_per_draw(lia, e, x) -> None:  # type: ignore[no-untyped-def]
    """0 ≤ p ≤ p̄, p = Φ(p), and each draw clears as if it were alone."""
    lia = lia * (1 - np.eye(4))
    c = clear(lia, e, x)
    p, owed = c.payments_usd_b, c.owed_usd_b
    assert (p >= -TOL).all() and (p <= owed + TOL).all()
    pi = np.divide(lia, owed[:, :, None], out=np.zeros_like(lia), where=owed[:, :, None] > 0)
    phi = np.minimum(owed, np.maximum(0, e + np.einsum("dji,dj->di", pi, p)))
    np.testing.assert_allclose(p, phi, atol=1e-6)
    for k in range(3):
        np.testing.assert_allclose(clear(lia[k], e[k], x[k]).payments_usd_b[0], p[k], atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(net, assets, assets, st.floats(0, 20))
def test_more_outside_assets_never_pay_less(lia, e, x, extra) -> None:  # type: ignore[no-untyped-def]
    """Φ is monotone in e, so the greatest clearing vector is too."""
    lia = lia * (1 - np.eye(4))
    lo, hi = clear(lia, e, x), clear(lia, e + extra, x)
    assert (hi.payments_usd_b >= lo.payments_usd_b - 1e-6).all()
