"""Commitments are counted once per contract (a hand-built deal web)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from gigafactory.catalog.schema import Deal
from gigafactory.finance.contracts import Link
from gigafactory.finance.dataset import committed_by_link

SRC = "https://example.com/deal"


def _deal(kind: str, payer: str, payee: str, usd_b: float, **extra: Any) -> Deal:
    fact = {"unit": "$B", "as_of": "2025-09-10", "source": SRC, "conf": "A"}
    return Deal.model_validate(
        {
            "name": f"{payer}-{payee}",
            "kind": kind,
            "payer": payer,
            "payee": payee,
            "usd_b": {"value": usd_b, **fact},
            "status_history": [{"status": "definitive", "date": "2025-09-10", "source": SRC}],
            **extra,
        }
    )


def test_each_contract_counts_once() -> None:
    """A $300B cloud contract drives four links (fee, the cloud's hardware, facility capex,
    energy); a $90B hardware purchase one; a $10B non-binding one is contingent.
    By hand: committed = 300 + 90 = 390, contingent = 10."""
    deals = {
        "cloud": (_deal("cloud_capacity", "lab", "cloud", 300.0), True),
        "chips": (_deal("hardware_purchase", "lab", "amd", 90.0), True),
        "maybe": (_deal("hardware_purchase", "lab", "bcom", 10.0), False),
    }
    links = [
        Link("cloud", "nvidia", "cash", "hardware", "cloud", "operating"),
        Link("lab", "cloud", "cash", "capacity_fee", "cloud", "committed"),
        Link("cloud", "external", "cash", "facility_capex", "cloud", "operating"),
        Link("cloud", "external", "cash", "energy", "cloud", "operating"),
        Link("lab", "amd", "cash", "hardware", "chips", "committed"),
        Link("lab", "bcom", "cash", "hardware", "maybe", "contingent"),
        Link("external", "lab", "cash", "revenue", "revenue", "operating"),
    ]
    out = committed_by_link(SimpleNamespace(deals=deals), links)  # type: ignore[arg-type]
    assert out[:, 0].sum() == 390.0
    assert out[:, 1].sum() == 10.0
    # the face value sits on the lab → cloud fee, not on the cloud's own spending
    assert out[1, 0] == 300.0 and np.count_nonzero(out[:4, 0]) == 1
