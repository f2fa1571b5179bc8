"""ModelInputs: the compiled, typed arrays that the simulator and the planner both read.

Every array is vectorised over draws (leading axis ``D``); weeks are axis ``W``; accelerator
SKUs ``S``; designers/vendors ``V``; named site phases ``P``.  Units live in the names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from ..timegrid import TimeGrid

F = NDArray[np.float64]
Int = NDArray[np.int64]

#: Tiers the engine attributes binding weeks to, in report order.  ``orders`` is the buyer's
#: contracted demand (deal schedules): once the contracts are delivered it binds every week.
TIERS: tuple[str, ...] = (
    "logic_wafers",
    "cowos",
    "hbm",
    "orders",
    "rack_assembly",
    "construction",
    "transformers",
    "gas_turbines",
    "grid",
)
CHIP_TIERS: tuple[str, ...] = ("logic_wafers", "cowos", "hbm")
#: the ModelInputs field holding each capacity tier's weekly capacity ([D, W])
CAPACITY_FIELDS: dict[str, str] = {
    "logic_wafers": "cap_logic_wafers_per_wk",
    "cowos": "cap_cowos_wafers_per_wk",
    "hbm": "cap_hbm_stacks_per_wk",
    "rack_assembly": "cap_rack_it_mw_per_wk",
    "construction": "cap_construction_it_mw_per_wk",
    "transformers": "cap_transformers_fac_mw_per_wk",
    "gas_turbines": "cap_gas_turbines_fac_mw_per_wk",
    "grid": "cap_grid_fac_mw_per_wk",
}
POWER_TIERS: tuple[str, ...] = ("transformers", "gas_turbines", "grid")


@dataclass(frozen=True)
class ModelInputs:
    """Inputs for one scenario, sampled for ``draws`` Monte Carlo draws.

    Capacities are per week, already multiplied by the buyer's allocation share where the
    scope is one buyer.  All capacity arrays are shaped ``[D, W]``.

    Attributes (units in names)
    ---------------------------
    cap_logic_wafers_per_wk : leading-edge logic wafer starts per week available to AI.
    cap_cowos_wafers_per_wk : CoWoS wafers per week (before yield).
    cap_hbm_stacks_per_wk : HBM stacks per week.
    cap_rack_it_mw_per_wk : IT MW of rack-scale systems assembled per week (NVL72-class racks × IT MW per rack).
    cap_construction_it_mw_per_wk : generic data-centre shells completed per week, IT MW.
    cap_transformers_fac_mw_per_wk : facility MW per week energisable from transformer supply.
    cap_gas_turbines_fac_mw_per_wk : facility MW per week of on-site generation delivered.
    cap_grid_fac_mw_per_wk : facility MW per week of new grid interconnection.
    orders_it_mw_cum : ``[D, W, V]`` cumulative contracted IT MW by vendor (``inf`` = no cap).
    """

    grid: TimeGrid
    draws: int
    seed: int
    scope: str
    skus: tuple[str, ...]
    sku_vendor: tuple[str, ...]
    vendors: tuple[str, ...]
    # per-SKU parameters [D, S]
    it_w: F
    h100e_per_unit: F
    hbm_stacks_per_unit: F
    good_packages_per_cowos_wafer: F
    packages_per_logic_wafer: F
    # unit mix of accelerators produced, [W, S], rows sum to 1
    mix: F
    # capacities [D, W]
    cap_logic_wafers_per_wk: F
    cap_cowos_wafers_per_wk: F
    cap_hbm_stacks_per_wk: F
    cap_rack_it_mw_per_wk: F
    cap_construction_it_mw_per_wk: F
    cap_transformers_fac_mw_per_wk: F
    cap_gas_turbines_fac_mw_per_wk: F
    cap_grid_fac_mw_per_wk: F
    orders_it_mw_cum: F
    # lead times and shares [D]
    chip_lead_wk: Int
    rack_lead_wk: Int
    install_lead_wk: Int
    onsite_power_share: F
    pue: F
    load_factor: F
    life_wk: Int
    fleet_it_mw0: F
    fleet_h100e0: F
    demand_z: F  # [D] the shared standard-normal AI-demand factor of each draw
    # named site phases
    phase_ids: tuple[str, ...]
    phase_site: tuple[str, ...]
    phase_onsite: NDArray[np.bool_]
    phase_it_mw: F  # [D, P]
    phase_power_wk: Int  # [D, P] week index the shell is built and power is ready to energise
    phase_planned_wk: Int  # [P] planned power-ready week (catalog value)
    # the goal
    #: per non-binding-or-binding deal feeding the orders: did it convert in each draw ([D] bool)
    deal_converted: dict[str, NDArray[np.bool_]] = field(default_factory=dict)
    #: the buyer's compute demand, IT MW online wanted ``[D, W]`` (see gigafactory.demand);
    #: None = no demand-driven orders (the supply-only case the planner's LP assumes)
    demand_it_mw: F | None = None
    #: industry backlog rule: started-not-installed hardware may exceed the power in sight by at
    #: most this many weeks of chip output (inf = off, the LP's assumption)
    backlog_wk: float = float("inf")
    #: racks waiting for power longer than this are written off (0 = never)
    rack_writeoff_wk: int = 0
    #: the money side's sampled facts by catalog path ([D] each): compiled once, read by finance
    money: dict[str, F] = field(default_factory=dict)
    #: regions (gigafactory.supply.regions): ids, their IEA region, each named phase's region,
    #: the split of generic capacity ``[D, R]`` and the conventional load ``[D, Y, R]`` TWh/yr
    region_ids: tuple[str, ...] = ()
    region_iea: tuple[str, ...] = ()
    phase_region: tuple[str, ...] = ()
    region_generic_share: F | None = None
    conventional_twh: F | None = None
    #: ``[D, 3, R]`` weeks each region's grid wait, transformer lead and turbine lead run past
    #: the plan (realised − planned, rounded; rows in ``supply.regions.SLIP_TIERS`` order): a
    #: generic shell waits ``supply.regions.generic_delays`` after construction before it
    #: joins its region's queue (built before ``generic_history_wk``: no wait); None = no wait
    #: (hand-built inputs, no regions)
    region_slip_wk: Int | None = None
    #: weeks of the horizon before the as-of date: generic shells built then are history and
    #: energise without a lead slip (their waits are in the record)
    generic_history_wk: int = 0
    goal_gw_per_wk: float = 1.0
    goal_basis: str = "facility"
    meta: dict[str, str] = field(default_factory=dict)
    #: [P] phases the catalog records as energised by the scenario's as-of date: history, so
    #: they are powered at their date instead of queueing for transformers and grid (None: none)
    phase_energised: NDArray[np.bool_] | None = None
    #: [P] what powers each phase: "grid", "onsite_gas" or "mixed" (see supply.leads)
    phase_power_kind: tuple[str, ...] = ()
    #: {lead tier: [D, P]} week each phase's shell, transformers, turbines and interconnection
    #: are there (supply.leads.phase_waits); ``phase_power_wk`` is their ready week.  Empty: the
    #: power weeks were given directly (hand-built inputs)
    phase_waits: dict[str, Int] = field(default_factory=dict)
    #: {name: [P]} the plan behind each phase: construction_start, equipment_order and
    #: queue_request weeks (planned a catalog lead ahead of the planned date), queue_position
    phase_plan: dict[str, Int] = field(default_factory=dict)
    #: [P] the deal each phase's capacity is sold under ("" = none in the catalog), its operator
    phase_deal: tuple[str, ...] = ()
    phase_operator: tuple[str, ...] = ()

    @property
    def n_weeks(self) -> int:
        return self.grid.n

    def capacity(self, tier: str) -> F:
        """Capacity array ``[D, W]`` of a tier by id (see :data:`CAPACITY_FIELDS`)."""
        return np.asarray(getattr(self, CAPACITY_FIELDS[tier]))
