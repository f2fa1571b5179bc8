"""Build the planning LP with linopy.

Naming grammar (so duals route back to what they constrain):

* variables (IT GW per period unless named): ``start`` (accelerator starts the chip tiers
  allow at the unit mix), ``prod_vendor`` and ``acc`` (produced, after vendor order caps; ``acc``
  is ``start`` when no vendor is capped), ``rack`` (integrated into racks), ``build`` (generic
  shells completed), ``energise_grid`` / ``energise_onsite`` (generic shells energised),
  ``energise_phase`` (named phases energised), ``install`` (racks into powered shells, online
  at once); stocks ``acc_inv``, ``rack_inv``, ``shell_inv_grid``, ``shell_inv_onsite``,
  ``free`` (powered, empty shells), ``new`` (IT GW online installed in the horizon),
  ``ordered`` (cumulative IT GW by vendor), ``added`` (cumulative IT GW added since the
  target start); ``shortfall`` and ``slack-<limit>``;
* capacity limits: ``cap-<tier>`` for every tier of :data:`gigafactory.supply.inputs.TIERS`
  that has a limit (``cap-orders`` by vendor), ``cap-phase`` by named phase, ``budget`` by year;
* balances: ``bal-<stock>``; vendor mix: ``mix-vendor``; the goal: ``target``.

Every capacity row is ``lhs − slack ≤ cap``; ``slack ≥ 0`` is penalised, so any input is
feasible and a violation is reported rather than an infeasibility.
"""

from __future__ import annotations

import linopy
import numpy as np
import pandas as pd
import xarray as xr

from ..supply.inputs import ModelInputs
from ..supply.physics import transformer_split
from ..timegrid import parse_when
from .data import CAP_UNITS, PlanData, prepare
from .settings import PlanSettings

#: Capacity constraints, in report order; each has a ``slack-<name>`` variable.
LIMITS: tuple[str, ...] = (*CAP_UNITS, "orders", "phase", "budget")
INF = float("inf")


def _p(data: PlanData, values: np.ndarray) -> xr.DataArray:
    return xr.DataArray(
        np.asarray(values, dtype=float), coords={"period": range(data.n)}, dims="period"
    )


def _lag(x: linopy.Variable | linopy.LinearExpression, k: int) -> linopy.LinearExpression:
    """``x[p − k]``, zero before the horizon."""
    return x.shift(period=k).fillna(0) if k > 0 else 1 * x


def _prev(x: linopy.Variable) -> linopy.LinearExpression:
    return _lag(x, 1)


