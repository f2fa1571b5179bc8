"""Regions: the catalog's vocabulary, bad input, the engine's split by region, energy, summary."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from gigafactory import compile_inputs, load_catalog, load_scenario, simulate
from gigafactory.catalog import load_catalog_from
from gigafactory.catalog.loader import DATA_DIR
from gigafactory.errors import GigafactoryError
from gigafactory.results.summary import summarise
from gigafactory.supply.regions import (
    IEA_REGIONS,
    TWH_PER_GW_YR,
    conventional_twh,
    region_split,
    within_shares,
)

DRAWS = 60
SRC = Path(__file__).resolve().parents[1] / "src"
#: float32 results summed over ~50 weeks and 10 regions
SUM_TOL = 1e-3


def _run(name: str, **update: object) -> tuple[xr.Dataset, object]:
    cat = load_catalog()
    sc = load_scenario(name, cat).model_copy(update={"draws": DRAWS, **update})
    inp = compile_inputs(sc, cat, seed=3)
    return simulate(inp, vendor_detail=False), sc


@pytest.fixture(scope="module")
def announced() -> tuple[xr.Dataset, object]:
    return _run("announced")


@pytest.fixture(scope="module")
def industry() -> tuple[xr.Dataset, object]:
    return _run("industry")


def test_a_buyer_carries_no_conventional_load(announced: tuple[xr.Dataset, object]) -> None:
    """The non-AI load is the world's: a buyer's energy and GW by region are its AI fleet."""
    ds, _ = announced
    assert float(ds["conventional_energy_twh_by_region"].max()) == 0.0


# --- vocabulary ------------------------------------------------------------------------------


def test_every_site_sits_in_a_known_region_and_the_gulf_is_not_the_us() -> None:
    cat = load_catalog()
    assert {s.region for s in cat.sites.values()} <= set(cat.regions)
    assert cat.sites["uae"].region == "gulf"
    assert {cat.sites[s].region for s in ("abilene", "shackelford", "milam")} == {"us-ercot"}
    assert cat.sites["lordstown"].region == "us-pjm"
    assert {cat.sites[s].region for s in ("saline", "port_washington")} == {"us-miso"}
    assert cat.sites["dona_ana"].region == "us-wecc"
    for needed in ("us-other", "china", "gulf", "row"):
        assert needed in cat.regions
    assert all(
        r.startswith("us-") for r, v in cat.regions.items() if v.iea_region == "united_states"
    )


def test_a_site_in_an_unknown_catalog_region_is_a_load_error(tmp_path: Path) -> None:
    for f in DATA_DIR.glob("*.yaml"):
        (tmp_path / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    sites = tmp_path / "sites.yaml"
    text = sites.read_text(encoding="utf-8")
    sites.write_text(text.replace("region: gulf", "region: gulff", 1), encoding="utf-8")
    with pytest.raises(GigafactoryError) as exc:
        load_catalog_from(tmp_path)
    assert len(exc.value.problems) == 1
    assert "sites.uae.region: unknown region 'gulff' (did you mean 'gulf'?)" in str(exc.value)


def test_shares_of_an_iea_region_must_sum_to_one(tmp_path: Path) -> None:
    for f in DATA_DIR.glob("*.yaml"):
        (tmp_path / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    reg = tmp_path / "regions.yaml"
    text = reg.read_text(encoding="utf-8")
    reg.write_text(
        text.replace(
            "{value: 0.35, unit: fraction, as_of: 2025",
            "{value: 0.45, unit: fraction, as_of: 2025",
            1,
        ),
        encoding="utf-8",
    )
    with pytest.raises(GigafactoryError, match=r"'rest_of_world' sum to 1\.1, not 1"):
        load_catalog_from(tmp_path)


def test_validate_refuses_a_site_moved_to_an_unknown_region(tmp_path: Path) -> None:
    """One message with file, line, key and did-you-mean; exit 2 from the real process."""
    f = tmp_path / "moved.yaml"
    f.write_text("name: moved\nextends: announced\nsite_regions:\n  uae: gulff\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(SRC), "GIGAFACTORY_STORE": str(tmp_path / "s.duckdb")}
    proc = subprocess.run(
        [sys.executable, "-m", "gigafactory.cli", "validate", str(f)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    err = " ".join(proc.stderr.split())  # rich wraps long lines
    assert "1 problem found" in err and "Traceback" not in err
    assert f"{f}:4: site_regions.uae: unknown region 'gulff' (did you mean 'gulf'?)" in err


# --- the split ---------------------------------------------------------------------------------


def test_region_split_hand_case() -> None:
    """3 GW powered: 1 GW named in region 0, the 2 GW generic split 50/50 ⇒ 2/3 and 1/3."""
    named = np.array([[[1.0]], [[0.0]]])  # [R, D, k]
    share = region_split(np.array([[3.0]]), named, np.array([[0.5, 0.5]]))
    np.testing.assert_allclose(share[:, 0, 0], [2 / 3, 1 / 3])
    # nothing powered: the generic shares
    share = region_split(np.zeros((1, 1)), np.zeros((2, 1, 1)), np.array([[0.2, 0.8]]))
    np.testing.assert_allclose(share[:, 0, 0], [0.2, 0.8])


@settings(max_examples=60, deadline=None)
@given(
    powered=st.floats(0, 50),
    named=st.lists(st.floats(0, 20), min_size=3, max_size=3),
    raw=st.lists(st.floats(0.01, 1), min_size=3, max_size=3),
)
def test_region_shares_are_a_split(powered: float, named: list[float], raw: list[float]) -> None:
    g = np.array([raw]) / sum(raw)
    share = region_split(np.array([[powered]]), np.array(named)[:, None, None], g)
    assert (share >= 0).all()
    np.testing.assert_allclose(share.sum(axis=0), 1.0, rtol=1e-9)


def test_regions_add_up_to_the_engine_totals(announced: tuple[xr.Dataset, object]) -> None:
    ds, _ = announced
    years = ds["year"].values
    week_years = np.asarray((ds.indexes["week"] + np.timedelta64(3, "D")).year)
    last = [np.nonzero(week_years == y)[0][-1] for y in years]
    it = ds["it_gw_online"].values[:, last]
    np.testing.assert_allclose(ds["it_gw_online_by_region"].sum("region").values, it, atol=SUM_TOL)
    twh = np.stack([ds["energy_twh"].values[:, week_years == y].sum(axis=1) for y in years], 1)
    np.testing.assert_allclose(
        ds["ai_energy_twh_by_region"].sum("region").values, twh, rtol=SUM_TOL, atol=SUM_TOL
    )
    fac = ds["ai_facility_gw_online_by_region"] / ds["it_gw_online_by_region"].where(
        ds["it_gw_online_by_region"] > 0
    )
    np.testing.assert_allclose(
        fac.median("region").values,
        np.broadcast_to(ds["pue"].values[:, None], fac.median("region").shape),
        rtol=1e-5,
    )


def test_openai_sits_in_the_us_and_the_gulf_only(announced: tuple[xr.Dataset, object]) -> None:
    """A buyer's generic (cloud) capacity is in the US; Abu Dhabi's shells are in the Gulf."""
    ds, _ = announced
    ai = ds["it_gw_online_by_region"].sel(year=2033).median("draw")
    assert float(ai.sel(region="china")) == 0.0
    assert float(ai.sel(region="apac")) == 0.0
    assert float(ai.sel(region="gulf")) > 0.1
    us = [r for r in ds["region"].values if str(r).startswith("us-")]
    assert float(ai.sel(region=us).sum()) > 0.8 * float(ai.sum())


def test_moving_a_site_moves_its_capacity(announced: tuple[xr.Dataset, object]) -> None:
    base, _ = announced
    moved, _ = _run("announced", site_regions={"uae": "us-ercot"})
    b = base["it_gw_online_by_region"].sel(year=2033)
    m = moved["it_gw_online_by_region"].sel(year=2033)
    assert float(m.sel(region="gulf").max()) == 0.0
    gained = (m.sel(region="us-ercot") - b.sel(region="us-ercot")).values
    lost = b.sel(region="gulf").values
    assert float(np.median(lost)) > 0.1
    # what the Gulf lost, ERCOT gained (less what the other US regions gave up pro rata)
    assert (gained >= lost - SUM_TOL).mean() > 0.9
    # the world's total barely moves: the phases now queue with ERCOT's wait (longer than the
    # Gulf's, so a draw may see them later), and each US region's generic shells compete for
    # their own share of the grid tier (docs/regions.md)
    rel = np.abs(m.sum("region").values / b.sum("region").values - 1.0)
    assert float(np.median(rel)) < 2e-3
    assert float(rel.max()) < 0.05


# --- conventional load -----------------------------------------------------------------------


class _Median:
    """A sampler that returns each fact's stated value (or the override given)."""

    n = 2

    def __init__(self, **over: float) -> None:
        self.over = over

    def fact(self, path: str, fact: object, u: object = None) -> np.ndarray:
        key = path.rsplit(".", 1)[1]
        return np.full(self.n, self.over.get(key, fact.value))  # type: ignore[attr-defined]


