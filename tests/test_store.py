"""The DuckDB run store: lineage, quantiles, diff, export, delete, and atomic saves (one process)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from fixtures import FakePlan, example_finance, example_physical, example_summary
from gigafactory.catalog import load_catalog
from gigafactory.errors import GigafactoryError
from gigafactory.results.series import (
    TABLE_NAMES,
    binding_shares,
    flatten_metrics,
    phase_table,
    quantile_series,
    run_tables,
)
from gigafactory.results.store import RunStore, default_store_path, input_hash
from gigafactory.results.store.schema import TABLE_READS

TABLES = ("runs", "metrics", "series", "distributions", "binding", "phases", "flows", "bottlenecks")
YAML_A = "name: announced\nseed: 42\ndraws: 40\noverrides:\n  tiers.cowos.capacity: 1.0\n"
YAML_B = "name: announced\nseed: 7\ndraws: 40\noverrides:\n  tiers.cowos.capacity: 1.5\n  tiers.hbm.capacity: 0.8\n"


@pytest.fixture(scope="module")
def physical() -> xr.Dataset:
    return example_physical(draws=40, seed=1)


@pytest.fixture(scope="module")
def finance(physical: xr.Dataset) -> xr.Dataset:
    return example_finance(physical)


def counts(path: Path) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}  # type: ignore[index]


def test_save_and_get_keep_lineage_and_quantiles(
    tmp_path: Path, physical: xr.Dataset, finance: xr.Dataset
) -> None:
    store = RunStore(tmp_path / "runs.duckdb")
    summary = example_summary(physical)
    cat = load_catalog()
    rid = store.save_run(
        summary, scenario_yaml=YAML_A, physical=physical, finance=finance, catalog=cat, note="first"
    )
    run = store.get_run(rid)
    assert (run.run_id, run.kind, run.scenario, run.seed, run.draws, run.note) == (
        rid,
        "run",
        "example",
        1,
        40,
        "first",
    )
    assert run.scenario_yaml == YAML_A
    assert run.input_hash == input_hash(YAML_A, cat)
    assert len(run.input_hash) == 64
    assert run.version
    assert run.summary == json.loads(json.dumps(summary))
    assert run.attrs["goal_gw_per_week"] == 1.0
    # The stored p50 is the median over draws of the dataset, week by week.
    p50 = run.series.query("source == 'physical' and variable == 'it_gw_online'")["p50"].to_numpy()
    np.testing.assert_allclose(p50, physical["it_gw_online"].median("draw").values, rtol=1e-6)
    assert set(run.series.query("source == 'finance'")["variable"]) == {"cash_usd_b"}
    gap = run.distributions.query("variable == 'funding_gap_usd_b'").set_index("key")["p50"]
    expected = finance["funding_gap_usd_b"].median("draw").sel(entity=gap.index.to_list())
    np.testing.assert_allclose(gap.to_numpy(), expected.values, rtol=1e-6)
    shares = run.binding.groupby("week")["share"].sum()
    np.testing.assert_allclose(shares.to_numpy(), 1.0)
    assert list(run.phases["phase"]) == list(physical["phase"].values)
    assert run.flows["usd_b"].gt(0).all()
    assert len(run.flows) == 8
    assert run.metrics["years.2027.facility_gw_online.p50"] == pytest.approx(
        summary["years"]["2027"]["facility_gw_online"]["p50"]
    )
    assert run.metrics["finance.first_breach"] == "2027-W14"


def test_every_quantile_table_reads_back_as_written(
    tmp_path: Path, physical: xr.Dataset, finance: xr.Dataset
) -> None:
    """The reader's one table spec (``TABLE_READS``) returns each table of ``run_tables``:
    the same columns and rows, dates as datetimes, the series in its documented order."""
    written = run_tables(physical, finance)
    store = RunStore(tmp_path / "runs.duckdb")
    rid = store.save_run(
        example_summary(physical),
        scenario_yaml=YAML_A,
        physical=physical,
        finance=finance,
        tables=written,
    )
    run = store.get_run(rid)
    assert tuple(run.tables()) == TABLE_NAMES
    for name, back in run.tables().items():
        want = written[name]
        assert list(back.columns) == list(want.columns), name
        assert len(back) == len(want), name
        if back.empty:
            continue
        for c in TABLE_READS[name][2]:
            assert pd.api.types.is_datetime64_any_dtype(back[c]), (name, c)
            want = want.assign(**{c: pd.to_datetime(want[c])})
        keys = [c for c in want.columns if not pd.api.types.is_float_dtype(want[c])]
        pd.testing.assert_frame_equal(
            back.sort_values(keys).reset_index(drop=True),
            want.sort_values(keys).reset_index(drop=True),
            check_dtype=False,
        )
    order = run.series[["source", "variable", "key", "week"]]
    assert order.equals(order.sort_values(["source", "variable", "key", "week"]))


def test_plan_is_stored_with_schedule_and_bottlenecks(tmp_path: Path) -> None:
    weeks = pd.date_range("2025-01-06", periods=20, freq="13W-MON")
    plan = FakePlan(
        schedule=xr.Dataset(
            {"it_gw_online": ("week", np.linspace(1, 20, 20))}, coords={"week": weeks}
        ),
        bottlenecks=pd.DataFrame(
            {
                "constraint": ["cap-cowos", "cap-grid"],
                "period": ["2027Q1", "2028Q3"],
                "shadow_price": [0.42, 1.7],
                "unit": ["GW per 1k wafers/month", "GW per GW"],
            }
        ),
    )
    store = RunStore(tmp_path / "runs.duckdb")
    rid = store.save_run(
        {"scenario": "gw-per-week", "objective": 12.5},
        scenario_yaml="name: gw-per-week\n",
        plan=plan,
    )
    run = store.get_run(rid)
    assert run.kind == "plan"
    assert list(run.bottlenecks["constraint"]) == ["cap-cowos", "cap-grid"]
    sched = run.series.query("source == 'plan'")
    np.testing.assert_allclose(sched["p50"], np.linspace(1, 20, 20))
    assert (sched["p5"] == sched["p95"]).all()


def test_list_runs_newest_first_with_headline(tmp_path: Path, physical: xr.Dataset) -> None:
    store = RunStore(tmp_path / "new" / "runs.duckdb")
    assert store.list_runs().empty  # no file yet: empty, and nothing created by reading
    assert not store.path.parent.exists()  # reading created nothing, not even the folder
    ids = [
        store.save_run(example_summary(physical), scenario_yaml=YAML_A, physical=physical, seed=s)
        for s in (1, 2, 3)
    ]
    listed = store.list_runs()
    assert list(listed["run_id"]) == ids[::-1]
    assert list(listed["seed"]) == [3, 2, 1]
    assert listed["years.2030.facility_gw_online.p50"].notna().all()


def test_prefix_latest_and_unknown_ids(tmp_path: Path, physical: xr.Dataset) -> None:
    store = RunStore(tmp_path / "runs.duckdb")
    with pytest.raises(GigafactoryError, match="empty"):
        store.get_run("abcd")
    rid = store.save_run(example_summary(physical), scenario_yaml=YAML_A, physical=physical)
    assert store.get_run(rid[:4]).run_id == rid
    assert store.get_run("latest").run_id == rid
    with pytest.raises(GigafactoryError, match=r"no run 'zzzz'.*runs list"):
        store.get_run("zzzz")


def test_diff_names_changed_inputs_and_moved_outputs(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.duckdb")
    pa, pb = example_physical(draws=30, seed=1), example_physical(draws=30, seed=7)
    a = store.save_run(example_summary(pa), scenario_yaml=YAML_A, physical=pa)
    b = store.save_run(example_summary(pb), scenario_yaml=YAML_B, physical=pb)
    d = store.diff_runs(a, b)
    assert d.fields["seed"] == (1, 7)
    assert "draws" not in d.fields  # both 30
    assert ("overrides.tiers.cowos.capacity", 1.0, 1.5) in d.settings
    assert ("overrides.tiers.hbm.capacity", None, 0.8) in d.settings
    assert any(line.startswith("+  tiers.hbm.capacity") for line in d.yaml_diff)
    moved = {m.metric: m for m in d.headline}
    m = moved["years.2030.facility_gw_online.p50"]
    assert m.delta == pytest.approx(m.b - m.a)
    assert m.delta != 0
    assert d.metrics
    assert not d.same_inputs
    same = store.diff_runs(a, a)
    assert same.same_inputs
    assert not same.metrics
    assert not same.yaml_diff


def test_export_parquet_round_trips(
    tmp_path: Path, physical: xr.Dataset, finance: xr.Dataset
) -> None:
    store = RunStore(tmp_path / "runs.duckdb")
    rid = store.save_run(
        example_summary(physical),
        scenario_yaml=YAML_A,
        physical=physical,
        finance=finance,
        trajectories=True,
    )
    files = store.export_parquet(rid, tmp_path / "export")
    names = {f.name for f in files}
    assert {
        "run.json",
        "series.parquet",
        "binding.parquet",
        "phases.parquet",
        "metrics.parquet",
        "flows.parquet",
    } <= names
    assert (
        "physical.draw-week.parquet" in names
    )  # full trajectories were kept, so they are exported too
    series = pd.read_parquet(tmp_path / "export" / rid / "series.parquet")
    pd.testing.assert_frame_equal(
        series.reset_index(drop=True),
        store.get_run(rid).series.reset_index(drop=True),
        check_dtype=False,
    )
    meta = json.loads((tmp_path / "export" / rid / "run.json").read_text())
    assert meta["scenario_yaml"] == YAML_A
    assert meta["seed"] == 1


def test_trajectories_round_trip_every_draw(tmp_path: Path, physical: xr.Dataset) -> None:
    store = RunStore(tmp_path / "runs.duckdb")
    rid = store.save_run(
        example_summary(physical), scenario_yaml=YAML_A, physical=physical, trajectories=True
    )
    back = store.load_trajectories(rid)
    for name in ("it_gw_online", "binding", "phase_power_week", "it_gw_online_by_vendor", "pue"):
        xr.testing.assert_equal(
            back[name].transpose(*physical[name].dims).reset_coords(drop=True),
            physical[name].reset_coords(drop=True),
        )
    assert list(back["tier"].values) == list(
        physical["tier"].values
    )  # label order kept, not sorted
    assert back.attrs["binding_codes"] == physical.attrs["binding_codes"]
    plain = store.save_run(example_summary(physical), scenario_yaml=YAML_A, physical=physical)
    with pytest.raises(GigafactoryError, match="without trajectories"):
        store.load_trajectories(plain)


def test_delete_removes_every_row_and_the_parquet(tmp_path: Path, physical: xr.Dataset) -> None:
    store = RunStore(tmp_path / "runs.duckdb")
    keep = store.save_run(example_summary(physical), scenario_yaml=YAML_A, physical=physical)
    gone = store.save_run(
        example_summary(physical), scenario_yaml=YAML_A, physical=physical, trajectories=True
    )
    before = counts(store.path)
    folder = store.get_run(gone).trajectories
    assert folder is not None
    assert folder.is_dir()
    assert store.delete_run(gone) == gone
    after = counts(store.path)
    assert after["runs"] == 1
    assert all(after[t] * 2 == before[t] for t in TABLES if t not in ("flows", "bottlenecks"))
    assert not folder.exists()
    assert list(store.list_runs()["run_id"]) == [keep]
    with pytest.raises(GigafactoryError):
        store.delete_run(gone)


class FailingStore(RunStore):
    """A store whose save breaks after the first child tables are written (mid-transaction)."""

    def __init__(self, path: Path, exc: BaseException) -> None:
        super().__init__(path)
        self.exc = exc

    def _insert(
        self, con: duckdb.DuckDBPyConnection, table: str, run_id: str, df: pd.DataFrame
    ) -> None:
        if table == "binding":
            raise self.exc
        super()._insert(con, table, run_id, df)


@pytest.mark.parametrize(
    "exc", [RuntimeError("disk full"), KeyboardInterrupt()], ids=["error", "interrupt"]
)
def test_failed_or_interrupted_save_leaves_no_rows(
    tmp_path: Path, physical: xr.Dataset, exc: BaseException
) -> None:
    path = tmp_path / "runs.duckdb"
    good = RunStore(path).save_run(
        example_summary(physical), scenario_yaml=YAML_A, physical=physical
    )
    before = counts(path)
    with pytest.raises(type(exc)):
        FailingStore(path, exc).save_run(
            example_summary(physical), scenario_yaml=YAML_A, physical=physical, trajectories=True
        )
    assert counts(path) == before
    assert (
        list((tmp_path / "runs.trajectories").iterdir()) == []
    )  # the Parquet folder was removed too
    assert list(RunStore(path).list_runs()["run_id"]) == [good]


def test_default_path_follows_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GIGAFACTORY_STORE", str(tmp_path / "x.duckdb"))
    assert default_store_path() == tmp_path / "x.duckdb"
    monkeypatch.delenv("GIGAFACTORY_STORE")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_store_path() == tmp_path / "data" / "gigafactory" / "runs.duckdb"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert default_store_path() == Path.home() / ".local" / "share" / "gigafactory" / "runs.duckdb"


def test_series_helpers_match_numpy(physical: xr.Dataset) -> None:
    q = quantile_series(physical, source="physical", variables=["racks_waiting_gw"])
    np.testing.assert_allclose(
        q["p95"], np.quantile(physical["racks_waiting_gw"].values, 0.95, axis=0), rtol=1e-6
    )
    b = binding_shares(physical)
    codes = physical["binding"].values
    cowos = physical.attrs["binding_codes"] and json.loads(physical.attrs["binding_codes"]).index(
        "cowos"
    )
    np.testing.assert_allclose(b.query("tier == 'cowos'")["share"], (codes == cowos).mean(axis=0))
    p = phase_table(physical)
    assert (p["p5"] <= p["p50"]).all()
    assert (p["p50"] <= p["p95"]).all()
    assert flatten_metrics({"a": {"b": [1, {"c": "x"}]}, "d": True, "e": None}) == {
        "a.b.0": 1.0,
        "a.b.1.c": "x",
        "d": 1.0,
        "e": None,
    }


def test_busy_store_gives_up_with_a_clear_error(tmp_path: Path, physical: xr.Dataset) -> None:
    import fcntl
    import os

    store = RunStore(tmp_path / "runs.duckdb", timeout=0.3)
    rid = store.save_run(example_summary(physical), scenario_yaml=YAML_A, physical=physical)
    fd = os.open(store.lock_path, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another writer holds the store
    try:
        with pytest.raises(GigafactoryError, match="busy"):
            store.save_run(example_summary(physical), scenario_yaml=YAML_A, physical=physical)
        with pytest.raises(GigafactoryError, match="busy"):
            store.list_runs()  # readers wait for writers too
    finally:
        os.close(fd)
    assert list(store.list_runs()["run_id"]) == [rid]


def test_store_from_an_older_version_is_upgraded_on_read(
    tmp_path: Path, physical: xr.Dataset
) -> None:
    store = RunStore(tmp_path / "runs.duckdb")
    rid = store.save_run(example_summary(physical), scenario_yaml=YAML_A, physical=physical)
    with duckdb.connect(str(store.path)) as con:
        con.execute("DROP TABLE distributions")  # as written before that table existed
    run = store.get_run(rid)  # a reader adds the missing table instead of failing
    assert run.distributions.empty
    assert counts(store.path)["runs"] == 1


def test_a_file_that_is_not_a_store_is_a_user_error(tmp_path: Path) -> None:
    bad = tmp_path / "notes.duckdb"
    bad.write_text("not a database")
    with pytest.raises(GigafactoryError, match="not a gigafactory run store"):
        RunStore(bad).list_runs()


def test_diff_ranks_moves_by_absolute_size_in_their_unit() -> None:
    """A $100B → $80B gap (−20 %) ranks above a 2.79e-5 → 6.9e-5 residue (+148 %)."""
    from gigafactory.results.store.diff import MetricChange, _absolute_move

    moves = [
        MetricChange("finance.max_weekly_imbalance", 2.79e-05, 6.91e-05),
        MetricChange("finance.funding_gap_usd_b.p50", 100.0, 80.0),
        MetricChange("finance.first_breach", "2027-W14", "2028-W02"),
        MetricChange("bottleneck.cowos.share", None, 0.3),
    ]
    moves.sort(key=_absolute_move, reverse=True)
    assert [m.metric for m in moves] == [
        "finance.first_breach",
        "finance.funding_gap_usd_b.p50",
        "finance.max_weekly_imbalance",
        "bottleneck.cowos.share",
    ]
