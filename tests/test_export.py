"""Review tables of a stored run (CSV / Excel) and the units read off metric names."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from gigafactory.catalog import load_catalog
from gigafactory.results.export import TABLES, run_tables, unit_of
from gigafactory.results.store import RunStore
from web_helpers import save_example_run


@pytest.mark.parametrize(
    ("metric", "unit"),
    [
        ("years.2030.facility_gw_online.p50", "GW"),
        ("years.2030.gw_added_per_week.p50", "GW/week"),
        ("finance.funding_gap_usd_b.p50", "USD billions"),
        ("years.2031.h100e_online_m.p50", "millions"),
        ("binding_weeks_mean.orders", "weeks"),
        ("years.2029.binding.orders", "share of draws (0–1)"),
        ("gw_per_week_reached", "ISO week"),
        ("finance.first_breach", "ISO week"),
        ("finance.circularity.return_probability.aws", "probability (0–1)"),
        ("years.2033.energy_twh.p50", "TWh"),
    ],
)
def test_unit_is_read_off_the_name(metric: str, unit: str) -> None:
    assert unit_of(metric) == unit


def test_tables_carry_every_year_site_and_sourced_fact(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    run = RunStore(store).get_run(save_example_run(store, 7))
    cat = load_catalog()
    tables = run_tables(run, cat)
    assert list(tables) == list(TABLES)
    years = tables["years"]
    assert [str(y) for y in years["year"]] == sorted(run.summary["years"])
    p = years[["facility GW online p5", "facility GW online p50", "facility GW online p95"]]
    assert (p.diff(axis=1).iloc[:, 1:] >= 0).all().all(), "p5 ≤ p50 ≤ p95 in every year"
    assert len(tables["sites"]) == len(run.phases)
    facts = tables["assumptions"]
    assert facts["source"].str.len().gt(0).all()
    assert facts["path"].is_unique
    summary = dict(zip(tables["summary"]["metric"], tables["summary"]["value"], strict=True))
    assert summary["run_id"] == run.run_id
    assert pd.Series(tables["binding"]["share"]).between(0, 1).all()
