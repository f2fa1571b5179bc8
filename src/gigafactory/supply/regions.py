"""Regions: where capacity sits, and data-centre load and energy per region.

The weekly engine energises shells by region (``batch._energise_shells``, docs/regions.md
§Generic shells); the regional results are read from it per year:

* a **named site phase** sits in its site's region (``sites.<id>.region``, or the scenario's
  ``site_regions`` what-if) and counts as powered there from its energisation week;
* **generic** shells are split at construction by per-draw regional shares ``g[d, r]``: in
  industry scope each IEA region's share of IEA's Base-Case growth 2024→2030,
  ``(T30ᵢ − T24ᵢ) ÷ Σ (T30 − T24)``, split within the IEA region by ``share_of_iea_region``;
  in buyer scope (a US buyer's cloud capacity) the US grid regions only, by
  ``share_of_iea_region``.  Each region's shells wait out its lead times
  (:func:`generic_delays`) and queue for its share ``g`` of the grid tier, so the engine's
  generic powered shells by region ``P[d, y, r]`` (at the year's last week; the year's mean
  for energy) differ from ``g`` wherever a region's grid or leads bind;
* racks fill powered shells without regard to place, so AI IT online splits like powered
  shells: ``IT[d, w, r] = IT[d, w] · S[d, w, r] ÷ Σᵣ S[d, w, r]`` with
  ``S = named + max(powered − Σ named, 0) · P ÷ Σᵣ P``.

Facility GW = IT GW × PUE; AI energy per region = the engine's weekly facility energy
(facility GW × load factor × 168 h ÷ 1e3) split by the same shares, summed over the year.

**Conventional (non-AI) data-centre load** is an exogenous path (IEA *Energy and AI* 2025,
Base Case), per draw:

    C[d, y, r] = T24[d, i(r)] · s[d, r] · (1 − a[d]) · (1 + g₁[d])^(min(y, 2030) − 2024)
                 · (1 + g₂[d])^max(y − 2030, 0)            (TWh/yr)

with ``T24`` IEA's 2024 data-centre electricity of the region's IEA region, ``s`` the region's
share of it, ``a`` the AI (accelerated) share of 2024 load, ``g₁``/``g₂`` conventional growth
to/after 2030.  Its facility GW is ``C ÷ (8.766 · LF)`` (TWh = GW × 8.766 × load factor, the
same load factor as the AI fleet's).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from ..catalog.schema import Catalog, Fact
from ..errors import Problem, allowed_list, did_you_mean

F = NDArray[np.float64]

#: IEA's regions in the order of the catalog's ``energy.iea_twh_<year>_<region>`` facts
IEA_REGIONS: tuple[str, ...] = (
    "united_states",
    "china",
    "europe",
    "asia_pacific",
    "rest_of_world",
)
#: TWh per GW-year at full load: 8,766 h ÷ 1,000
TWH_PER_GW_YR = 8.766
#: the IEA's base year and the year its Base Case growth rate changes
BASE_YEAR, MID_YEAR = 2024, 2030


class Sampler(Protocol):
    """The part of the compile step's sampler this module uses."""

    n: int

    def fact(self, path: str, fact: Fact, u: F | None = None) -> F: ...


def site_region_problems(
    moves: Mapping[str, str], cat: Catalog, where: Callable[[str], tuple[str, int | None]]
) -> list[Problem]:
    """A scenario's ``site_regions`` name known sites and known regions (did-you-mean)."""
    out: list[Problem] = []
    for site, region in moves.items():
        file, line = where(site)
        key = f"site_regions.{site}"
        if site not in cat.sites:
            out.append(
                Problem(
                    file,
                    line,
                    key,
                    f"unknown site '{site}'{did_you_mean(site, cat.sites)}; "
                    f"allowed: {allowed_list(cat.sites)}",
                )
            )
        elif region not in cat.regions:
            out.append(
                Problem(
                    file,
                    line,
                    key,
                    f"unknown region '{region}'{did_you_mean(region, cat.regions)}; "
                    f"allowed: {allowed_list(cat.regions)}",
                )
            )
    return out