def test_conventional_load_follows_the_iea_base_case_formula() -> None:
    cat = load_catalog()
    sm = _Median()
    within = within_shares(cat, sm)
    conv = conventional_twh(cat, sm, within, np.array([2024, 2030, 2035]))
    ids = list(cat.regions)
    e = cat.energy
    us = e["iea_twh_2024_united_states"].value * 0.14 * (1 - 0.15)  # us-ercot
    assert conv[0, 0, ids.index("us-ercot")] == pytest.approx(us)
    assert conv[0, 1, ids.index("us-ercot")] == pytest.approx(us * 1.09**6)
    assert conv[0, 2, ids.index("us-ercot")] == pytest.approx(us * 1.09**6 * 1.04**5)
    world24 = sum(e[f"iea_twh_2024_{i}"].value for i in IEA_REGIONS)
    assert conv[0, 0].sum() == pytest.approx(world24 * 0.85)
    # a faster conventional growth raises every later year, not 2024
    fast = conventional_twh(
        cat, _Median(conventional_growth_to_2030=0.12), within, np.array([2024, 2030])
    )
    assert fast[0, 0].sum() == pytest.approx(conv[0, 0].sum())
    assert fast[0, 1].sum() > conv[0, 1].sum() * 1.1


def test_conventional_gw_is_energy_over_hours_and_load_factor(
    industry: tuple[xr.Dataset, object],
) -> None:
    ds, _ = industry
    y = 2030
    ratio = ds["conventional_energy_twh_by_region"].sel(year=y) / ds[
        "conventional_facility_gw_by_region"
    ].sel(year=y)
    lf = ds["load_factor"]
    week_years = np.asarray((ds.indexes["week"] + np.timedelta64(3, "D")).year)
    ratio = ratio / ((week_years == y).sum() * 7 / 365.25)  # energy is of the year's weeks
    np.testing.assert_allclose(
        ratio.values,
        (TWH_PER_GW_YR * lf).values[:, None] * np.ones((1, ds.sizes["region"])),
        rtol=1e-5,
    )


