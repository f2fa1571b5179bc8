"""A run loads only what it uses: no dask through xarray's duck-array checks, no numba for
the NumPy engine — and xarray still recognises dask arrays once dask is imported."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[1] / "src")


def _python(code: str) -> str:
    """Run ``code`` in a fresh interpreter with this tree's sources first; its stdout."""
    env = os.environ | {"PYTHONPATH": SRC}
    res = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    return res.stdout.strip()


def test_a_small_run_imports_neither_dask_nor_the_compiled_engine() -> None:
    out = _python(
        """
        import sys
        from gigafactory import load_catalog, load_scenario, run
        cat = load_catalog()
        run(load_scenario("announced", cat), cat, draws=50, seed=1, with_finance=False)
        print("dask" in sys.modules, "gigafactory.supply.kernel" in sys.modules)
        """
    )
    assert out == "False False"


def test_xarray_still_sees_dask_arrays_once_dask_is_imported() -> None:
    out = _python(
        """
        import sys
        import numpy as np
        import gigafactory.pipeline  # installs the deferral
        import xarray as xr
        from xarray.namedarray.pycompat import array_type
        from gigafactory.lazy import defer_dask_in_xarray
        xr.Dataset({"a": (("x",), np.zeros(3))}, coords={"x": [1, 2, 3]})
        assert array_type("dask") == ()
        assert "dask" not in sys.modules
        assert not defer_dask_in_xarray()  # installed once only
        import dask.array as da
        assert array_type("dask") == (da.Array,)
        x = xr.DataArray(da.zeros(4, chunks=2), dims="x")
        ds = xr.Dataset({"b": (("x",), np.arange(4.0))}).chunk({"x": 2})
        print(isinstance(x.data, da.Array), x.chunks, ds.b.chunks, float(ds.b.sum().compute()))
        """
    )
    assert out == "True ((2, 2),) ((2, 2),) 6.0"


def test_the_contracted_run_skips_only_the_regional_variables(announced_inputs) -> None:  # type: ignore[no-untyped-def]
    from gigafactory.supply import simulate

    full = simulate(announced_inputs, vendor_detail=False, engine="numpy")
    bare = simulate(announced_inputs, vendor_detail=False, engine="numpy", regions=False)
    regional = sorted(set(full.data_vars) - set(bare.data_vars))
    assert regional and all(k.endswith("_by_region") or k == "region_iea" for k in regional)
    assert set(bare.data_vars) < set(full.data_vars)
    for k in bare.data_vars:
        assert (bare[k].values == full[k].values).all(), k


def test_writing_netcdf_imports_no_dask_and_reads_back_equal(tmp_path: Path) -> None:
    target = tmp_path / "x.nc"
    out = _python(
        f"""
        import sys
        import numpy as np
        import xarray as xr
        from pathlib import Path
        from gigafactory.cli.files import write_netcdf
        ds = xr.Dataset(
            {{"a": (("draw", "week"), np.arange(12, dtype="float32").reshape(3, 4))}},
            coords={{"week": np.arange(4), "draw": np.arange(3)}},
        )
        write_netcdf(ds, Path({str(target)!r}))
        print("dask" in sys.modules)  # reading back below may import it
        back = xr.open_dataset({str(target)!r}, engine="h5netcdf").load()
        print(bool((back.a.values == ds.a.values).all()))
        """
    )
    assert out.split() == ["False", "True"]


def test_the_scheduler_question_goes_to_dask_once_it_is_imported() -> None:
    out = _python(
        """
        import gigafactory.pipeline  # installs the deferral
        from xarray.backends import locks, writers
        assert locks.get_dask_scheduler() is None and writers.get_dask_scheduler is locks.get_dask_scheduler
        import dask
        print(locks.get_dask_scheduler())  # dask's own answer, no longer None
        """
    )
    assert out == "threaded"
