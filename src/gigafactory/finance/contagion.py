"""Default contagion: Eisenberg–Noe clearing over the exposure network, vectorised over draws.

Eisenberg, L. & Noe, T. H. (2001), "Systemic risk in financial systems", Management Science
47(2), 236–249.  Each entity ``i`` owes ``L[i, j]`` to entity ``j`` and ``x_i`` to the outside
world; it holds outside assets ``e_i`` (cash, funding it can still raise).  Its total obligation
is ``p̄_i = Σ_j L[i, j] + x_i`` and it pays every creditor pro rata, with relative liabilities
``Π[i, j] = L[i, j] / p̄_i``.  A clearing vector is a fixed point of

    Φ(p)_i = min(p̄_i, max(0, e_i + Σ_j Π[j, i] p_j)),

and the greatest one (the one reported) is the limit of the Picard iteration ``p ← Φ(p)``
started at ``p = p̄``: Φ is monotone, so the iterates fall to it (Eisenberg–Noe, Thm 1; their
"fictitious default" argument bounds the number of *new* defaults by the number of entities).
All arrays carry a leading draw axis; the iteration runs until no draw moves by more than
``tol`` $B.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]

#: $B: iterates closer than this are the fixed point (a thousandth of a million dollars).
CLEAR_TOL = 1e-9


@dataclass(frozen=True)
class Clearing:
    """The cleared network, per draw.

    Attributes
    ----------
    payments_usd_b : [d, n] clearing vector p (what each entity pays in all, $B).
    owed_usd_b : [d, n] total obligation p̄ ($B).
    defaulted : [d, n] bool, p_i < p̄_i (by more than the tolerance).
    loss_usd_b : [d, n] what each entity's creditors *inside* the network fail to receive from
        it is booked on them: ``loss[:, j] = Σ_i Π[i, j] (p̄_i − p_i)`` ($B).
    iterations : Picard steps taken (the largest over draws).
    """

    payments_usd_b: F64
    owed_usd_b: F64
    defaulted: NDArray[np.bool_]
    loss_usd_b: F64
    iterations: int


def clear(
    liabilities_usd_b: F64,
    outside_assets_usd_b: F64,
    outside_liabilities_usd_b: F64 | None = None,
    tol: float = CLEAR_TOL,
    max_iter: int = 10_000,
) -> Clearing:
    """The greatest Eisenberg–Noe clearing vector of every draw.

    Parameters
    ----------
    liabilities_usd_b : [d, n, n] or [n, n]; ``L[i, j]`` is what i owes j ($B, ≥ 0, zero diagonal).
    outside_assets_usd_b : [d, n] or [n]; e, what each entity has from outside the network ($B).
    outside_liabilities_usd_b : [d, n] or [n]; x, what each owes outside the network ($B; 0 if None).
    tol : $B; the iteration stops when no payment moves by more than this.
    max_iter : a guard; Picard converges long before on the networks here.

    Returns
    -------
    Clearing (see the class).
    """
    lia = np.asarray(liabilities_usd_b, dtype=np.float64)
    lia = lia[None] if lia.ndim == 2 else lia
    d, n = lia.shape[0], lia.shape[1]
    e = np.broadcast_to(np.asarray(outside_assets_usd_b, dtype=np.float64), (d, n))
    x = (
        np.zeros((d, n))
        if outside_liabilities_usd_b is None
        else np.broadcast_to(np.asarray(outside_liabilities_usd_b, dtype=np.float64), (d, n))
    )
    if (lia < 0).any() or (x < 0).any():
        raise ValueError("liabilities must be ≥ 0")
    owed = lia.sum(axis=2) + x
    pi = np.divide(lia, owed[:, :, None], out=np.zeros_like(lia), where=owed[:, :, None] > 0)
    p = owed.copy()
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 (the count is reported)
        inflow = np.einsum("dji,dj->di", pi, p)  # Σ_j Π[j, i] p_j
        nxt = np.minimum(owed, np.maximum(0.0, e + inflow))
        moved = float(np.abs(nxt - p).max()) if p.size else 0.0
        p = nxt
        if moved <= tol:
            break
    short = owed - p
    return Clearing(
        payments_usd_b=p,
        owed_usd_b=owed,
        defaulted=short > max(tol * 10, 1e-9) * np.maximum(1.0, owed),
        loss_usd_b=np.einsum("dij,di->dj", pi, short),
        iterations=it,
    )
