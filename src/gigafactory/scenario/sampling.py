"""Distributions as inverse CDFs of uniforms, so correlated and comonotonic draws are easy.

Every sampler maps a uniform array ``u`` in (0, 1) to values; the compile step chooses the
uniforms (independent, shared along a capacity path, or loaded on the AI-demand factor).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, model_validator
from scipy import special

if TYPE_CHECKING:
    from ..catalog.schema import Fact

F = NDArray[np.float64]

DistName = Literal["fixed", "uniform", "triangular", "pert", "lognormal", "normal"]


class Dist(BaseModel):
    """A distribution written in a scenario: ``{dist: pert, low: 90000, mode: 115000, high: 130000}``.

    Parameters by kind: fixed(value); uniform(low, high); triangular(low, mode, high);
    pert(low, mode, high); lognormal(p10, p90) — positive, median √(p10·p90); normal(mean, sd).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

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
    return lo + (hi - lo) * beta_ppf(u, a, b)


#: Nodes of the tabulated beta CDF, ``x = sin²(πt/2)``: dense near 0 and 1 where it curves.
_GRID = np.sin(np.linspace(0.0, np.pi / 2, 4097)) ** 2
_GRID[-1] = 1.0
#: Newton steps after the cubic table lookup (each squares the error of the last) ...
NEWTON_STEPS = 1
#: ... taken only within this distance of 0 or 1, where the cubic's error grows past ~4e-12
#: (inside it the cubic alone is good to ~4e-12 absolute; each step costs a ``betainc``).
NEWTON_X = 0.1
#: Below this x the solve starts from the power-law asymptote instead of the cubic table ...
EDGE_X = 1e-3
#: ... and takes this many Newton steps (the asymptote is good to O(x) relative).
EDGE_NEWTON_STEPS = 8


@lru_cache(maxsize=512)
def _beta_table(a: float, b: float) -> tuple[F, F, float]:
    """``I_x(a, b)`` and the density ``f(x)`` on ``_GRID``, and ``ln B(a, b)`` (cached per shape)."""
    log_b = float(special.betaln(a, b))
    cdf = np.asarray(special.betainc(a, b, _GRID), dtype=float)
    cdf[0], cdf[-1] = 0.0, 1.0
    return cdf, _beta_pdf(_GRID, a, b, log_b), log_b


def _beta_pdf(x: F, a: float, b: float, log_b: float) -> F:
    """``f(x) = x^{a−1} (1 − x)^{b−1} / B(a, b)`` (``0·ln 0 = 0``, so a = 1 or b = 1 is exact)."""
    with np.errstate(over="ignore"):
        return np.exp(special.xlogy(a - 1, x) + special.xlog1py(b - 1, -x) - log_b)


def beta_ppf(u: F, a: float, b: float) -> F:
    """Inverse CDF of Beta(a, b) at ``u`` without ``scipy.stats.beta.ppf``.

    For ``u ≤ ½`` solve ``I_x(a, b) = u``; for ``u > ½`` solve ``I_y(b, a) = 1 − u`` and
    return ``x = 1 − y`` (``1 − u`` is exact there, so the upper tail keeps its precision).
    Each solve interpolates the inverse in a tabulated CDF by cubic Hermite (the slope
    ``dx/dp = 1/f(x)`` is known at every node), then takes ``NEWTON_STEPS`` Newton steps
    ``x ← x − (I_x(a, b) − p) / f(x)`` where ``x`` is within ``NEWTON_X`` of 0 or 1 (inside,
    the cubic alone is good to ~4e-12), kept in the table cell that brackets the root.  Below
    ``x = EDGE_X``, where ``f`` may vanish, it starts from the small-x asymptote
    ``x ≈ (p·a·B(a, b))^{1/a}`` and takes ``EDGE_NEWTON_STEPS``.  Agrees with
    ``scipy.stats.beta.ppf`` to ~1e-12 absolute (tests/test_speed.py).

    The arithmetic per element is fixed; the work around it is not: the asymptote, the edge
    masks and the Newton gathers are computed only for the elements that need them, and a
    single element (a median) is served from a per-shape cache.
    """
    u = np.asarray(u, dtype=float)
    if u.size == 1 and u.ndim <= 1:
        return np.full_like(u, _beta_ppf_one(float(u.reshape(-1)[0]), a, b))
    return _beta_ppf(u, a, b)


@lru_cache(maxsize=4096)
def _beta_ppf_one(u: float, a: float, b: float) -> float:
    """One quantile (the medians a compile asks for again and again), as :func:`beta_ppf`."""
    return float(_beta_ppf(np.array([u]), a, b)[0])


def _beta_ppf(u: F, a: float, b: float) -> F:
    low = u <= 0.5
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if low.all():
            return _beta_ppf_lower(u, a, b)
        if not low.any():
            return 1.0 - _beta_ppf_lower(1.0 - u, b, a)
        out = np.empty_like(u)
        out[low] = _beta_ppf_lower(u[low], a, b)
        high = ~low
        out[high] = 1.0 - _beta_ppf_lower(1.0 - u[high], b, a)
    return out


def _clip(x: F, lo: F, hi: F) -> F:
    """``np.clip(x, lo, hi)`` for ``lo ≤ hi`` without its Python-level wrapper."""
    return np.minimum(np.maximum(x, lo), hi)


