"""Reduce result datasets to the small, long tables that the store keeps and the report draws.

A physical dataset of 1,000 draws × 574 weeks is ~50 MB in memory; what users compare and
plot is its quantiles.  These pure functions turn datasets into tidy ``pandas`` frames:

* ``quantile_series``: ``source, variable, key, week, p5, p50, p95, mean`` per week;
* ``binding_shares``: share of draws in which each tier bound, per week;
* ``phase_table``: planned vs simulated energisation week of each named site phase;
* ``money_flows``: payer → payee amounts from a finance dataset, when it has them;
* ``flatten_metrics``: every leaf of ``summary.json`` as a dotted key.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ..supply.engine import HEADLINE as ENGINE_HEADLINE

#: Physical variables kept as quantile series (dims ``draw, week``): the engine's headline.
HEADLINE: tuple[str, ...] = ENGINE_HEADLINE

#: Quantiles kept per week: the 90 % band and the median.
QUANTILES: tuple[float, float, float] = (0.05, 0.5, 0.95)

SERIES_COLUMNS = ["source", "variable", "key", "week", "p5", "p50", "p95", "mean"]
DIST_COLUMNS = ["source", "variable", "key", "p5", "p50", "p95", "mean"]
BINDING_COLUMNS = ["week", "tier", "share"]
PHASE_COLUMNS = ["phase", "planned", "p5", "p50", "p95", "share_powered"]
FLOW_COLUMNS = ["payer", "payee", "kind", "usd_b"]
BOTTLENECK_COLUMNS = ["constraint", "period", "shadow_price", "unit"]


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def quantile_series(
    ds: xr.Dataset, *, source: str, variables: Iterable[str] | None = None
) -> pd.DataFrame:
    """Per-week p5/p50/p95 and mean over draws of every ``(draw, week[, key])`` variable.

    Parameters
    ----------
    ds : xr.Dataset
        Results with a ``week`` dimension and, for Monte Carlo results, a ``draw`` dimension.
        Variables without ``draw`` (a deterministic plan schedule) give p5 = p50 = p95.
    source : str
        Label of the dataset (``physical``, ``finance``, ``plan``), kept in the ``source`` column.
    variables : iterable of str, optional
        Variables to keep; default every variable whose dims are ``week`` plus at most ``draw``
        and one other dimension (whose labels become the ``key`` column).

    Returns
    -------
    pd.DataFrame
        Columns ``source, variable, key, week, p5, p50, p95, mean``; ``key`` is ``""`` for
        variables without a third dimension; values in the variable's own unit.
    """
    if "week" not in ds.dims:
        return _empty(SERIES_COLUMNS)
    names = list(variables) if variables is not None else list(ds.data_vars)
    frames: list[pd.DataFrame] = []
    for name in names:
        if name not in ds.data_vars:
            continue
        da = ds[name]
        extra = [d for d in da.dims if d not in ("draw", "week")]
        if "week" not in da.dims or len(extra) > 1 or not np.issubdtype(da.dtype, np.number):
            continue
        frames.append(_quantiles_of(da, source, str(name), extra))
    if not frames:
        return _empty(SERIES_COLUMNS)
    return pd.concat(frames, ignore_index=True)[SERIES_COLUMNS]


def _draw_quantiles(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Quantiles (``QUANTILES`` × rest) and mean over axis 0, ignoring NaN draws.

    Equal to ``np.quantile(values.astype(float64), QUANTILES, axis=0)`` (method "linear"),
    see ``quantiles_over_draws``.  ``np.nanquantile`` loops in Python, so it runs only on the
    columns where some (not all) draws are NaN: those whose largest value is NaN (``max``
    propagates it) but whose largest non-NaN value is not (``fmax`` skips it); all-NaN
    columns (an entity before it exists) stay NaN without a warning.
    """
    q, most = _linear_quantiles(values, np.asarray(QUANTILES))
    mean = values.mean(axis=0, dtype=np.float64)
    partial = np.zeros(most.shape, dtype=bool)
    if np.issubdtype(most.dtype, np.floating):
        nan = np.flatnonzero(np.isnan(most))
        if len(nan) and values.shape[0]:
            cols = values.reshape(values.shape[0], -1)
            partial[nan[~np.isnan(np.fmax.reduce(cols[:, nan], axis=0))]] = True
    partial = partial.reshape(mean.shape)
    if partial.any():
        sub = values[:, partial].astype(np.float64)
        q[:, partial] = np.nanquantile(sub, list(QUANTILES), axis=0)
        mean[partial] = np.nanmean(sub, axis=0)
    return q, mean


