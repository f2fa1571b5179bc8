"""A deal what-if: OpenAI without AMD's 6 GW, and with every non-binding deal converting.

The model takes a deal out by setting its GW (and its delivery schedule) to zero, and sets how
likely non-binding deals (LOI, term sheet) are to convert with ``finance.p_convert``.  Each
variant is the ``announced`` preset plus a few lines of YAML; the same seed keeps the draws
comparable.

    python examples/deal_whatif.py            # 200 draws (GIGAFACTORY_EXAMPLE_DRAWS to change)
"""

from __future__ import annotations

import os

from gigafactory.catalog import load_catalog
from gigafactory.pipeline import run_scenario
from gigafactory.scenario.loader import load_scenario_text

DRAWS = int(os.environ.get("GIGAFACTORY_EXAMPLE_DRAWS", "200"))

VARIANTS = {
    "as announced": "name: as-announced\nextends: announced\n",
    "without AMD 6 GW": """name: no-amd
extends: announced
overrides:
  deals.amd_6gw.gw: 0
  deals.amd_6gw.schedule.2026-12: 0
  deals.amd_6gw.schedule.2029-12: 0
""",
    "every non-binding deal converts": "name: all-convert\nextends: announced\nfinance: {p_convert: 1.0}\n",
}

catalog = load_catalog()
print(f"OpenAI's buildout, {DRAWS} draws, seed 1 (medians; GW = facility GW online at year end;")
print("'contracted' = IT GW that signed contracts alone deliver: demand re-orders the rest)")
print(
    f"{'variant':34} {'GW 2027':>8} {'GW 2030':>8} {'contracted 2030':>16} {'funding gap $B':>15}"
)
for label, text in VARIANTS.items():
    result = run_scenario(load_scenario_text(text, catalog), catalog, draws=DRAWS, seed=1)
    years, fin = result.summary["years"], result.summary["finance"]
    print(
        f"{label:34} {years['2027']['facility_gw_online']['p50']:8.2f} "
        f"{years['2030']['facility_gw_online']['p50']:8.2f} "
        f"{years['2030']['contracted_it_gw']['p50']:16.2f} {fin['funding_gap_usd_b']['p50']:15.0f}"
    )
