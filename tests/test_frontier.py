"""The ``frontier`` section: the largest training run a fleet hosts, and the largest site."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from gigafactory import load_scenario
from gigafactory.catalog.schema import Catalog
from gigafactory.formulas import training_flop
from gigafactory.pipeline import simulate_scenario
from gigafactory.studies.frontier import frontier_section


@pytest.fixture(scope="module")
def announced(catalog: Catalog) -> xr.Dataset:
    sc = load_scenario("announced", catalog).model_copy(
        update={
            "horizon": load_scenario("announced", catalog).horizon.model_copy(
                update={"end": "2027-W52"}
            )
        }
    )
    return simulate_scenario(sc, catalog, draws=40, seed=4)


def test_buyer_run_is_training_share_of_its_fleet(announced: xr.Dataset, catalog: Catalog) -> None:
    """Buyer scope: N = 0.8 × H100e online (Epoch's 80 % to the largest run); FLOP = N × 1.979e15
    × 0.4 × ½ yr; the quantiles are the fleet's (a linear map keeps the median)."""
    f = frontier_section(announced, catalog)
    assert f["cluster_share"] == 0.8
    assert "frontier_actor_share" not in f["assumptions"]
    h = announced["h100e_online_m"].values[:, -1]
    med = float(np.median(h))
    got = f["years"]["2027"]
    assert got["cluster_h100e_m"]["p50"] == pytest.approx(0.8 * med, rel=1e-3)
    want = float(training_flop(0.8 * med * 1e6, 0.4, 0.5))
    assert got["largest_run_flop"]["p50"] == pytest.approx(want, rel=1e-3)
    assert (
        got["largest_run_flop"]["p5"]
        <= got["largest_run_flop"]["p50"]
        <= got["largest_run_flop"]["p95"]
    )


def test_largest_site_is_abilene_phase_1_in_2025(announced: xr.Dataset, catalog: Catalog) -> None:
    """End-2025: Abilene phase 1 (200 MW facility, energised 2025-06-30, history) is the largest
    energised site; later years never shrink and never exceed the largest campus recorded."""
    f = frontier_section(announced, catalog)["years"]
    assert f["2025"]["largest_site_facility_gw"]["p50"] == pytest.approx(0.2)
    biggest = (
        max(
            sum(p.mw.value * (1.2 if p.basis == "it" else 1.0) for p in s.phases)
            for s in catalog.sites.values()
        )
        / 1000.0
    )
    med = [f[y]["largest_site_facility_gw"]["p50"] for y in ("2025", "2026", "2027")]
    assert med == sorted(med) and med[-1] <= biggest * 1.3 + 1e-9


def test_industry_run_uses_the_largest_actors_share(catalog: Catalog) -> None:
    """Industry scope: s = 0.33 (largest actor, Epoch) × 0.8 = 0.264; no site section."""
    sc = load_scenario("ai-2027", catalog)
    ds = simulate_scenario(sc, catalog, draws=20, seed=2)
    f = frontier_section(ds, catalog)
    assert f["cluster_share"] == pytest.approx(0.264)
    assert "largest_site_facility_gw" not in f["years"]["2027"]
    fac = float(np.median(ds["facility_gw_online"].values[:, -1]))
    assert f["years"]["2027"]["cluster_facility_gw"]["p50"] == pytest.approx(0.264 * fac, rel=1e-3)


def test_largest_site_matches_the_phase_dates(announced: xr.Dataset, catalog: Catalog) -> None:
    """Each year's largest site, recomputed by hand from the phases' energisation weeks."""
    f = frontier_section(announced, catalog)["years"]
    weeks = announced.week.values
    pw = announced["phase_power_week"].values
    for year in ("2025", "2026", "2027"):
        end = np.nonzero(weeks <= np.datetime64(f"{year}-12-31"))[0][-1]
        per_draw = []
        for d in range(pw.shape[0]):
            sites: dict[str, float] = {}
            for j, pid in enumerate(announced.phase.values):
                s, k = str(pid).rsplit("/", 1)
                ph = catalog.sites[s].phases[int(k)]
                if 0 <= pw[d, j] <= end:
                    mult = float(announced["pue"].values[d]) if ph.basis == "it" else 1.0
                    sites[s] = sites.get(s, 0.0) + ph.mw.value / 1000 * mult
            per_draw.append(max(sites.values(), default=0.0))
        assert f[year]["largest_site_facility_gw"]["p50"] == pytest.approx(
            float(np.median(per_draw)), rel=1e-3
        ), year


def test_report_table_of_the_frontier(announced: xr.Dataset, catalog: Catalog) -> None:
    """The report's frontier table: one row per year, the median and band of each column."""
    from gigafactory.report.html import _frontier_note, frontier_table

    summary = {"frontier": frontier_section(announced, catalog)}
    spec = frontier_table(summary)
    assert spec is not None
    head, rows = spec
    assert head[0] == "year" and "largest site facility GW" in head
    assert [r[0] for r in rows] == ["2025", "2026", "2027"]
    assert "training_share 0.8" in _frontier_note(summary)
    assert frontier_table({}) is None
