"""The ``finance`` section of summary.json and its rich tables."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from rich.table import Table

from ..timegrid import iso_week
from .circularity import money_loops, round_trip_share
from .contracts import BOUNDARY

_FINANCING = ("equity", "warrant_shares", "loan_draw")


def _q(x: xr.DataArray | np.ndarray) -> dict[str, float]:
    a = np.asarray(x, dtype=float)
    a = a[np.isfinite(a)]
    if a.size == 0:
        return {"p5": float("nan"), "p50": float("nan"), "p95": float("nan")}
    p = np.percentile(a, [5, 50, 95])
    return {"p5": round(float(p[0]), 3), "p50": round(float(p[1]), 3), "p95": round(float(p[2]), 3)}


def _by_contract(fin: xr.Dataset) -> dict[str, dict[str, float]]:
    """Committed and contingent $B per distinct contract (each counted once)."""
    out: dict[str, dict[str, float]] = {}
    for c, com, con in zip(
        fin["link_contract"].values,
        fin["committed_usd_b"].values,
        fin["contingent_usd_b"].values,
        strict=True,
    ):
        if com or con:
            row = out.setdefault(str(c), {"committed": 0.0, "contingent": 0.0})
            row["committed"] = round(row["committed"] + float(com), 2)
            row["contingent"] = round(row["contingent"] + float(con), 2)
    return dict(sorted(out.items(), key=lambda kv: -kv[1]["committed"] - kv[1]["contingent"]))


def summarise_finance(fin: xr.Dataset) -> dict[str, Any]:
    """Summarise a finance dataset (from :func:`run_finance`) as plain JSON-able numbers.

    ``funding_gap_usd_b`` / ``runway_weeks`` / ``first_breach`` are for the buyer; the same per
    tracked entity are under ``entities``.  Exposure is each counterparty's p50 exposure to the
    buyer ($B).  Circularity: Finn cycling index (cash; cash + warrant shares), earmarked
    round-trip share and vendor-financing ratios (committed and funded), named loops ranked by
    their smallest flow.
    """
    buyer = str(fin.attrs["buyer"])
    entities = _entities(fin)
    main = entities.get(
        buyer,
        {
            "funding_gap_usd_b": _q(np.array([])),
            "first_breach": None,
            "runway_weeks": _q(np.array([])),
        },
    )
    med = fin["flow_usd_b"].sum("year").median("draw")  # $B over the horizon, per link
    committed = fin["committed_usd_b"].values
    contingent = fin["contingent_usd_b"].values
    rho = fin["return_probability"].median("draw")
    basis = fin["link_basis"].values
    return {
        "buyer": buyer,
        "scope": str(fin.attrs.get("scope", "buyer")),
        "as_of": fin.attrs["as_of"],
        "funding_gap_usd_b": main["funding_gap_usd_b"],
        "first_breach": main["first_breach"],
        "runway_weeks": main["runway_weeks"],
        "entities": entities,
        "exposure_usd_b": _exposure(fin),
        "commitments_usd_b": {
            "committed": round(float(committed.sum()), 2),
            "contingent": round(float(contingent.sum()), 2),
            "by_contract": _by_contract(fin),
            "funded_by_as_of": round(
                float(fin["paid_by_as_of_usd_b"].median("draw")[basis != "operating"].sum()), 2
            ),
        },
        "circularity": {
            "finn_cycling_index": _q(fin["fci_cash"]),
            "finn_cycling_index_with_warrants": _q(fin["fci_cash_and_warrants"]),
            "return_probability": {
                str(k): round(float(v), 4)
                for k, v in zip(rho["party"].values, rho.values, strict=True)
                if v > 0
            },
            "vendor_financing": _vendor_financing(fin, med, buyer),
            "loops": _loops(fin, med),
        },
        "warrants": _warrants(fin),
        "max_weekly_imbalance_usd_b": float(fin.attrs.get("max_weekly_imbalance_usd_b", 0.0)),
    }


def _entities(fin: xr.Dataset) -> dict[str, Any]:
    """Per tracked entity: funding gap, P(breach), median first breach (ISO week), runway."""
    weeks = pd.DatetimeIndex(fin["week"].values)

    def breach_label(col: xr.DataArray) -> str | None:
        b = np.asarray(col)
        # the median over draws, with "never" ranked last
        key = np.where(b < 0, np.iinfo(np.int32).max, b)
        med = int(np.sort(key)[(len(key) - 1) // 2])
        return None if med == np.iinfo(np.int32).max else iso_week(weeks[med].date())

    entities: dict[str, Any] = {}
    for e in fin["entity"].values:
        sel = fin.sel(entity=e)
        entities[str(e)] = {
            "funding_gap_usd_b": _q(sel["funding_gap_usd_b"]),
            "p_breach": round(float((sel["first_breach_week"] >= 0).mean()), 3),
            "first_breach": breach_label(sel["first_breach_week"]),
            "runway_weeks": _q(sel["runway_weeks"]),
        }
    return entities


def _exposure(fin: xr.Dataset) -> dict[str, float]:
    """Each counterparty's median exposure to the buyer ($B), largest first; a counterparty
    at 0 is kept (a deal resized to nothing shows as 0, so two runs compare key by key)."""
    expo = fin["exposure_usd_b"].median("draw")
    exposure = {
        str(k): round(float(v), 2)
        for k, v in zip(expo["counterparty"].values, expo.values, strict=True)
    }
    return dict(sorted(exposure.items(), key=lambda kv: -kv[1]))


def _loops(fin: xr.Dataset, med: xr.DataArray) -> list[Any]:
    """Named money loops over the median payer → payee flows inside the deal web."""
    payer, payee = fin["link_payer"].values, fin["link_payee"].values
    kind = fin["link_kind"].values
    flows: dict[tuple[str, str], float] = {}
    for i in range(fin.sizes["link"]):
        if kind[i] in ("cash", "warrant") and payer[i] not in BOUNDARY and payee[i] not in BOUNDARY:
            flows[(str(payer[i]), str(payee[i]))] = flows.get(
                (str(payer[i]), str(payee[i])), 0.0
            ) + float(med[i])
    return money_loops(flows, int(fin.attrs.get("loop_length", 4)))


def _vendor_financing(fin: xr.Dataset, med: xr.DataArray, buyer: str) -> dict[str, Any]:
    """Per vendor: hardware sales to the web, financing it extends to the buyer (committed,
    contingent, funded) and the ratios financing ÷ sales."""
    payer, payee = fin["link_payer"].values, fin["link_payee"].values
    flow = fin["link_flow"].values
    committed = fin["committed_usd_b"].values
    contingent = fin["contingent_usd_b"].values
    vendors = sorted({str(payee[i]) for i in range(len(flow)) if flow[i] == "hardware"} - BOUNDARY)
    vfr: dict[str, Any] = {}
    for v in vendors:
        sales = float(
            sum(med[i] for i in range(len(flow)) if flow[i] == "hardware" and payee[i] == v)
        )
        fin_idx = [
            i
            for i in range(len(flow))
            if payer[i] == v and payee[i] == buyer and flow[i] in _FINANCING
        ]
        if sales <= 0 and not fin_idx:
            continue
        funded = float(sum(med[i] for i in fin_idx))
        comm = float(sum(committed[i] for i in fin_idx))
        cont = float(sum(contingent[i] for i in fin_idx))
        vfr[v] = {
            "hardware_sales_usd_b": round(sales, 2),
            "financing_committed_usd_b": round(comm, 2),
            "financing_contingent_usd_b": round(cont, 2),
            "financing_funded_usd_b": round(funded, 2),
            "ratio_committed": round(comm / sales, 3) if sales > 0 else None,
            "ratio_funded": round(funded / sales, 3) if sales > 0 else None,
            "round_trip_share": round(round_trip_share(funded, sales), 3),
        }
    return vfr


def _warrants(fin: xr.Dataset) -> dict[str, Any]:
    """Per warrant deal: closed-form and economic value, tranches vested, P(full vesting)."""
    warrants: dict[str, Any] = {}
    for did, meta in json.loads(fin.attrs.get("warrants", "{}")).items():
        vest = fin[f"warrant_vest_week__{did}"]
        warrants[did] = {
            "closed_form_price_only_usd_b": round(meta["closed_form_usd_b"], 3),
            "economic_value_usd_b": _q(fin[f"warrant_value_usd_b__{did}"]),
            "economic_value_mean_usd_b": round(float(fin[f"warrant_value_usd_b__{did}"].mean()), 3),
            "tranches_vested": _q((vest >= 0).sum(str(vest.dims[1]))),
            "p_full_vesting": round(float((vest >= 0).all(str(vest.dims[1])).mean()), 3),
            "full_at_final_hurdle_usd_b": meta["full_at_final_hurdle_usd_b"],
            "hurdles_usd": [round(h, 2) for h in meta["hurdles"]],
            "gw_milestones": meta["gw_milestones"],
        }
    return warrants


def finance_tables(section: dict[str, Any], wide: bool = False) -> list[Table]:
    """Rich tables for the CLI summary: funding by entity, exposure, circularity, warrants.

    Laid out by :func:`gigafactory.tables.fit_table` (ids whole at 80 columns, ``--wide`` for
    all) with one number format per unit (:func:`gigafactory.labels.fmt`).
    """
    from ..labels import fmt
    from ..tables import Col, fit_table

    usd = lambda x: fmt(x, "$B")  # noqa: E731
    # cash falling below its floor from the deal web's flows, *before* the financing channels
    # (bonds, loans, equity) cover it — not a default: P(unfunded) is in the buyer's headline;
    # in industry scope the buyer pays only its signed contracts (no demand-driven orders)
    scope = ", contracts only" if section.get("scope") == "industry" else ""
    t1 = fit_table(
        f"Funding need before financing ({section['buyer']} as buyer{scope}, "
        f"as of {section['as_of']})",
        [
            Col("entity", "id"),
            Col("gap p5 $B", "id", right=True, drop=2),
            Col("gap p50 $B", "id", right=True),
            Col("gap p95 $B", "id", right=True, drop=1),
            Col("P(short)", "id", right=True),
            Col("first shortfall p50", "id"),
            Col("runway p50 weeks", "id", right=True, drop=3),
        ],
        [
            [
                e,
                usd(v["funding_gap_usd_b"]["p5"]),
                usd(v["funding_gap_usd_b"]["p50"]),
                usd(v["funding_gap_usd_b"]["p95"]),
                fmt(v["p_breach"], "%"),
                v["first_breach"] or "never",
                fmt(v["runway_weeks"]["p50"], "weeks"),
            ]
            for e, v in section["entities"].items()
        ],
        wide=wide,
    )
    net, el = section.get("exposure_net_usd_b", {}), section.get("expected_loss_usd_b", {})
    cols = [Col("counterparty", "id"), Col("gross $B", "id", right=True)]
    if net:
        cols += [Col("net $B", "id", right=True), Col("expected loss $B", "id", right=True)]
    t2 = fit_table(
        f"Exposure to {section['buyer']} (p50; expected loss: mean)",
        cols,
        [
            [k, usd(v), *([usd(net.get(k, 0.0)), usd(el.get(k, 0.0))] if net else [])]
            for k, v in list(section["exposure_usd_b"].items())[:10]
        ],
        wide=wide,
    )
    circ = section["circularity"]
    fci = circ["finn_cycling_index"]
    rows = [
        [
            "Finn cycling index (cash) p50 [p5–p95]",
            f"{fci['p50']:.3f} [{fci['p5']:.3f}–{fci['p95']:.3f}]",
        ]
    ]
    rows += [
        [
            f"{v}: vendor financing committed / funded",
            f"{_fmt(r['ratio_committed'])} / {_fmt(r['ratio_funded'])}",
        ]
        for v, r in circ["vendor_financing"].items()
    ]
    rows += [[f"loop {lp['loop']}", f"{usd(lp['min_flow_usd_b'])} $B"] for lp in circ["loops"][:5]]
    t3 = fit_table(
        "Circularity", [Col("measure", "text"), Col("value", "id", right=True)], rows, wide=wide
    )
    t4 = fit_table(
        "Warrants",
        [
            Col("deal", "id"),
            Col("closed form $B", "id", right=True, drop=2),
            Col("economic p50 $B", "id", right=True),
            Col("p5–p95 $B", "id", right=True, drop=1),
            Col("P(full vest)", "id", right=True),
            Col("full @ final hurdle $B", "id", right=True, drop=3),
        ],
        [
            [
                did,
                usd(w["closed_form_price_only_usd_b"]),
                usd(w["economic_value_usd_b"]["p50"]),
                f"{usd(w['economic_value_usd_b']['p5'])}–{usd(w['economic_value_usd_b']['p95'])}",
                fmt(w["p_full_vesting"], "%"),
                usd(w["full_at_final_hurdle_usd_b"]),
            ]
            for did, w in section["warrants"].items()
        ],
        wide=wide,
    )
    return [t1, t2, t3, t4]


def _fmt(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}"