def _iea_onehot(cat: Catalog) -> F:
    """``[R, I]``: 1 where region r lies in IEA region i."""
    m = np.zeros((len(cat.regions), len(IEA_REGIONS)))
    for k, r in enumerate(cat.regions.values()):
        m[k, IEA_REGIONS.index(r.iea_region)] = 1.0
    return m


def within_shares(cat: Catalog, sm: Sampler) -> F:
    """``[D, R]`` each region's share of its IEA region, drawn and renormalised per draw."""
    cols = [
        np.ones(sm.n)
        if r.share_of_iea_region is None
        else sm.fact(f"regions.{rid}.share_of_iea_region", r.share_of_iea_region)
        for rid, r in cat.regions.items()
    ]
    s = np.stack(cols, axis=1)
    m = _iea_onehot(cat)
    return np.asarray(s / ((s @ m) @ m.T))


def generic_shares(cat: Catalog, sm: Sampler, within: F, industry: bool) -> F:
    """``[D, R]`` how generic (non-site) AI capacity splits across regions (sums to 1)."""
    m = _iea_onehot(cat)
    if industry:
        e = cat.energy
        growth = np.array(
            [
                e[f"iea_twh_{MID_YEAR}_{i}"].value - e[f"iea_twh_{BASE_YEAR}_{i}"].value
                for i in IEA_REGIONS
            ]
        )
        weight = growth / growth.sum()
    else:  # a buyer's cloud capacity: the US grid regions
        weight = np.array([1.0 if i == "united_states" else 0.0 for i in IEA_REGIONS])
    g = within * (m @ weight)[None, :]
    return np.asarray(g / g.sum(axis=1, keepdims=True))


def conventional_twh(cat: Catalog, sm: Sampler, within: F, years: NDArray[np.int64]) -> F:
    """``[D, Y, R]`` conventional (non-AI) data-centre electricity, TWh/yr (module docstring)."""
    e = cat.energy

    def draw(key: str) -> F:
        return sm.fact(f"energy.{key}", e[key])

    t24 = np.stack([draw(f"iea_twh_{BASE_YEAR}_{i}") for i in IEA_REGIONS], axis=1)  # [D, I]
    a, g1, g2 = (
        draw("ai_share_of_dc_twh_2024"),
        draw("conventional_growth_to_2030"),
        draw("conventional_growth_after_2030"),
    )
    base = (t24 @ _iea_onehot(cat).T) * within * (1.0 - a)[:, None]  # [D, R]
    y = years.astype(float)[None, :]
    factor = (1.0 + g1[:, None]) ** (np.minimum(y, MID_YEAR) - BASE_YEAR) * (
        1.0 + g2[:, None]
    ) ** np.maximum(y - MID_YEAR, 0.0)
    return np.asarray(base[:, None, :] * factor[:, :, None])


def compile_regions(
    cat: Catalog,
    sm: Sampler,
    years: NDArray[np.int64],
    phase_site: tuple[str, ...],
    industry: bool,
    moves: Mapping[str, str],
) -> dict[str, Any]:
    """The ModelInputs fields of the regions (empty when the catalog has none).

    Drawn after every other input, so the random stream of the rest is unchanged.  The
    conventional (non-AI) load is the whole world's, so only the industry scope carries it: a
    buyer's totals are its own AI fleet (drawn all the same, so the stream does not depend on
    the scope).
    """
    if not cat.regions or not cat.energy:
        return {}
    within = within_shares(cat, sm)
    conventional = conventional_twh(cat, sm, within, np.unique(years))
    return {
        "region_ids": tuple(cat.regions),
        "region_iea": tuple(r.iea_region for r in cat.regions.values()),
        "phase_region": tuple(moves.get(s, cat.sites[s].region) for s in phase_site),
        "region_generic_share": generic_shares(cat, sm, within, industry),
        "conventional_twh": conventional if industry else np.zeros_like(conventional),
    }


#: the lead tiers whose slip delays a region's generic shells, rows of ``region_slip_wk``
SLIP_TIERS: tuple[str, ...] = ("grid", "transformers", "gas_turbines")
#: a slip that never binds (a relaxed tier, see ``supply.attribution``)
NO_SLIP = -(2**40)


