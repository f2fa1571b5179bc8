"""Can the AI buildout reach a gigawatt a week, when, and what stops it first?

Runs the ``gw-per-week`` preset (the whole industry) and prints when the median build rate
first reaches the goal, the share of draws that ever do, and the tiers that bind in 2030.

    python examples/gw_per_week.py            # 200 draws (GIGAFACTORY_EXAMPLE_DRAWS to change)
"""

from __future__ import annotations

import os

from gigafactory.catalog import load_catalog
from gigafactory.pipeline import run_scenario
from gigafactory.scenario import load_scenario

DRAWS = int(os.environ.get("GIGAFACTORY_EXAMPLE_DRAWS", "200"))

catalog = load_catalog()
scenario = load_scenario("gw-per-week", catalog)
result = run_scenario(scenario, catalog, draws=DRAWS, seed=1, with_finance=False)
s = result.summary

goal = s["goal"]
print(
    f"{scenario.name}: {DRAWS} draws, goal {goal['gw_per_week']:g} GW/week ({goal['basis']} basis)"
)
print(
    f"median build rate first reaches the goal: {s['gw_per_week_reached'] or 'not by ' + s['horizon']['end']}"
)
print(
    f"share of draws that ever reach it: {s['gw_per_week_reached_by_draw']['share_of_draws']:.0%}"
)
for year in ("2027", "2030"):
    y = s["years"][year]
    q = y["facility_gw_online"]
    binds = ", ".join(f"{tier} {share:.0%}" for tier, share in list(y["binding"].items())[:3])
    print(
        f"{year}: facility GW online {q['p50']:.1f} (p5–p95 {q['p5']:.1f}–{q['p95']:.1f}); "
        f"binding (share of draws): {binds}"
    )