def quantiles_over_draws(values: np.ndarray, quantiles: Iterable[float]) -> np.ndarray:
    """Linear-interpolation quantiles over axis 0 (as ``np.quantile``), in float64.

    For ``n`` draws and quantile ``q`` the virtual index is ``h = q·(n − 1)``; with
    ``i = ⌊h⌋`` and ``γ = h − i`` the result is ``x₍ᵢ₎ + γ·(x₍ᵢ₊₁₎ − x₍ᵢ₎)`` (computed from the
    upper end when ``γ ≥ 0.5``, exactly as numpy's ``_lerp``).  Columns holding a NaN give NaN.
    The order statistics are found in the array's own dtype (a float32 → float64 cast is
    exact and monotone, so the same elements are picked) and only they are cast; ``values``
    is not modified.

    Returns
    -------
    np.ndarray
        Shape ``(len(quantiles), *values.shape[1:])``.
    """
    qs = np.asarray(list(quantiles), dtype=np.float64)
    return _linear_quantiles(values, qs)[0]


def _linear_quantiles(values: np.ndarray, qs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.quantile(values, qs, axis=0)`` (linear) and each column's ``max`` (NaN if any),
    from the order statistics of ``_order_statistics`` (``values`` is never reordered)."""
    n = values.shape[0]
    rest = values.shape[1:]
    if n == 0:
        return np.full((len(qs), *rest), np.nan), np.full(math.prod(rest), np.nan)
    h = qs * (n - 1)
    lo = np.floor(h).astype(np.int64)
    hi = np.minimum(lo + 1, n - 1)
    gamma = h - lo
    a, b, most = _order_statistics(values.reshape(n, -1), lo, hi)
    g = gamma[:, None]
    diff = b - a
    out = np.where(g >= 0.5, b - diff * (1 - g), a + diff * g)
    if np.issubdtype(most.dtype, np.floating):
        out[:, np.isnan(most)] = np.nan
    return out.reshape(len(qs), *rest), most


def median_over_draws(values: np.ndarray) -> np.ndarray:
    """``np.median(values, axis=0)`` of a float ``[draw, …]`` array, bit for bit, faster.

    With ``n`` draws the median is ``x₍ₘ₎`` for odd ``n`` (``m = ⌊n/2⌋``) and
    ``(x₍ₘ₋₁₎ + x₍ₘ₎) / 2`` for even ``n``, in the array's dtype as numpy computes it (the
    mean of the two middle draws); a column holding a NaN gives NaN.  ``np.median`` asks
    ``np.partition`` for two ranks at once, which leaves numpy's SIMD selection.  Other
    dtypes and empty arrays go to ``np.median``.
    """
    n = values.shape[0]
    dtype = values.dtype
    if n == 0 or dtype not in (np.float32, np.float64):
        return np.asarray(np.median(values, axis=0))
    m = n // 2
    lo = np.array([m - 1 if n % 2 == 0 else m])
    a, b, most = _order_statistics(values.reshape(n, -1), lo, lo + 1 if n % 2 == 0 else lo)
    x, y = a[0].astype(dtype), b[0].astype(dtype)  # exact: they are draws of ``values``
    out = (x + y) / dtype.type(2) if n % 2 == 0 else x
    out[np.isnan(most)] = np.nan
    return out.reshape(values.shape[1:])


def _order_statistics(
    cols: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Order statistics ``x₍lo₎`` and ``x₍hi₎`` (float64 ``[rank, column]``) of each column of
    ``cols`` ``[draw, column]``, and each column's ``max`` (NaN when it holds one).

    Each column's order statistics are found one of three ways, all exact:

    * a constant column (``min = max``: a week before anything happens) is its value;
    * a column with many tied draws (``_tied``: a mostly-zero series such as racks waiting
      or shells empty) is sorted: ``np.sort`` is quick on ties, numpy's SIMD selection
      degrades to ~10× its cost on them;
    * the others select each wanted rank with single-rank partitions (``_selected_ranks``).

    Both work on one ``[column, draw]`` copy (draws contiguous; tied columns first) made by
    a single gather, so ``cols`` is never reordered.
    """
    least = cols.min(axis=0)
    most = cols.max(axis=0)  # NaN when the column holds one (NaN sorts last)
    a = np.empty((len(lo), cols.shape[1]))
    b = np.empty((len(lo), cols.shape[1]))
    const = least == most
    a[:, const] = b[:, const] = least[const]
    live = np.flatnonzero(~const)
    tied = _tied(cols[:TIE_SAMPLE, live])
    order = np.concatenate([live[tied], live[~tied]])
    flat = cols.T[order]  # a copy: [column, draw]
    k = int(tied.sum())
    for part, pick in ((slice(0, k), _sorted_ranks), (slice(k, None), _selected_ranks)):
        if len(order[part]):
            a[:, order[part]], b[:, order[part]] = pick(flat[part], lo, hi)
    return a, b, most


