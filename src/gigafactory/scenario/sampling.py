"""Distributions as inverse CDFs of uniforms, so correlated and comonotonic draws are easy.

Every sampler maps a uniform array ``u`` in (0, 1) to values; the compile step chooses the
uniforms (independent, shared along a capacity path, or loaded on the AI-demand factor).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, model_validator
from scipy import stats

F = NDArray[np.float64]

DistName = Literal["fixed", "uniform", "triangular", "pert", "lognormal", "normal"]


class Dist(BaseModel):
    """A distribution written in a scenario: ``{dist: pert, low: 90000, mode: 115000, high: 130000}``.

    Parameters by kind: fixed(value); uniform(low, high); triangular(low, mode, high);
    pert(low, mode, high); lognormal(p10, p90) — positive, median √(p10·p90); normal(mean, sd).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    dist: DistName
    value: float | None = None
    low: float | None = None
    mode: float | None = None
    high: float | None = None
    p10: float | None = None
    p90: float | None = None
    mean: float | None = None
    sd: float | None = None

    @model_validator(mode="after")
    def _check(self) -> Dist:
        need: dict[str, tuple[str, ...]] = {
            "fixed": ("value",),
            "uniform": ("low", "high"),
            "triangular": ("low", "mode", "high"),
            "pert": ("low", "mode", "high"),
            "lognormal": ("p10", "p90"),
            "normal": ("mean", "sd"),
        }
        fields = need[self.dist]
        given = {
            k
            for k in ("value", "low", "mode", "high", "p10", "p90", "mean", "sd")
            if getattr(self, k) is not None
        }
        missing = [f for f in fields if f not in given]
        extra = sorted(given - set(fields))
        if missing or extra:
            raise ValueError(
                f"a {self.dist} distribution takes exactly {', '.join(fields)}"
                + (f"; missing {', '.join(missing)}" if missing else "")
                + (f"; not allowed here: {', '.join(extra)}" if extra else "")
            )
        if self.dist in ("uniform", "triangular", "pert"):
            lo, hi = float(self.low or 0.0), float(self.high or 0.0)
            mo = float(self.mode) if self.mode is not None else lo
            if not lo <= mo <= hi:
                raise ValueError(f"need low ≤ mode ≤ high, got {lo}, {mo}, {hi}")
        if self.dist == "lognormal" and not (0 < (self.p10 or 0) < (self.p90 or 0)):
            raise ValueError("lognormal needs 0 < p10 < p90")
        if self.dist == "normal" and (self.sd or 0) < 0:
            raise ValueError("normal needs sd ≥ 0")
        return self

    @property
    def median(self) -> float:
        return float(ppf(self, np.array([0.5]))[0])


def _tri(u: F, lo: float, mo: float, hi: float) -> F:
    if hi <= lo:
        return np.full_like(u, lo)
    c = (mo - lo) / (hi - lo)
    left = lo + np.sqrt(u * (hi - lo) * (mo - lo))
    right = hi - np.sqrt((1 - u) * (hi - lo) * (hi - mo))
    return np.where(u < c, left, right)


def _pert(u: F, lo: float, mo: float, hi: float) -> F:
    if hi <= lo:
        return np.full_like(u, lo)
    a = 1 + 4 * (mo - lo) / (hi - lo)
    b = 1 + 4 * (hi - mo) / (hi - lo)
    return lo + (hi - lo) * np.asarray(stats.beta.ppf(u, a, b), dtype=float)


def ppf(d: Dist, u: F) -> F:
    """Inverse CDF of ``d`` at uniforms ``u``."""
    u = np.asarray(u, dtype=float)
    if d.dist == "fixed":
        return np.full_like(u, float(d.value or 0.0))
    if d.dist == "uniform":
        lo, hi = float(d.low or 0.0), float(d.high or 0.0)
        return lo + (hi - lo) * u
    if d.dist == "triangular":
        return _tri(u, float(d.low or 0.0), float(d.mode or 0.0), float(d.high or 0.0))
    if d.dist == "pert":
        return _pert(u, float(d.low or 0.0), float(d.mode or 0.0), float(d.high or 0.0))
    z = np.asarray(stats.norm.ppf(u), dtype=float)
    if d.dist == "lognormal":
        lo, hi = np.log(float(d.p10 or 1.0)), np.log(float(d.p90 or 1.0))
        mu, sigma = (lo + hi) / 2, (hi - lo) / (2 * 1.2815515655446004)
        return np.exp(mu + sigma * z)
    return float(d.mean or 0.0) + float(d.sd or 0.0) * z


def range_dist(value: float, low: float | None, high: float | None, kind: str) -> Dist:
    """The distribution a catalog range implies under the scenario's ``uncertainty.catalog_ranges``."""
    if low is None or high is None or high <= low or kind == "off":
        return Dist(dist="fixed", value=value)
    if kind == "uniform":
        return Dist(dist="uniform", low=low, high=high)
    if kind == "triangular":
        return Dist(dist="triangular", low=low, mode=value, high=high)
    return Dist(dist="pert", low=low, mode=value, high=high)


def uniforms(rng: np.random.Generator, n: int, loading: float = 0.0, factor: F | None = None) -> F:
    """Uniforms for ``n`` draws, optionally loaded on a shared standard-normal factor.

    ``z = loading·factor + √(1 − loading²)·ε``, ``u = Φ(z)`` (a Gaussian copula).
    """
    if factor is None or loading == 0.0:
        return rng.random(n)
    eps = rng.standard_normal(n)
    z = loading * factor + np.sqrt(1.0 - loading**2) * eps
    return np.asarray(stats.norm.cdf(z), dtype=float)


def loaded_uniforms(u: F, loading: float, factor: F) -> F:
    """Given uniforms ``u`` loaded on the shared factor as :func:`uniforms` does.

    ``u' = Φ(loading·factor + √(1 − loading²)·Φ⁻¹(u))``; ``u`` itself when ``loading`` is 0.
    """
    if loading == 0.0:
        return np.asarray(u, dtype=float)
    z = loading * factor + np.sqrt(1.0 - loading**2) * stats.norm.ppf(u)
    return np.asarray(stats.norm.cdf(z), dtype=float)