def lead_slips(
    realised: Mapping[str, F], planned: Mapping[str, float | F], r: int
) -> NDArray[np.int64]:
    """``[D, 3, R]`` weeks each region's pipelines run past the plan, ``round(ℓ − ℓ̄)``, with
    ``ℓ`` realised (``[D, R]``, or ``[D]`` for every region) and ``ℓ̄`` planned (``[R]`` or a
    scalar), in :data:`SLIP_TIERS` order."""

    def late(tier: str) -> F:
        got = np.asarray(realised[tier], dtype=float)
        got = got[:, None] if got.ndim == 1 else got
        slip = np.round(got - np.asarray(planned[tier], dtype=float))
        return np.broadcast_to(slip, (got.shape[0], r))

    return np.stack([late(t) for t in SLIP_TIERS], axis=1).astype(np.int64)


def generic_delays(slip: NDArray[np.int64]) -> NDArray[np.int64]:
    """``[2, D, R]`` weeks a region's generic shell waits after construction for its grid
    (row 0) and on-site (row 1) power, from the slips ``[D, 3, R]`` (:func:`lead_slips`):

        δ_grid = max(s_q, s_x, 0),   δ_onsite = max(s_g, s_x, 0)

    with ``s`` the slip of the region's grid wait ``q``, transformer lead ``x`` and the
    turbine lead ``g`` — the rule of the named phases (:mod:`gigafactory.supply.leads`) for a
    shell whose developer planned its power on the catalog's lead times (a shell needs its
    transformers and its grid connection, or on site its turbines and transformers).
    """
    q, x, g = slip[:, 0], slip[:, 1], slip[:, 2]
    grid = np.maximum(np.maximum(q, x), 0)
    onsite = np.maximum(np.maximum(g, x), 0)
    return np.stack([grid, onsite]).astype(np.int64)


def _named_powered(pw: NDArray[Any], mw: F, region: NDArray[np.int64], a: int, k: int, r: int) -> F:
    """``[R, D, k]`` IT GW of named phases powered in weeks ``a … a+k−1``, by region.

    Each phase adds its MW at its energisation week (clipped to the window; never when −1),
    then a cumulative sum over the window's weeks.
    """
    d = pw.shape[0]
    steps = np.zeros((r, d, k + 1), dtype=np.float32)
    rows = np.arange(d)
    for p in range(pw.shape[1]):
        at = np.where(pw[:, p] >= 0, np.clip(pw[:, p] - a, 0, k), k)
        steps[region[p], rows, at] += mw[:, p]
    return np.cumsum(steps[:, :, :k], axis=2)


def region_split(powered: F, named: F, generic: F) -> F:
    """``[R, D, k]`` share of the IT online in each region (Σᵣ = 1), see the module docstring.

    ``powered`` ``[D, k]`` IT GW of powered shells, ``named`` ``[R, D, k]`` of named phases
    among them, ``generic`` ``[D, R]`` the split of the others (region-first: every
    temporary stays contiguous).
    """
    spare = np.maximum(powered - named.sum(axis=0), 0.0)
    shells = named + spare[None] * generic.T[:, :, None]
    total = shells.sum(axis=0)
    ok = total > 0
    shells /= np.where(ok, total, 1.0)[None]
    return np.where(ok[None], shells, generic.T[:, :, None])


def generic_split(gen: F | None, g: F, weeks: F) -> tuple[F, F]:
    """``[D, Y, R]`` shares of generic powered shells by region at each year's last week and
    over the year (the engine's ``[2, Y, R, D]`` record; ``g`` where none is powered or the
    engine kept no record)."""
    if gen is None:
        return (np.broadcast_to(g[:, None, :], (g.shape[0], len(weeks), g.shape[1])),) * 2
    out = []
    for k in (0, 1):
        p = np.transpose(gen[k], (2, 0, 1))  # [D, Y, R]
        total = p.sum(axis=2, keepdims=True)
        out.append(np.where(total > 0, p / np.where(total > 0, total, 1.0), g[:, None, :]))
    return out[0], out[1]