# --- summary contract ------------------------------------------------------------------------


def test_summary_years_carry_regions_and_energy(industry: tuple[xr.Dataset, object]) -> None:
    ds, sc = industry
    s = summarise(ds, sc)  # type: ignore[arg-type]
    y = s["years"]["2030"]
    regions = [str(r) for r in ds["region"].values]
    for key in (
        "facility_gw_online_by_region",
        "energy_twh",
        "ai_facility_gw_online_by_region",
        "ai_energy_twh",
    ):
        assert set(y[key]) == {*regions, "total"}, key
        for q in y[key].values():
            assert q["p5"] <= q["p50"] <= q["p95"]
    # AI + conventional ≥ AI alone, in every region; the AI total is the engine's facility GW
    for r in regions:
        assert y["energy_twh"][r]["p50"] >= y["ai_energy_twh"][r]["p50"]
    assert y["ai_facility_gw_online_by_region"]["total"]["p50"] == pytest.approx(
        y["facility_gw_online"]["p50"], rel=1e-3
    )
    assert y["facility_gw_online_by_region"]["total"]["p50"] > y["facility_gw_online"]["p50"] + 50


# --- the whole command: results.nc, summary.json, store and report ---------------------------


def test_run_writes_regions_to_every_output(
    announced_cli_run: tuple[Path, Path, int, str],
) -> None:
    """``run announced --draws 40 --seed 3 --out --store`` (run once for the session)."""
    import json
    import re

    from gigafactory.results.store import RunStore

    out, store, code, output = announced_cli_run
    assert code == 0, output
    with xr.open_dataset(out / "results.nc") as ds:
        assert ds["ai_energy_twh_by_region"].dims == ("draw", "year", "region")
        assert ds["conventional_facility_gw_by_region"].dims == ("draw", "year", "region")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["years"]["2030"]["energy_twh"]["gulf"]["p50"] > 0
    run = RunStore(store).get_run("latest")
    assert run.metrics["years.2030.energy_twh.us-ercot.p50"] == pytest.approx(
        summary["years"]["2030"]["energy_twh"]["us-ercot"]["p50"]
    )
    assert "years.2030.ai_facility_gw_online_by_region.total.p50" in run.metrics
    html = (out / "report.html").read_text(encoding="utf-8")
    assert {"regions", "energy"} <= set(re.findall(r'<div id="chart-([\w-]+)"', html))
    assert "Data-centre load online by region (facility GW, AI fleet" in html
    assert "scenario announced, 40 draws" in html
