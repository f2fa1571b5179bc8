"""Counterparty exposure to the buyer: gross, net of collateral and re-lettable capacity, and
expected loss (PD × LGD × exposure), per draw.

For a counterparty ``c`` of the buyer in draw ``d`` (all $B, as of the scenario's ``as_of``):

    gross      G = unpaid committed contracts U + equity invested E      (finance dataset)
    re-let     R = s_d · U_relet        U_relet: the part of U owed for capacity (cloud
                                        contracts, hardware purchases) the seller can re-let or
                                        resell; s = external ``relet_share`` (sourced)
    claim      C = max(G − E − R − K, 0) K: collateral held (deal term ``collateral_usd_b``)
    net        N = C + E
    loss       L_d = 1[buyer defaults in d] · (LGD_d · C + 1 · E)
    expected   EL = mean_d L_d

``LGD`` is the external ``unsecured_lgd`` (sourced: vendor loans uncollected after the 2000–03
telecom defaults); equity is junior to every claim and loses all of it (LGD 1).  The mean over
draws of the loss is PD × LGD × exposure with the three drawn together (a draw where the buyer
defaults is one where exposure is large), not the product of their separate averages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from ..catalog.schema import Catalog
from ..scenario.sampling import fact_draws

EXT = "companies.external.facts."


def _fact_draws(
    cat: Catalog, key: str, rng: np.random.Generator, n: int, drawn: Mapping[str, np.ndarray] | None
) -> np.ndarray:
    """The compiled draws of ``external.<key>`` (else drawn here; 0 when the catalog lacks it)."""
    f = cat.companies["external"].facts.get(key) if "external" in cat.companies else None
    if f is None:  # compiled draws are of the catalog's facts: none of a fact it lacks
        return np.zeros(n)
    return fact_draws(f, rng, n, EXT + key, drawn)


def net_exposure(
    gross: np.ndarray,
    relettable: np.ndarray,
    equity: np.ndarray,
    collateral: np.ndarray,
    relet_share: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(claim C, net N) ``[d, c]`` from gross, re-lettable and equity ``[d, c]``, collateral
    ``[c]`` and the re-let share ``[d]`` (module docstring)."""
    claim = np.maximum(
        gross - equity - relet_share[:, None] * relettable - collateral[None, :], 0.0
    )
    return claim, claim + equity


def credit_exposure(
    fin: xr.Dataset,
    cat: Catalog,
    buyer_defaults: np.ndarray,
    rng: np.random.Generator,
    drawn: Mapping[str, np.ndarray] | None = None,
) -> dict[str, Any]:
    """summary.json ``exposure_net_usd_b`` ({counterparty: p50}), ``expected_loss_usd_b``
    ({counterparty: mean loss}) and ``credit`` (the buyer's PD and the p50 re-let share and LGD).

    ``buyer_defaults`` ``[d]`` (bool): the buyer defaults by the horizon in each draw.
    """
    if "exposure_relettable_usd_b" not in fin.data_vars:
        return {}
    cps = [str(c) for c in fin["counterparty"].values]
    gross = fin["exposure_usd_b"].transpose("draw", "counterparty").values.astype(float)
    relet = fin["exposure_relettable_usd_b"].transpose("draw", "counterparty").values
    equity = fin["exposure_equity_usd_b"].transpose("draw", "counterparty").values
    coll = fin["collateral_usd_b"].values.astype(float)
    n = gross.shape[0]
    s = np.clip(_fact_draws(cat, "relet_share", rng, n, drawn), 0.0, 1.0)
    lgd = np.clip(_fact_draws(cat, "unsecured_lgd", rng, n, drawn), 0.0, 1.0)
    claim, net = net_exposure(gross, relet.astype(float), equity.astype(float), coll, s)
    hit = np.asarray(buyer_defaults, dtype=float)[:, None]
    loss = hit * (lgd[:, None] * claim + equity)
    order = np.argsort(-np.median(gross, axis=0), kind="stable")
    return {
        "exposure_net_usd_b": {cps[i]: round(float(np.median(net[:, i])), 2) for i in order},
        "expected_loss_usd_b": {cps[i]: round(float(loss[:, i].mean()), 2) for i in order},
        "credit": {
            "buyer_pd": round(float(hit.mean()), 4),
            "relet_share": round(float(np.median(s)), 3),
            "unsecured_lgd": round(float(np.median(lgd)), 3),
        },
    }