class Builder:
    """Assemble variables, constraints and objective of the plan (see module docstring)."""

    def __init__(self, inp: ModelInputs, settings: PlanSettings) -> None:
        self.inp = inp
        self.s = settings
        self.d = prepare(inp, settings)
        self.m = linopy.Model(force_dim_names=True)
        self.pen = settings.slack_penalty * (
            1.0 if settings.objective == "max-gw" else settings.shortfall_penalty
        )
        self.penalty_terms: list[linopy.LinearExpression] = []

    # -- helpers ---------------------------------------------------------------------------
    def var(
        self, name: str, coords: list[pd.Index] | None = None, upper: xr.DataArray | float = INF
    ) -> linopy.Variable:
        """A non-negative variable over ``period`` (or ``coords``)."""
        coords = coords or [pd.RangeIndex(self.d.n, name="period")]
        return self.m.add_variables(lower=0.0, upper=upper, coords=coords, name=name)

    def limit(
        self,
        name: str,
        lhs: linopy.LinearExpression,
        rhs: xr.DataArray,
        mask: xr.DataArray | None = None,
    ) -> None:
        """Add ``cap-<name>: lhs − slack ≤ rhs`` with a penalised elastic slack."""
        coords = [rhs.indexes[dim] for dim in rhs.dims]
        slack = self.m.add_variables(lower=0.0, coords=coords, name=f"slack-{name}")
        rhs = rhs.fillna(0.0)
        self.m.add_constraints(
            lhs - slack <= rhs, name=f"cap-{name}" if name != "budget" else name, mask=mask
        )
        self.penalty_terms.append(self.pen * slack.sum())

    # -- model ------------------------------------------------------------------------------
    def build(self) -> linopy.Model:
        d, m = self.d, self.m
        start, rack, install = self.var("start"), self.var("rack"), self.var("install")
        build = self.var("build")
        energise_g, energise_o = self.var("energise_grid"), self.var("energise_onsite")
        acc_inv, rack_inv, free, new = (self.var(k) for k in ("acc_inv", "rack_inv", "free", "new"))
        shell_g, shell_o = self.var("shell_inv_grid"), self.var("shell_inv_onsite")

        # chip tiers limit accelerator starts at the week's unit mix
        for k in ("logic_wafers", "cowos", "hbm"):
            self.limit(k, _p(d, d.coef[k]) * start, _p(d, d.cap[k]))
        acc = self._orders(start)
        # stocks carry over; goods arrive after their lead time.  Racks reach the site after the
        # rack and install leads and go online the week they enter a free powered shell (as in
        # the engine); they retire after ``life`` and free the shell again.  As in the engine
        # the pipelines start full: work in progress arrives during the first lead times.
        m.add_constraints(
            acc_inv - _prev(acc_inv) - _lag(acc, d.lag_chip) + rack == _p(d, d.wip_acc_gw),
            name="bal-acc_inv",
        )
        self.limit(
            "rack_assembly", _p(d, d.coef["rack_assembly"]) * rack, _p(d, d.cap["rack_assembly"])
        )
        m.add_constraints(
            rack_inv - _prev(rack_inv) - _lag(rack, d.lag_rack) + install == _p(d, d.wip_rack_gw),
            name="bal-rack_inv",
        )
        retired = _lag(install, d.life)
        m.add_constraints(new - _prev(new) - install + retired == 0, name="bal-online")

        # generic shells are built at most at the construction rate and queue for grid or
        # on-site power in the fixed on-site share; named phases join at their power-ready week
        self.limit("construction", 1 * build, _p(d, d.cap["construction"]))
        if d.shell_allow_gw is not None:
            # a buyer's partners build generic shells only for contracts they can see coming
            self.limit("shell_demand", build.cumsum("period"), _p(d, d.shell_allow_gw))
        m.add_constraints(
            shell_g - _prev(shell_g) - (1.0 - d.onsite_share) * build + energise_g == 0,
            name="bal-shell_inv_grid",
        )
        m.add_constraints(
            shell_o - _prev(shell_o) - d.onsite_share * build + energise_o == 0,
            name="bal-shell_inv_onsite",
        )
        grid_it, gas_it = 1 * energise_g, 1 * energise_o
        if d.phase_ids:
            ph = pd.Index(list(d.phase_ids), name="phase")
            allowed = np.arange(d.n)[None, :] >= d.phase_first[:, None]
            upper = xr.DataArray(
                np.where(allowed, INF, 0.0), coords=[ph, range(d.n)], dims=["phase", "period"]
            )
            e_ph = self.var(
                "energise_phase", coords=[ph, pd.RangeIndex(d.n, name="period")], upper=upper
            )
            onsite = xr.DataArray(d.phase_onsite.astype(float), coords=[ph])
            # phases energised in history are powered at their date outside the equipment
            # queues, as in the simulator
            known = np.zeros(len(ph)) if d.phase_known is None else d.phase_known.astype(float)
            queued = xr.DataArray(1.0 - known, coords=[ph])
            grid_it = grid_it + (e_ph * queued * (1.0 - onsite)).sum("phase")
            gas_it = gas_it + (e_ph * queued * onsite).sum("phase")
            history = (e_ph * xr.DataArray(known, coords=[ph])).sum("phase")
            self.limit("phase", e_ph.sum("period"), xr.DataArray(d.phase_it_gw, coords=[ph]))
        else:
            history = None
        powered = grid_it + gas_it if history is None else grid_it + gas_it + history
        # transformers are split between the grid and on-site queues in the on-site share, as
        # in the simulator (a shared pool served greedily is not monotone in capacity)
        tx_grid, tx_onsite = transformer_split(_p(d, d.cap["transformers"]), d.onsite_share)
        self.limit("transformers", d.pue * grid_it, tx_grid)
        self.limit("transformers_onsite", d.pue * gas_it, tx_onsite)
        self.limit("gas_turbines", d.pue * gas_it, _p(d, d.cap["gas_turbines"]))
        self.limit("grid", d.pue * grid_it, _p(d, d.cap["grid"]))
        # powered shells are occupied at installation and freed at retirement, including the
        # initial fleet's (a constant on the right-hand side)
        m.add_constraints(
            free - _prev(free) - powered + install - retired == _p(d, d.fleet0_retired_gw),
            name="bal-free",
        )

        cost = self._cost(acc, build, powered, install)
        if self.s.budget_b_per_yr:
            self._budget(cost)
        self._objective(new, install, cost)
        return m

    def _orders(self, start: linopy.Variable) -> linopy.Variable | linopy.LinearExpression:
        """Accelerators produced, IT GW: the chip-limited starts, less what a vendor's
        cumulative orders cut.  As in the engine a capped vendor's share is lost, not handed
        to other vendors: ``prod_v ≤ share_v · start`` and ``Σ_{τ≤p} prod_v ≤ orders_v[p]``.

        A vendor with no orders at all in the horizon supplies nothing (``prod_v`` fixed at 0,
        a structural bound): its cumulative rows would all bind at zero and carry degenerate
        duals that say nothing about a marginal megawatt."""
        d = self.d
        finite = np.isfinite(d.orders_gw)
        keep = np.asarray(finite.any(axis=1), dtype=bool)
        if not keep.any():
            return start
        v = pd.Index([x for x, k in zip(d.vendors, keep.tolist(), strict=True) if k], name="vendor")
        coords: list[pd.Index] = [v, pd.RangeIndex(d.n, name="period")]
        share = xr.DataArray(d.vendor_share[keep], coords=coords)
        none = np.all(finite[keep] & (d.orders_gw[keep] <= 0.0), axis=1)
        upper = xr.DataArray(np.where(none[:, None], 0.0, INF) * np.ones((1, d.n)), coords=coords)
        prod = self.var("prod_vendor", coords=coords, upper=upper)
        self.m.add_constraints(prod - share * start <= 0, name="mix-vendor")
        ordered = self.var("ordered", coords=coords)
        self.m.add_constraints(ordered - _prev(ordered) - prod == 0, name="bal-ordered")
        rhs = xr.DataArray(np.where(finite[keep], d.orders_gw[keep], 0.0), coords=coords)
        rows = finite[keep] & ~none[:, None]
        self.limit("orders", 1 * ordered, rhs, mask=xr.DataArray(rows, coords=coords))
        rest = _p(self.d, d.vendor_share[~keep].sum(axis=0))
        acc = self.var("acc")
        self.m.add_constraints(acc - rest * start - prod.sum("vendor") == 0, name="bal-acc")
        return acc

    def _cost(
        self,
        acc: linopy.Variable | linopy.LinearExpression,
        build: linopy.Variable,
        powered: linopy.LinearExpression,
        install: linopy.Variable,
    ) -> linopy.LinearExpression:
        """Capital spent per period, $B (planner cost settings, not catalog facts)."""
        c = self.s.costs
        return (
            c.accelerator_b_per_it_gw * acc
            + c.shell_b_per_it_gw * build
            + c.power_b_per_fac_gw * self.d.pue * powered
            + c.install_b_per_it_gw * install
        )

    def _budget(self, cost: linopy.LinearExpression) -> None:
        d = self.d
        assert self.s.budget_b_per_yr is not None
        year = np.asarray((d.periods + pd.Timedelta(days=3)).year)
        budget = {parse_when(k).year: v for k, v in self.s.budget_b_per_yr.items()}
        years = pd.Index(sorted(set(year.tolist()) & set(budget)), name="year")
        if years.empty:
            return
        onehot = xr.DataArray(
            (year[None, :] == np.asarray(years)[:, None]).astype(float),
            coords=[years, range(d.n)],
            dims=["year", "period"],
        )
        self.limit(
            "budget",
            (cost * onehot).sum("period"),
            xr.DataArray([budget[y] for y in years], coords=[years]),
        )

    def _objective(
        self, new: linopy.Variable, install: linopy.Variable, cost: linopy.LinearExpression
    ) -> None:
        d, s, m = self.d, self.s, self.m
        penalty = sum(self.penalty_terms[1:], self.penalty_terms[0])
        if s.objective == "max-gw":
            # discounted GW-weeks online; the initial fleet is a constant left out
            # (sum first: a scalar added to a [period] expression would broadcast over periods)
            m.add_objective((_p(d, d.discount * d.n_weeks) * new).sum() - penalty, sense="max")
            return
        shortfall = self.var("shortfall")
        target, basis, first = target_path(self.inp, s, d)
        factor = d.pue if basis == "facility" else 1.0
        cumulative = first is not None
        if first is not None:
            start = _p(d, (np.arange(d.n) >= first).astype(float))
            added = self.var("added")
            m.add_constraints(added - _prev(added) - start * install == 0, name="bal-added")
            got = factor * added
        else:
            got = factor * new
        rhs = _p(d, target) - (0.0 if cumulative else factor * d.fleet0_gw)
        m.add_constraints(got + shortfall >= rhs, name="target")
        weeks = _p(d, d.n_weeks)
        if s.objective == "target":
            m.add_objective(
                (_p(d, d.discount) * cost).sum()
                + (s.shortfall_penalty * weeks * shortfall).sum()
                + penalty,
                sense="min",
            )
        else:  # lexicographic, stage 1: least shortfall (GW-weeks); stage 2 in solve.py
            m.add_objective((weeks * shortfall).sum() + penalty, sense="min")
        self.cost = cost
        self.penalty = penalty


