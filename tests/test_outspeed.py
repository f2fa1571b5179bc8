"""The whole command's faster paths give today's answers (never a timing assertion here)."""

from __future__ import annotations

import numpy as np
import plotly.io as pio
import xarray as xr

from gigafactory.report.charts import new_figure
from gigafactory.results.series import distributions, quantile_series, run_tables
from gigafactory.results.summary import build_rate, goal_reached, net_rate
from gigafactory.supply import ModelInputs, simulate
from gigafactory.supply.attribution import delay_weeks


def test_quantiles_leave_a_week_major_dataset_in_draw_order(industry_inputs: ModelInputs) -> None:
    """``simulate`` stores week-major; the quantile tables must not reorder its draws."""
    ds = simulate(industry_inputs, vendor_detail=False)
    assert ds["it_gw_online"].values.flags["F_CONTIGUOUS"]  # the layout this guards
    before = {v: ds[v].values.copy() for v in ("it_gw_online", "facility_gw_added")}
    quantile_series(ds, source="physical", variables=list(before))
    run_tables(ds)
    for v, values in before.items():
        np.testing.assert_array_equal(ds[v].values, values)


def test_attribution_gives_the_same_delays_on_either_engine(industry_inputs: ModelInputs) -> None:
    online = simulate(industry_inputs, vendor_detail=False).it_gw_online.values
    milestone = float(np.median(online[:, 300]))
    numpy = delay_weeks(industry_inputs, milestone, engine="numpy")
    assert len(numpy) > 1  # some tier delays the milestone: the comparison says something
    assert delay_weeks(industry_inputs, milestone, engine="numba") == numpy


def test_goal_reached_with_the_callers_rates_equals_its_own(industry_inputs: ModelInputs) -> None:
    ds = simulate(industry_inputs, vendor_detail=False).assign_attrs(goal_gw_per_week=0.05)
    gross = build_rate(ds, str(ds.attrs["goal_basis"])).values
    assert goal_reached(ds, rate=gross) == goal_reached(ds)
    assert goal_reached(ds, net=True, rate=net_rate(ds)) == goal_reached(ds, net=True)
    assert goal_reached(ds)[1]["share_of_draws"] > 0  # the goal is reached: not vacuous


def test_report_figures_keep_plotly_white_layout() -> None:
    """The trimmed template keeps plotly_white's whole layout and its scatter/bar defaults."""
    template = new_figure().layout.template
    full = pio.templates["plotly_white"]
    assert template.layout.to_plotly_json() == full.layout.to_plotly_json()
    for kind in ("scatter", "bar"):
        got = [t.to_plotly_json() for t in template.data[kind]]
        assert got == [t.to_plotly_json() for t in full.data[kind]]


def test_quantile_series_of_a_draw_major_copy_is_unchanged(industry_inputs: ModelInputs) -> None:
    """The same quantiles whichever layout the draws are stored in."""
    ds = simulate(industry_inputs, vendor_detail=False)
    c_order = xr.Dataset(
        {"it_gw_online": (("draw", "week"), np.ascontiguousarray(ds["it_gw_online"].values))},
        coords={"draw": ds["draw"], "week": ds["week"]},
    )
    a = quantile_series(ds, source="physical", variables=["it_gw_online"])
    b = quantile_series(c_order, source="physical", variables=["it_gw_online"])
    assert a.equals(b)


def test_attribution_runs_on_the_engine_of_the_run(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A run that loaded the compiled loop (``pick_engine``) runs its counterfactuals on it."""
    import gigafactory.pipeline as pipeline

    seen: list[str] = []
    monkeypatch.setattr(pipeline, "delays_to", lambda *args: seen.append(args[-1]) or {})
    weeks = np.arange("2025-01-06", "2031-12-29", 7, dtype="datetime64[D]")
    for draws in (100, 5000):
        ds = xr.Dataset(
            {"it_gw_online": (("draw", "week"), np.ones((draws, len(weeks)), np.float32))},
            coords={"week": weeks.astype("datetime64[ns]")},
        )
        pipeline.attribute_delays(None, None, ds, 1)  # type: ignore[arg-type]
    assert seen == ["numpy", "numba"]


def test_netcdf_is_contiguous_unless_compressed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Uncompressed variables are stored contiguous (no chunk index to write); compressed
    ones in chunks of draws; both read back identical."""
    import h5py

    from gigafactory.cli.files import write_netcdf

    ds = xr.Dataset(
        {"x": (("draw", "week"), np.random.default_rng(1).random((300, 20), dtype=np.float32))},
        coords={"draw": np.arange(300), "week": np.arange(20)},
    )
    for compress, chunks in ((False, None), (True, (256, 20))):
        path = tmp_path / f"r{compress}.nc"
        write_netcdf(ds, path, compress=compress)
        with h5py.File(path) as f:
            assert f["x"].chunks == chunks
        with xr.open_dataset(path, engine="h5netcdf") as back:
            xr.testing.assert_identical(back.load(), ds)


def test_distributions_leave_per_draw_values_in_draw_order() -> None:
    """A ``(draw,)`` variable's quantiles must not sort it in place: ``run --out`` writes
    results.nc after the quantile tables, and a draw's PUE must stay that draw's."""
    pue = np.random.default_rng(3).uniform(1.1, 1.4, 500).astype(np.float32)
    ds = xr.Dataset({"pue": (("draw",), pue.copy())}, coords={"draw": np.arange(500)})
    distributions(ds, source="physical")
    np.testing.assert_array_equal(ds["pue"].values, pue)
