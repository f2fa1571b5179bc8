"""Solve the planning LP on HiGHS (in memory) and read back the schedule and duals."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import linopy
import numpy as np
import pandas as pd
import xarray as xr

from ..errors import GigafactoryError
from ..supply.inputs import ModelInputs
from .data import CAP_UNITS, PlanData
from .model import LIMITS, Builder, target_path
from .settings import PlanSettings

#: A slack above this (scaled units: GW, k wafers, M stacks, $B) is a violation.
VIOLATION_TOL = 1e-6

#: Scaled unit of each limit's right-hand side, per period.
LIMIT_UNITS: dict[str, str] = {
    **{k: u for k, (u, _) in CAP_UNITS.items()},
    "orders": "GW IT (cumulative)",
    "phase": "GW IT",
    "budget": "$B",
}


class PlanSolveError(GigafactoryError):
    """The solver did not prove optimality (time limit, numerical trouble, unbounded)."""


@dataclass
class PlanResult:
    """A solved plan.

    Attributes
    ----------
    model : linopy.Model
        The solved model (variables, constraints, duals).
    settings : PlanSettings
    data : PlanData
        The per-period inputs the model was built from.
    status, termination : str
        Solver status (``ok``) and termination condition (``optimal``).
    objective : float
        Objective value: discounted IT GW-weeks (``max-gw``, excluding the initial fleet) or
        discounted $B plus penalties (``target``, ``lexicographic`` stage 2).
    schedule : xr.Dataset
        Per-period flows (GW per period) and end-of-period stocks (GW) on dim ``week`` (the
        first Monday of each period), see :func:`schedule`.
    duals : xr.Dataset
        Shadow price of every ``cap-*`` and ``budget`` constraint, objective units per scaled
        unit of right-hand side (positive = relaxing the limit improves the objective).
    violations : pd.DataFrame
        ``constraint, period, item, amount, unit``: the elastic slack the plan needed.
    bottlenecks : pd.DataFrame or None
        The quarterly bottleneck report (:func:`gigafactory.plan.bottlenecks`), filled by
        :func:`solve_plan` (without the simulator column).
    build_s, solve_s : float
        Wall-clock seconds to build and to solve.
    """

    model: linopy.Model
    settings: PlanSettings
    data: PlanData
    status: str
    termination: str
    objective: float
    schedule: xr.Dataset
    duals: xr.Dataset
    violations: pd.DataFrame
    build_s: float = 0.0
    solve_s: float = 0.0
    stages: list[float] = field(default_factory=list)
    bottlenecks: pd.DataFrame | None = None


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence HiGHS's C-level banner, which ignores ``output_flag`` (keeps --json clean)."""
    fd = 1  # the C library writes to fd 1 whatever sys.stdout is
    sys.stdout.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), fd)
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, fd)
        os.close(saved)


def _solve(m: linopy.Model, s: PlanSettings) -> tuple[str, str]:
    with _quiet_stdout():
        status, cond = m.solve(
            solver_name="highs", io_api="direct", output_flag=False, time_limit=s.time_limit_s
        )
    if cond != "optimal":
        raise PlanSolveError(
            f"the plan's LP ended '{cond}' (status '{status}'), not optimal; with elastic "
            f"slack it is always feasible, so raise plan.time_limit_s (now {s.time_limit_s:g} s) "
            "or report the scenario as a bug"
        )
    return str(status), str(cond)