#: draws of each column looked at for repeated values (``_tied``)
TIE_SAMPLE = 64


def _tied(head: np.ndarray) -> np.ndarray:
    """Columns of ``head`` (the first ``TIE_SAMPLE`` draws) that repeat a value.

    A value holding a few % of the draws or more (a mostly-zero series, a capped or stepped
    quantity) repeats in 64 draws with high probability; distinct continuous draws almost
    never do.
    """
    s = np.sort(head, axis=0)
    return np.asarray((s[1:] == s[:-1]).any(axis=0))


def _sorted_ranks(
    flat: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Order statistics ``lo`` and ``hi`` (float64, ``[rank, column]``) by a full sort in place."""
    flat.sort(axis=-1)
    return flat[:, lo].T.astype(np.float64), flat[:, hi].T.astype(np.float64)


def _selected_ranks(
    flat: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Order statistics ``lo`` and ``hi`` by single-rank partitions (``_select``), in place.

    The next rank ``i + 1`` is the least draw above position ``i``, up to the next selected
    rank: a ``min``, not another partition.
    """
    n = flat.shape[-1]
    ranks = sorted({int(i) for i in lo})
    picked = _select(flat, ranks)
    for r in sorted({int(i) for i in hi} - set(ranks)):
        top = min((k for k in ranks if k > r), default=n - 1)
        picked[r] = flat[:, r : top + 1].min(axis=-1)
    a = np.stack([picked[int(i)] for i in lo]).astype(np.float64)
    return a, np.stack([picked[int(i)] for i in hi]).astype(np.float64)


def _select(flat: np.ndarray, ranks: list[int]) -> dict[int, np.ndarray]:
    """Put each of the sorted ``ranks`` in its sorted place along the last axis, in place.

    The middle rank is partitioned first over the whole range, then the lower ranks below it
    and the upper ranks above it (one single-rank ``partition`` each); returns the selected
    values (copies) by rank.
    """
    out: dict[int, np.ndarray] = {}
    todo: list[tuple[int, int, list[int]]] = [(0, flat.shape[-1], ranks)]
    while todo:
        a, b, rs = todo.pop()
        if not rs:
            continue
        mid = len(rs) // 2
        r = rs[mid]
        flat[:, a:b].partition(r - a, axis=-1)
        out[r] = flat[:, r].copy()
        todo += [(a, r, rs[:mid]), (r + 1, b, rs[mid + 1 :])]
    return out


def trailing_mean(values: np.ndarray, window: int) -> np.ndarray:
    """Trailing ``window``-step mean along the last axis with ``min_periods=1``, in float64.

    ``m_t = (C_t − C_{t−w}) / min(t + 1, w)`` with ``C`` the cumulative sum along the axis:
    one pass instead of xarray's rolling window (equal to it within float rounding).
    """
    c = np.cumsum(values, axis=-1, dtype=np.float64)
    out = c.copy()
    out[..., window:] -= c[..., :-window]
    steps = values.shape[-1]
    out /= np.minimum(np.arange(1, steps + 1), window)
    return out


def _quantiles_of(da: xr.DataArray, source: str, name: str, extra: list[Any]) -> pd.DataFrame:
    dims = ["week", *extra]
    if "draw" in da.dims:
        q, mean = _draw_quantiles(da.transpose("draw", *dims).values)
    else:
        mean = da.transpose(*dims).values.astype(np.float64)
        q = np.stack([mean] * len(QUANTILES))
    index = pd.MultiIndex.from_product([da[d].values for d in dims], names=dims)
    df = pd.DataFrame(
        {f"p{round(v * 100)}": q[i].ravel() for i, v in enumerate(QUANTILES)}
        | {"mean": mean.ravel()},
        index=index,
    ).reset_index()
    df["key"] = df[extra[0]].astype(str) if extra else ""
    df["source"] = source
    df["variable"] = name
    df["week"] = pd.to_datetime(df["week"])
    return df


def distributions(ds: xr.Dataset | None, *, source: str) -> pd.DataFrame:
    """p5/p50/p95 and mean over draws of every ``(draw[, key])`` variable without a week.

    Funding gap and runway by entity, exposure by counterparty, warrant value, PUE …

    Returns
    -------
    pd.DataFrame
        Columns ``source, variable, key, p5, p50, p95, mean``.
    """
    if ds is None:
        return _empty(DIST_COLUMNS)
    rows: list[pd.DataFrame] = []
    for name, da in ds.data_vars.items():
        extra = [d for d in da.dims if d != "draw"]
        if (
            "draw" not in da.dims
            or "week" in da.dims
            or len(extra) > 1
            or not np.issubdtype(da.dtype, np.number)
        ):
            continue
        values = da.transpose("draw", *extra).values
        if values.shape[0] == 0:
            continue
        q, mean = _draw_quantiles(values)
        keys = [str(k) for k in da[extra[0]].values] if extra else [""]
        frame = pd.DataFrame(
            {f"p{round(v * 100)}": np.atleast_1d(q[i]) for i, v in enumerate(QUANTILES)}
        )
        frame["mean"] = np.atleast_1d(mean)
        frame["key"], frame["source"], frame["variable"] = keys, source, str(name)
        rows.append(frame)
    if not rows:
        return _empty(DIST_COLUMNS)
    return pd.concat(rows, ignore_index=True)[DIST_COLUMNS]


def physical_series(ds: xr.Dataset) -> pd.DataFrame:
    """Quantiles of the ``HEADLINE`` variables plus ``build_rate_gw_per_week``.

    The build rate is GW added per week on the goal's basis (``attrs["goal_basis"]``,
    facility by default) as a trailing ``ROLLING_WEEKS``-week mean per draw — the same rate
    ``summarise`` tests against the goal — so charts and "goal reached" agree.
    """
    out = quantile_series(ds, source="physical", variables=HEADLINE)
    var = "it_gw_added" if ds.attrs.get("goal_basis") == "it" else "facility_gw_added"
    if var not in ds.data_vars:
        return out
    from .summary import ROLLING_WEEKS

    da = ds[var].transpose(..., "week")
    rate = xr.DataArray(
        trailing_mean(da.values, ROLLING_WEEKS),
        dims=da.dims,
        coords={d: ds[d] for d in da.dims if d in ds.coords},
    )
    extra = quantile_series(xr.Dataset({"build_rate_gw_per_week": rate}), source="physical")
    return pd.concat([out, extra], ignore_index=True)


def binding_shares(ds: xr.Dataset) -> pd.DataFrame:
    """Share of draws in which each tier limited additions, per week.

    Reads ``binding`` (``draw, week``, int codes into the ``tier`` coordinate, or into
    ``attrs["binding_codes"]`` when given as JSON).  Tiers that never bind are omitted.

    Returns
    -------
    pd.DataFrame
        Columns ``week, tier, share`` (share of draws, 0–1; sums to 1 over tiers each week).
    """
    if "binding" not in ds.data_vars or "week" not in ds["binding"].dims:
        return _empty(BINDING_COLUMNS)
    names = tier_names(ds)
    codes = (
        ds["binding"].transpose("week", ...).values.astype(np.int64).reshape(ds.sizes["week"], -1)
    )
    n = codes.shape[1]
    if n == 0:
        return _empty(BINDING_COLUMNS)
    top = max(int(codes.max(initial=0)) + 1, len(names))
    w = codes.shape[0]
    ok = codes >= 0
    cells = (np.arange(w)[:, None] * top + codes)[ok]  # one bincount over (week, code)
    counts = np.bincount(cells, minlength=w * top).reshape(w, top)
    weeks = pd.to_datetime(ds["week"].values)
    tiers = np.flatnonzero(counts.sum(axis=0))
    labels = [names[t] if t < len(names) else f"code {t}" for t in tiers]
    return pd.DataFrame(
        {
            "week": np.tile(np.asarray(weeks), len(tiers)),
            "tier": [t for t in labels for _ in range(w)],
            "share": (counts[:, tiers].T / n).ravel(),
        },
        columns=BINDING_COLUMNS,
    )


def tier_names(ds: xr.Dataset) -> list[str]:
    """Names of the binding codes: ``attrs["binding_codes"]`` (JSON list or {code: name}), else ``tier``."""
    raw = ds.attrs.get("binding_codes")
    if raw:
        codes = json.loads(raw) if isinstance(raw, str) else raw
        if isinstance(codes, list):
            return [str(c) for c in codes]
        if isinstance(codes, Mapping):
            pairs = [
                (int(k), str(v)) if str(k).lstrip("-").isdigit() else (int(v), str(k))
                for k, v in codes.items()
            ]
            out = [f"code {i}" for i in range(max(i for i, _ in pairs) + 1)] if pairs else []
            for i, name in pairs:
                if i >= 0:
                    out[i] = name
            return out
    if "tier" in ds.coords:
        return [str(t) for t in ds["tier"].values]
    return []


def phase_table(ds: xr.Dataset) -> pd.DataFrame:
    """Planned vs simulated energisation week of each named site phase.

    Week indices (``phase_planned_week``, ``phase_power_week``; -1 = not in horizon) become
    dates on the dataset's week grid; a phase not powered within the horizon in a draw counts
    as the horizon end for the quantiles, and ``share_powered`` says in how many draws it was.

    Returns
    -------
    pd.DataFrame
        Columns ``phase, planned, p5, p50, p95`` (Mondays, NaT when outside the grid) and
        ``share_powered`` (0–1).
    """
    if (
        "phase_power_week" not in ds.data_vars
        or "week" not in ds.dims
        or ds.sizes.get("phase", 0) == 0
    ):
        return _empty(PHASE_COLUMNS)
    weeks = pd.to_datetime(ds["week"].values)
    n = len(weeks)
    power = ds["phase_power_week"].transpose("phase", ...).values.reshape(ds.sizes["phase"], -1)
    powered = (power >= 0) & (power < n)
    clipped = np.where(powered, power, n - 1).astype(float)
    q = (
        np.quantile(clipped, list(QUANTILES), axis=1)
        if clipped.shape[1]
        else np.full((3, len(power)), np.nan)
    )
    planned = (
        ds["phase_planned_week"].values.astype(float)
        if "phase_planned_week" in ds.data_vars
        else np.full(len(power), np.nan)
    )

    def to_date(ix: float) -> pd.Timestamp | None:
        if math.isnan(ix) or ix < 0 or ix >= n:
            return None
        return weeks[round(ix)]

    rows = [
        (
            str(p),
            to_date(planned[i]),
            to_date(q[0, i]),
            to_date(q[1, i]),
            to_date(q[2, i]),
            float(powered[i].mean()) if powered.shape[1] else 0.0,
        )
        for i, p in enumerate(ds["phase"].values)
    ]
    return pd.DataFrame(rows, columns=PHASE_COLUMNS)


def money_flows(finance: xr.Dataset | None) -> pd.DataFrame:
    """Payer → payee totals over the horizon ($B), median over draws.

    Two layouts are read: a flow variable on a ``link`` dimension with ``link_payer``,
    ``link_payee`` (and ``link_kind``) coordinates, as ``run_finance`` writes it
    (``flow_usd_b``: draw, year, link); or a variable with ``payer`` and ``payee`` dimensions.
    Other dimensions but ``draw`` (years, weeks) are summed; links between the same pair and
    kind are added per draw before the median is taken.

    Returns
    -------
    pd.DataFrame
        Columns ``payer, payee, kind, usd_b``, largest first; empty when there are no flows.
    """
    if finance is None:
        return _empty(FLOW_COLUMNS)
    linked = [
        v
        for v in finance.data_vars
        if "link" in finance[v].dims and "link_payer" in finance[v].coords
    ]
    pairs = [v for v in finance.data_vars if {"payer", "payee"} <= set(finance[v].dims)]
    if linked:
        name = next((v for v in linked if str(v).startswith("flow")), linked[0])
        da = finance[name]
        da = da.sum([d for d in da.dims if d not in ("draw", "link")])
        if "draw" not in da.dims:
            da = da.expand_dims(draw=[0])
        frame = pd.DataFrame(da.transpose("draw", "link").values.T)
        frame["payer"] = [str(x) for x in finance["link_payer"].values]
        frame["payee"] = [str(x) for x in finance["link_payee"].values]
        frame["kind"] = (
            [str(x) for x in finance["link_kind"].values]
            if "link_kind" in finance.coords
            else "cash"
        )
        per_draw = frame.groupby(["payer", "payee", "kind"]).sum()
        df = per_draw.median(axis=1).rename("usd_b").reset_index()
    elif pairs:
        name = "flows_usd_b" if "flows_usd_b" in pairs else pairs[0]
        da = finance[name]
        da = da.sum([d for d in da.dims if d not in {"payer", "payee", "kind", "draw"}])
        if "draw" in da.dims:
            da = da.median("draw")
        df = da.rename("usd_b").to_dataframe().reset_index()
        if "kind" not in df.columns:
            df["kind"] = "cash"
    else:
        return _empty(FLOW_COLUMNS)
    df = df[(df["usd_b"].abs() > 1e-9) & (df["payer"] != df["payee"])]
    df = df[FLOW_COLUMNS].astype({"payer": str, "payee": str, "kind": str, "usd_b": float})
    return df.sort_values("usd_b", ascending=False).reset_index(drop=True)


def flatten_metrics(summary: Mapping[str, Any], prefix: str = "") -> dict[str, float | str | None]:
    """Every leaf of a nested summary as ``{"years.2027.it_gw_online.p50": 3.1, ...}``.

    Lists are indexed (``finance.circularity.loops.0.name``); booleans become 0/1.
    """
    out: dict[str, float | str | None] = {}
    for k, v in summary.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(flatten_metrics(v, key + "."))
        elif isinstance(v, list | tuple):
            out.update(flatten_metrics({str(i): x for i, x in enumerate(v)}, key + "."))
        elif isinstance(v, (bool, int | float | np.integer | np.floating)):
            out[key] = float(v)
        elif v is None:
            out[key] = None
        else:
            out[key] = str(v)
    return out


def bottleneck_frame(df: Any) -> pd.DataFrame:
    """A planner bottleneck table normalised to ``constraint, period, shadow_price, unit``."""
    if df is None or len(df) == 0:
        return pd.DataFrame(columns=BOTTLENECK_COLUMNS)
    frame = pd.DataFrame(df).reset_index(drop=True)
    for c in BOTTLENECK_COLUMNS:
        if c not in frame.columns:
            frame[c] = None
    frame = frame[BOTTLENECK_COLUMNS].copy()
    frame["constraint"] = frame["constraint"].astype(str)
    frame["period"] = frame["period"].astype(str)
    frame["unit"] = frame["unit"].astype(str)
    frame["shadow_price"] = pd.to_numeric(frame["shadow_price"], errors="coerce").astype(float)
    return frame


#: The quantile tables of a run (the store's child tables but ``metrics``; what the report draws).
TABLE_NAMES = ("series", "distributions", "binding", "phases", "flows", "bottlenecks")


def run_tables(
    physical: xr.Dataset | None, finance: xr.Dataset | None = None, plan: Any = None
) -> dict[str, pd.DataFrame]:
    """Reduce a run's datasets to its quantile tables, once, for the store and the report.

    Returns
    -------
    dict of str to pd.DataFrame
        ``series`` (weekly p5/p50/p95/mean of the physical headline, the build rate, every
        finance ``(draw, week[, key])`` variable and the plan's schedule), ``distributions``
        (per-draw quantities without a week), ``binding``, ``phases``, ``flows`` and
        ``bottlenecks``; keys as in ``TABLE_NAMES``.
    """
    schedule = getattr(plan, "schedule", None)
    series = [
        physical_series(physical) if physical is not None else None,
        quantile_series(finance, source="finance") if finance is not None else None,
        quantile_series(schedule, source="plan") if schedule is not None else None,
    ]
    kept = [s for s in series if s is not None and len(s)]
    return {
        "series": pd.concat(kept, ignore_index=True) if kept else _empty(SERIES_COLUMNS),
        "distributions": pd.concat(
            [distributions(physical, source="physical"), distributions(finance, source="finance")],
            ignore_index=True,
        ),
        "binding": binding_shares(physical) if physical is not None else _empty(BINDING_COLUMNS),
        "phases": phase_table(physical) if physical is not None else _empty(PHASE_COLUMNS),
        "flows": money_flows(finance),
        "bottlenecks": bottleneck_frame(getattr(plan, "bottlenecks", None)),
    }