def _split_by_year(
    ds: xr.Dataset, inp: Any, years_w: NDArray[np.int64], gen: F | None
) -> tuple[F, F]:
    """``[D, Y, R]`` AI IT GW online at each year's last week and AI TWh in each year."""
    ids, g = inp.region_ids, inp.region_generic_share
    # the engine stores week-major: ``.T`` is contiguous [W, D]
    online_w = np.asarray(ds["it_gw_online"].values.T)
    energy_w = np.asarray(ds["energy_twh"].values.T)
    starts = np.nonzero(np.r_[True, years_w[1:] != years_w[:-1]])[0]
    ends = np.r_[starts[1:], len(years_w)] - 1
    g_end, g_year = generic_split(gen, g, ends - starts + 1.0)
    if not inp.phase_region:  # no named shells: every shell is generic
        yearly = np.add.reduceat(energy_w, starts, axis=0).T.astype(np.float64)
        return online_w[ends].T[:, :, None] * g_end, yearly[:, :, None] * g_year
    region = np.array([ids.index(r) for r in inp.phase_region], dtype=np.int64)
    online = np.ascontiguousarray(online_w.T)
    energy = np.ascontiguousarray(energy_w.T)
    powered = online + ds["shells_empty_gw"].values
    pw, mw = ds["phase_power_week"].values, inp.phase_it_mw / 1e3
    it_end = np.zeros((online.shape[0], len(starts), len(ids)))
    twh = np.zeros_like(it_end)
    for k, (a, b) in enumerate(zip(starts, ends, strict=True)):
        wk = slice(a, b + 1)
        named = _named_powered(pw, mw, region, int(a), int(b + 1 - a), len(ids))
        share = region_split(powered[:, wk], named, g_year[:, k].astype(np.float32))
        last = region_split(powered[:, b : b + 1], named[:, :, -1:], g_end[:, k])
        it_end[:, k] = (online[:, b] * last[:, :, -1]).T
        twh[:, k] = np.einsum("dk,rdk->dr", energy[:, wk], share)
    return it_end, twh


def region_results(ds: xr.Dataset, inp: Any, gen: F | None = None) -> xr.Dataset:
    """Add the ``[draw, year, region]`` capacity and energy variables to the engine's results.

    ``it_gw_online_by_region`` and ``ai_facility_gw_online_by_region`` at the year's last
    week; ``ai_energy_twh_by_region`` summed over the year's weeks; the conventional load's
    ``conventional_facility_gw_by_region`` and ``conventional_energy_twh_by_region`` (the
    yearly rate × the days of the year's weeks in the horizon ÷ 365.25, the AI sum's basis);
    ``generic_shells_powered_gw_by_region``, the engine's generic powered shells (IT GW) at the
    year's last week, from ``gen`` ``[2, Y, R, D]`` (IT MW; see ``batch.BatchResult``).
    """
    if not getattr(inp, "region_ids", ()):
        return ds
    ids = inp.region_ids
    years_w = inp.grid.years
    years = np.unique(years_w)
    it_end, twh = _split_by_year(ds, inp, years_w, gen)
    weeks_in = np.array([(years_w == yr).sum() for yr in years]) * 7 / 365.25
    conv = inp.conventional_twh * weeks_in[None, :, None]  # the AI sum's basis: its weeks
    conv_gw = inp.conventional_twh / (TWH_PER_GW_YR * inp.load_factor)[:, None, None]
    dims = ("draw", "year", "region")
    f32 = np.float32
    out = ds.assign_coords(year=years, region=list(ids)).assign(
        region_iea=(("region",), np.array(inp.region_iea, dtype=str)),
        it_gw_online_by_region=(dims, it_end.astype(f32)),
        ai_facility_gw_online_by_region=(dims, (it_end * inp.pue[:, None, None]).astype(f32)),
        ai_energy_twh_by_region=(dims, twh.astype(f32)),
        conventional_facility_gw_by_region=(dims, conv_gw.astype(f32)),
        conventional_energy_twh_by_region=(dims, conv.astype(f32)),
    )
    if gen is not None:  # the engine's generic powered shells, IT MW → GW
        pg = np.transpose(gen[0], (2, 0, 1)) / 1e3
        out = out.assign(generic_shells_powered_gw_by_region=(dims, pg.astype(f32)))
    return out