def solve_plan(inp: ModelInputs, settings: PlanSettings | None = None) -> PlanResult:
    """Build and solve the plan; require an optimal solution.

    Parameters
    ----------
    inp : ModelInputs
        Compiled inputs (the draw is ``settings.draw``; None → draw 0).
    settings : PlanSettings, optional
        Defaults to ``PlanSettings()`` (``max-gw``, weekly).

    Returns
    -------
    PlanResult

    Raises
    ------
    PlanSolveError
        When HiGHS does not report ``optimal``.

    Notes
    -----
    ``lexicographic`` solves twice: stage 1 minimises the shortfall ``S* = min Σ_p n_p s_p``
    (GW-weeks); stage 2 adds ``lex-shortfall: Σ_p n_p s_p ≤ S*(1+tol) + tol`` and minimises
    discounted cost.  Duals are those of the last stage.
    """
    s = settings or PlanSettings()
    t0 = time.perf_counter()
    b = Builder(inp, s)
    m = b.build()
    build_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    status, cond = _solve(m, s)
    stages = [_objective_value(m)]
    if s.objective == "lexicographic":
        weeks = xr.DataArray(b.d.n_weeks, coords={"period": range(b.d.n)}, dims="period")
        short = (weeks * m.variables["shortfall"]).sum()
        bound = stages[0] * (1.0 + s.lexicographic_tol) + s.lexicographic_tol
        m.add_constraints(short <= bound, name="lex-shortfall")
        disc = xr.DataArray(b.d.discount, coords={"period": range(b.d.n)}, dims="period")
        m.add_objective((disc * b.cost).sum() + b.penalty, sense="min", overwrite=True)
        status, cond = _solve(m, s)
        stages.append(_objective_value(m))
    solve_s = time.perf_counter() - t1
    res = PlanResult(
        model=m,
        settings=s,
        data=b.d,
        status=status,
        termination=cond,
        objective=_objective_value(m),
        schedule=schedule(m, b.d, inp, s),
        duals=duals(m),
        violations=violations(m, b.d),
        build_s=build_s,
        solve_s=solve_s,
        stages=stages,
    )
    from .bottlenecks import bottlenecks  # the report module imports this one

    res.bottlenecks = bottlenecks(res)
    return res


def _objective_value(m: linopy.Model) -> float:
    value = m.objective.value
    if value is None:  # pragma: no cover - guarded by the optimal check
        raise PlanSolveError("the solver returned no objective value")
    return float(value)


def _sol(m: linopy.Model, name: str, n: int) -> np.ndarray:
    if name not in m.variables:
        return np.zeros(n)
    return np.asarray(m.variables[name].solution.values, dtype=float)


def _lagged(x: np.ndarray, k: int) -> np.ndarray:
    out = np.zeros_like(x)
    if k < len(x):
        out[k:] = x[: len(x) - k]
    return out


def schedule(m: linopy.Model, d: PlanData, inp: ModelInputs, s: PlanSettings) -> xr.Dataset:
    """Per-period schedule from the solution.

    Flows are GW (or tier units) *per period*; stocks are end-of-period GW.  IT GW online is
    the initial fleet (retiring linearly over the life) plus the plan's installations after
    the install lead, less their retirements after ``life``.
    """
    n = d.n
    v = {
        k: _sol(m, k, n)
        for k in (
            "start",
            "rack",
            "install",
            "build",
            "energise_grid",
            "energise_onsite",
            "acc_inv",
            "rack_inv",
            "shell_inv_grid",
            "shell_inv_onsite",
            "free",
            "new",
            "shortfall",
        )
    }
    v["acc"] = _sol(m, "acc", n) if "acc" in m.variables else v["start"]
    e_ph = (
        np.asarray(m.variables["energise_phase"].solution.values)
        if "energise_phase" in m.variables
        else np.zeros((0, n))
    )
    onsite = d.phase_onsite[:, None]
    e_grid = v["energise_grid"] + (e_ph * ~onsite).sum(axis=0)
    e_onsite = v["energise_onsite"] + (e_ph * onsite).sum(axis=0)
    added = v["install"]
    retired_new = _lagged(v["install"], d.life)
    fleet0_ret = d.fleet0_retired_gw
    online = d.fleet0_gw + v["new"]
    P = ("week",)  # named as in the simulator; with step=month each entry is a month
    ds = xr.Dataset(
        {
            "it_gw_online": (P, online),
            "facility_gw_online": (P, online * d.pue),
            "it_gw_added": (P, added),
            "facility_gw_added": (P, added * d.pue),
            "it_gw_retired": (P, retired_new + fleet0_ret),
            "accelerators_started_gw": (P, v["start"]),
            "accelerators_produced_gw": (P, v["acc"]),
            "h100e_started_m": (P, v["start"] * d.h100e_m_per_gw),
            "logic_kwafers": (P, v["start"] * d.coef["logic_wafers"]),
            "cowos_kwafers": (P, v["start"] * d.coef["cowos"]),
            "hbm_mstacks": (P, v["start"] * d.coef["hbm"]),
            "racked_gw": (P, v["rack"]),
            "shells_built_gw": (P, v["build"]),
            "shells_energised_gw": (P, e_grid + e_onsite),
            "shells_energised_grid_gw": (P, e_grid),
            "shells_energised_onsite_gw": (P, e_onsite),
            "accelerators_waiting_gw": (P, v["acc_inv"]),
            "racks_waiting_gw": (P, v["rack_inv"]),
            "shells_unpowered_gw": (P, v["shell_inv_grid"] + v["shell_inv_onsite"]),
            "shells_empty_gw": (P, v["free"]),
            "n_weeks": (P, d.n_weeks),
        },
        coords={"week": d.periods},
        attrs={
            "objective": s.objective,
            "step": s.step,
            "draw": d.draw,
            "scenario": inp.meta.get("scenario", ""),
            "scope": inp.scope,
            "units": "flows: per period; stocks: end of period; GW unless named",
        },
    )
    if len(d.phase_ids):
        ds["phase_energised_gw"] = (("phase", "week"), e_ph)
        ds = ds.assign_coords(phase=list(d.phase_ids))
    if s.objective != "max-gw":
        target, basis, _ = target_path(inp, s, d)
        ds["target_gw"] = (P, target)
        ds["shortfall_gw"] = (P, v["shortfall"])
        ds.attrs["target_basis"] = basis
    c = s.costs
    ds["cost_b"] = (
        P,
        c.accelerator_b_per_it_gw * v["acc"]
        + c.shell_b_per_it_gw * v["build"]
        + c.power_b_per_fac_gw * d.pue * ds["shells_energised_gw"].values
        + c.install_b_per_it_gw * v["install"],
    )
    return ds


