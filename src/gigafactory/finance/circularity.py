"""How circular is the money: Finn's cycling index, return probabilities, named loops.

The network is the internal entities; money from or to outside (customers, markets, lenders)
enters as boundary inflows ``z`` and leaves as exits.  Ecological network analysis (Finn 1976;
facts/finance.md §1.3):

    T_i = max(z_i + Σ_k F[k, i],  Σ_j F[i, j] + x_i)   throughflow ($B; cash drawn from the
                                                        entity's own stock counts as inflow)
    Q[i, j] = F[i, j] / T_i,    N = (I − Q)⁻¹,
    ρ_i = (N_ii − 1) / N_ii     share of a dollar leaving i that returns to i before exiting,
    FCI = Σ_i ρ_i T_i / Σ_i T_i  fraction of total system throughflow that is cycled.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.typing import NDArray

F = NDArray[np.float64]

#: Keeps I − Q invertible when a loop has no leakage at all (ρ → 1 rather than ∞).
_LEAK = 1e-9


def finn_cycling_index(
    flows: NDArray[np.floating],
    inflow: NDArray[np.floating],
    outflow: NDArray[np.floating] | None = None,
) -> tuple[F, F]:
    """Finn's cycling index and each node's return probability, batched over leading axes.

    Parameters
    ----------
    flows : ``[..., n, n]`` internal flows F[i, j] from i to j, $B (diagonal ignored).
    inflow : ``[..., n]`` boundary inflows z_i from outside the network, $B.
    outflow : ``[..., n]`` boundary exits x_i, $B (default 0).

    Returns
    -------
    (FCI ``[...]``, ρ ``[..., n]``), both dimensionless in [0, 1].
    """
    f = np.asarray(flows, dtype=float).copy()
    n = f.shape[-1]
    f[..., np.arange(n), np.arange(n)] = 0.0
    z = np.asarray(inflow, dtype=float)
    x = np.zeros_like(z) if outflow is None else np.asarray(outflow, dtype=float)
    t = np.maximum(z + f.sum(axis=-2), f.sum(axis=-1) + x)
    q = np.divide(f, t[..., :, None], out=np.zeros_like(f), where=t[..., :, None] > 0)
    nmat = np.linalg.inv(np.eye(n) - (1.0 - _LEAK) * q)
    nii = np.diagonal(nmat, axis1=-2, axis2=-1)
    rho = np.clip((nii - 1.0) / nii, 0.0, 1.0)
    total = t.sum(axis=-1)
    fci = np.divide((rho * t).sum(axis=-1), total, out=np.zeros_like(total), where=total > 0)
    return fci, rho


def money_loops(
    flows: dict[tuple[str, str], float],
    length_bound: int = 4,
    top: int = 10,
    min_flow: float = 1e-6,
) -> list[dict[str, Any]]:
    """Named money loops ranked by their bottleneck (smallest edge) flow.

    Parameters
    ----------
    flows : {(payer, payee): $B} over the internal entities.
    length_bound : longest loop, in edges (:func:`simple_cycles`).
    top : how many loops to return.

    Returns
    -------
    ``[{"loop": "openai → oracle → nvidia → openai", "entities": [...], "min_flow_usd_b": x}]``,
    largest bottleneck first.
    """
    weight = {(a, b): float(v) for (a, b), v in flows.items() if a != b and v > min_flow}
    out: list[dict[str, Any]] = []
    for cyc in simple_cycles(weight, length_bound):
        edges = list(zip(cyc, [*cyc[1:], cyc[0]], strict=True))
        bottleneck = min(weight[e] for e in edges)
        # rotate so the loop starts at its alphabetically first entity: stable names
        i = cyc.index(min(cyc))
        cyc = cyc[i:] + cyc[:i]
        out.append(
            {
                "loop": " → ".join([*cyc, cyc[0]]),
                "entities": cyc,
                "min_flow_usd_b": round(bottleneck, 3),
            }
        )
    out.sort(key=lambda d: (-d["min_flow_usd_b"], d["loop"]))
    return out[:top]


def simple_cycles(edges: Any, length_bound: int) -> Iterator[list[str]]:
    """Every simple cycle of at most ``length_bound`` edges of a directed graph, once each.

    ``edges`` holds ``(a, b)`` pairs.  Each cycle is found from its alphabetically first node
    ``s`` by a depth-first search through nodes after ``s`` only, and is returned starting at
    ``s`` (as ``networkx.simple_cycles(G, length_bound)`` finds them, without loading
    networkx — ~0.3 s of every run's start-up — for graphs of a dozen entities).
    """
    succ: dict[str, list[str]] = {}
    for a, b in edges:
        succ.setdefault(a, []).append(b)
    for s in sorted(succ):
        stack = [[s]]
        while stack:
            path = stack.pop()
            for nxt in sorted(succ.get(path[-1], ())):
                if nxt == s:
                    yield path
                elif nxt > s and nxt not in path and len(path) < length_bound:
                    stack.append([*path, nxt])


def round_trip_share(financing: float, payments_back: float) -> float:
    """Earmarked round-trip share min(1, financing s→c ÷ payments c→s); 0 when nothing flows back."""
    if payments_back <= 0:
        return 0.0
    return float(min(1.0, financing / payments_back))