def _beta_ppf_lower(p: F, a: float, b: float) -> F:
    """Root ``x`` of ``I_x(a, b) = p`` for ``p`` in [0, ½] (floating-point errors silenced by
    the caller)."""
    if p.size == 0:
        return p.copy()
    cdf, pdf, log_b = _beta_table(a, b)
    i = np.searchsorted(cdf, p, side="right")
    np.minimum(np.maximum(i, 1, out=i), len(_GRID) - 1, out=i)
    im = i - 1
    x0, x1, f0, f1 = _GRID[im], _GRID[i], cdf[im], cdf[i]
    d0, d1 = pdf[im], pdf[i]
    h = f1 - f0
    t = np.divide(p - f0, h, out=np.full_like(p, 0.5), where=h > 0)
    # near 0 the inverse is a power law the cubic cannot follow (and f may vanish at 0)
    edge = (x1 <= EDGE_X) | (d0 <= 0) | (d1 <= 0)
    any_edge = bool(edge.any())
    # cubic Hermite of x(p) on the cell: x0, x1 and the slopes h/f at its ends
    t2 = t * t
    t3 = t2 * t
    m0, m1 = h / d0, h / d1
    if any_edge:
        m0[edge] = 0.0
        m1[edge] = 0.0
    cubic = (
        (2 * t3 - 3 * t2 + 1) * x0
        + (t3 - 2 * t2 + t) * m0
        + (-2 * t3 + 3 * t2) * x1
        + (t3 - t2) * m1
    )
    x = _clip(cubic, x0, x1)
    if any_edge:
        # there the small-x asymptote I_x(a, b) ≈ x^a / (a·B(a, b)) is the better start
        pe, x0e, x1e = p[edge], x0[edge], x1[edge]
        x[edge] = _clip((pe * a * np.exp(log_b)) ** (1.0 / a), x0e, x1e)
    near = (x0 < NEWTON_X) | (x1 > 1.0 - NEWTON_X)
    if near.any():
        x[near] = _newton(x[near], p[near], a, b, log_b, x0[near], x1[near], NEWTON_STEPS)
    if any_edge:
        x[edge] = _newton(x[edge], pe, a, b, log_b, x0e, x1e, EDGE_NEWTON_STEPS)
    x[p <= 0.0] = 0.0
    return x


def _newton(x: F, p: F, a: float, b: float, log_b: float, lo: F, hi: F, steps: int) -> F:
    """``steps`` Newton steps on ``I_x(a, b) = p``, clipped to ``[lo, hi]``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(steps):
            step = (special.betainc(a, b, x) - p) / _beta_pdf(x, a, b, log_b)
            step[~np.isfinite(step)] = 0.0
            x = _clip(x - step, lo, hi)
    return x


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
    z = np.asarray(special.ndtri(u), dtype=float)  # Φ⁻¹, as scipy.stats.norm.ppf
    if d.dist == "lognormal":
        lo, hi = np.log(float(d.p10 or 1.0)), np.log(float(d.p90 or 1.0))
        mu, sigma = (lo + hi) / 2, (hi - lo) / (2 * 1.2815515655446004)
        return np.exp(mu + sigma * z)
    return float(d.mean or 0.0) + float(d.sd or 0.0) * z


@lru_cache(maxsize=8192)
def range_dist(value: float, low: float | None, high: float | None, kind: str) -> Dist:
    """The distribution a catalog range implies under the scenario's ``uncertainty.catalog_ranges``
    (cached: a compile asks for the same fact's once per batch; a ``Dist`` is frozen)."""
    if low is None or high is None or high <= low or kind == "off":
        return Dist(dist="fixed", value=value)
    if kind == "uniform":
        return Dist(dist="uniform", low=low, high=high)
    if kind == "triangular":
        return Dist(dist="triangular", low=low, mode=value, high=high)
    return Dist(dist="pert", low=low, mode=value, high=high)


def fact_draws(
    fact: Fact,
    rng: np.random.Generator,
    n: int,
    path: str = "",
    compiled: Mapping[str, NDArray[np.floating]] | None = None,
) -> F:
    """Per-draw values ``[n]`` of a catalog fact, in its unit.

    The run's compiled draws of ``path`` when ``compiled`` holds them (the one sampler of
    ``compile``, which honours overrides and ``uncertainty.catalog_ranges``); else ``n`` draws
    here on ``rng``: ``x = F⁻¹(u)``, ``u ~ U(0, 1)``, ``F`` the PERT over ``low–high`` with the
    value as mode (the value itself when the fact has no range).
    """
    if compiled is not None and path in compiled:
        return np.asarray(compiled[path], dtype=float)
    return ppf(range_dist(fact.value, fact.low, fact.high, "pert"), rng.random(n))


def uniforms(rng: np.random.Generator, n: int, loading: float = 0.0, factor: F | None = None) -> F:
    """Uniforms for ``n`` draws, optionally loaded on a shared standard-normal factor.

    ``z = loading·factor + √(1 − loading²)·ε``, ``u = Φ(z)`` (a Gaussian copula).
    """
    if factor is None or loading == 0.0:
        return rng.random(n)
    eps = rng.standard_normal(n)
    z = loading * factor + np.sqrt(1.0 - loading**2) * eps
    return np.asarray(special.ndtr(z), dtype=float)  # Φ, as scipy.stats.norm.cdf


def loaded_uniforms(u: F, loading: float, factor: F) -> F:
    """Given uniforms ``u`` loaded on the shared factor as :func:`uniforms` does.

    ``u' = Φ(loading·factor + √(1 − loading²)·Φ⁻¹(u))``; ``u`` itself when ``loading`` is 0.
    """
    if loading == 0.0:
        return np.asarray(u, dtype=float)
    z = loading * factor + np.sqrt(1.0 - loading**2) * special.ndtri(u)
    return np.asarray(special.ndtr(z), dtype=float)