def duals(m: linopy.Model) -> xr.Dataset:
    """Dual of every limit, sign-normalised so positive means "more capacity helps".

    linopy reports ``∂objective/∂rhs``; for a minimisation a useful limit has a negative
    dual, so it is negated there (a saving in $B per unit).
    """
    sign = -1.0 if m.objective.sense == "min" else 1.0
    out = {}
    for name in m.constraints:
        if name.startswith("cap-") or name == "budget":
            out[name] = sign * m.constraints[name].dual
    return xr.Dataset(out)


def violations(m: linopy.Model, d: PlanData) -> pd.DataFrame:
    """Rows ``constraint, period, amount, unit`` for every slack above :data:`VIOLATION_TOL`."""
    rows = []
    for lim in LIMITS:
        name = f"slack-{lim}"
        if name not in m.variables:
            continue
        sol = m.variables[name].solution
        for idx, val in sol.to_series().items():
            if val > VIOLATION_TOL:
                key = idx if isinstance(idx, tuple) else (idx,)
                where = dict(zip(sol.dims, key, strict=True))
                per = where.get("period")
                rows.append(
                    {
                        "constraint": "budget" if lim == "budget" else f"cap-{lim}",
                        "period": str(d.periods[int(per)].date())
                        if per is not None
                        else str(where.get("year", where.get("phase", ""))),
                        "item": str(where.get("vendor", where.get("phase", ""))),
                        "amount": float(val),
                        "unit": LIMIT_UNITS[lim],
                    }
                )
    return pd.DataFrame(rows, columns=["constraint", "period", "item", "amount", "unit"])


def dual_objective(m: linopy.Model) -> float:
    """The LP dual objective ``Σ_i b_i y_i`` (all variables have lower bound 0 and upper bound
    0 or ∞, so bounds add nothing); equals the primal objective at optimum (strong duality)."""
    total = 0.0
    for name in m.constraints:
        c = m.constraints[name]
        rhs = np.asarray(c.rhs.values, dtype=float)
        dual = np.asarray(c.dual.values, dtype=float)
        ok = np.isfinite(dual) & np.asarray(c.mask.values if c.mask is not None else True)
        total += float(np.sum(np.where(ok, rhs * np.nan_to_num(dual), 0.0)))
    return total


__all__ = ["PlanResult", "PlanSolveError", "dual_objective", "solve_plan"]