def target_path(
    inp: ModelInputs, s: PlanSettings, d: PlanData
) -> tuple[np.ndarray, str, int | None]:
    """Target per period, its basis and, for a rate target, the first counted period.

    Returns ``(target_gw, basis, first)``.  With ``target_path`` the target is GW *online*
    (linear interpolation between the dated points, held flat outside) and ``first`` is None;
    otherwise the target is the cumulative GW *added* since ``target_start`` at
    ``target_gw_per_wk`` GW/week (default: the scenario goal), ``rate × weeks`` to each period's
    end, counting additions from period ``first`` (the first period ending after the start).
    """
    basis = s.target_basis or inp.goal_basis
    ends = d.periods + pd.to_timedelta(d.n_weeks * 7, unit="D")
    epoch = pd.Timestamp("2000-01-01")
    if s.target_path:
        pts = sorted((pd.Timestamp(parse_when(k)), v) for k, v in s.target_path.items())
        x = np.asarray([(p - epoch) / pd.Timedelta(days=1) for p, _ in pts], dtype=float)
        y = np.asarray([v for _, v in pts], dtype=float)
        days = np.asarray((ends - epoch) / pd.Timedelta(days=1), dtype=float)
        return np.interp(days, x, y), basis, None
    rate = inp.goal_gw_per_wk if s.target_gw_per_wk is None else s.target_gw_per_wk
    t0 = pd.Timestamp(parse_when(s.target_start))
    weeks = np.clip((ends - t0).days / 7.0, 0.0, None)
    start = int(ends.searchsorted(t0, side="right"))
    return rate * np.asarray(weeks, dtype=float), basis, start


def build_model(inp: ModelInputs, settings: PlanSettings) -> linopy.Model:
    """Build the planning LP for one draw of ``inp`` (see the module docstring).

    Parameters
    ----------
    inp : ModelInputs
        Compiled inputs; the draw is ``settings.draw`` (None → draw 0, which is the median
        when the inputs were compiled with ``median=True``).
    settings : PlanSettings
        Objective, step, discounting, target and penalties.

    Returns
    -------
    linopy.Model
        The unsolved model. Objective units: discounted IT GW-weeks (``max-gw``), discounted
        $B (``target``), GW-weeks of shortfall (``lexicographic`` stage 1).
    """
    return Builder(inp, settings).build()
