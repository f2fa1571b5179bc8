"""Merge the summaries and quantile tables of chunks of one run (a run streamed in chunks).

A run of many draws is simulated in chunks of draws (``streamed.py``); each chunk is
summarised and reduced to its quantile tables as an ordinary run, and only those small
results are kept.  These pure functions merge them, generically over whatever keys a
summary has and whatever variables a table holds.

With chunk :math:`c` of :math:`n_c` draws (:math:`N = \\sum_c n_c`), a number :math:`x_c`
merges to the draw-weighted mean

.. math::

    \\bar x = \\sum_c n_c\\, x_c / N ,

which is exact for means and shares (``share_of_draws``, binding shares, ``mean`` columns,
P(breach)).  For a quantile (``p5``, ``p50``, ``p95``) it is the mean of the chunks' sample
quantiles: an unbiased estimator up to the sample quantile's own :math:`O(1/n_c)` bias, so
with chunks of thousands of draws it differs from the pooled quantile by far less than the
Monte Carlo error of the run (measured in ``tests/test_streamed.py`` and the module
docstring of ``streamed.py``).  ISO weeks (``2027-W14``) merge as the weighted mean week;
other strings and booleans by weighted majority; ``None`` (e.g. "not reached") wins when it
holds most of the weight.  ``draws`` adds up.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

_ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
#: keys whose values add up over chunks
SUM_KEYS = frozenset({"draws"})
#: dicts of shares over draws where a missing key means a share of 0 (tiers that bound)
ZERO_FILL_KEYS = frozenset({"binding"})
#: tables whose rows are shares of draws: a row missing from a chunk is a share of 0 there
ZERO_FILL_TABLES = frozenset({"binding"})


def merge_summaries(parts: Sequence[tuple[int, Any]]) -> Any:
    """Merge ``(draws, summary)`` pairs of chunks into the summary of all their draws."""
    return _merge([w for w, _ in parts], [v for _, v in parts], key="")


def _merge(w: list[int], vals: list[Any], key: str) -> Any:
    have = [(wi, v) for wi, v in zip(w, vals, strict=True) if v is not _MISSING]
    if not have:
        return _MISSING
    ws, vs = [h[0] for h in have], [h[1] for h in have]
    first = vs[0]
    if isinstance(first, dict):
        return _merge_dict(ws, vs, key)
    if key in SUM_KEYS and all(_is_number(v) for v in vs):
        return type(first)(sum(vs))
    if all(_equal(v, first) for v in vs[1:]):
        return first
    if isinstance(first, list) and all(isinstance(v, list) and len(v) == len(first) for v in vs):
        return [_merge(ws, [v[i] for v in vs], key) for i in range(len(first))]
    none_w = sum(wi for wi, v in zip(ws, vs, strict=True) if v is None)
    if none_w * 2 > sum(ws):
        return None
    kept = [(wi, v) for wi, v in zip(ws, vs, strict=True) if v is not None]
    ws, vs = [k[0] for k in kept], [k[1] for k in kept]
    if all(_is_number(v) for v in vs):
        return _weighted_number(ws, vs)
    if all(isinstance(v, str) and _ISO_WEEK.match(v) for v in vs):
        return _weighted_week(ws, vs)
    return _majority(ws, vs)


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING: Any = _Missing()


def _merge_dict(ws: list[int], vs: list[Any], key: str) -> Any:
    if not all(isinstance(v, dict) for v in vs):
        return _majority(ws, vs)
    keys = list(dict.fromkeys(k for v in vs for k in v))
    fill: Any = 0.0 if key in ZERO_FILL_KEYS else _MISSING
    out = {}
    for k in keys:
        merged = _merge(ws, [v.get(k, fill) for v in vs], str(k))
        if merged is not _MISSING:
            out[k] = merged
    if key in ZERO_FILL_KEYS and all(_is_number(v) for v in out.values()):
        out = {k: v for k, v in sorted(out.items(), key=lambda kv: -kv[1]) if v > 0}
    return out


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float | np.number) and not isinstance(v, bool)


def _equal(a: Any, b: Any) -> bool:
    try:
        return bool(a == b) and type(a) is type(b)
    except (TypeError, ValueError):
        return False


def _weighted_number(ws: list[int], vs: list[Any]) -> float | int:
    x = float(np.average(np.asarray(vs, dtype=float), weights=ws))
    if all(isinstance(v, int | np.integer) for v in vs):
        return round(x)
    return round(x, 4) + 0.0


def _weighted_week(ws: list[int], vs: list[str]) -> str:
    days = [dt.date.fromisocalendar(int(v[:4]), int(v[6:8]), 1).toordinal() for v in vs]
    mean = float(np.average(days, weights=ws))
    monday = dt.date.fromordinal(int(round((mean - days[0]) / 7) * 7 + days[0]))
    y, wk, _ = monday.isocalendar()
    return f"{y}-W{wk:02d}"


def _majority(ws: list[int], vs: list[Any]) -> Any:
    score: dict[str, tuple[int, Any]] = {}
    for wi, v in zip(ws, vs, strict=True):
        k = repr(v)
        score[k] = (score.get(k, (0, v))[0] + wi, v)
    return max(score.values(), key=lambda t: t[0])[1]


class TableMerger:
    """Draw-weighted means of the float columns of a run's quantile tables, chunk by chunk.

    Rows are matched on the table's other columns (``source, variable, key, week`` …); a
    value missing (NaN) in a chunk carries no weight there.  Memory stays bounded: the kept
    frames are summed into one every ``compact_every`` chunks.
    """

    def __init__(self, compact_every: int = 8) -> None:
        self.compact_every = compact_every
        self.frames: dict[str, list[pd.DataFrame]] = {}
        self.columns: dict[str, list[str]] = {}
        self.values: dict[str, list[str]] = {}
        self.total = 0

    def add(self, draws: int, tables: dict[str, pd.DataFrame]) -> None:
        """Add the tables of a chunk of ``draws`` draws."""
        self.total += draws
        for name, df in tables.items():
            self.columns.setdefault(name, list(df.columns))
            if df.empty:
                continue
            num = self.values.setdefault(
                name, [c for c in df.columns if pd.api.types.is_float_dtype(df[c])]
            )
            part = df[[c for c in df.columns if c not in num]].copy()
            for c in num:
                x = df[c].to_numpy(dtype=float)
                ok = np.isfinite(x)
                part[c] = np.where(ok, x, 0.0) * draws
                part[f"_w_{c}"] = ok * float(draws)
            kept = self.frames.setdefault(name, [])
            kept.append(part)
            if len(kept) >= self.compact_every:
                self.frames[name] = [_sum(kept, self._keys(name))]

    def _keys(self, name: str) -> list[str]:
        return [c for c in self.columns[name] if c not in self.values.get(name, [])]

    def result(self) -> dict[str, pd.DataFrame]:
        """The merged tables, in the first chunk's column order."""
        out: dict[str, pd.DataFrame] = {}
        for name, cols in self.columns.items():
            kept = self.frames.get(name)
            if not kept:
                out[name] = pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
                continue
            df = _sum(kept, self._keys(name))
            for c in self.values[name]:
                w = float(self.total) if name in ZERO_FILL_TABLES else df[f"_w_{c}"]
                df[c] = (df[c] / w).where(df[f"_w_{c}"] > 0)
            out[name] = df[cols].reset_index(drop=True)
        return out


def _sum(frames: list[pd.DataFrame], keys: list[str]) -> pd.DataFrame:
    df = pd.concat(frames, ignore_index=True)
    if not keys:
        return df.sum().to_frame().T
    return df.groupby(keys, sort=False, dropna=False).sum().reset_index()
