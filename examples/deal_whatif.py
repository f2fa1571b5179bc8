"""Deal what-ifs: OpenAI without AMD's 6 GW, Broadcom cancelled and Oracle a year late, and
every non-binding deal converting.

A scenario's ``deals:`` section restates any deal as of the scenario's date (status, usd_b, gw,
shift_weeks, schedule, p_convert, terms; src/gigafactory/finance/whatif.py): the chips, the
payments and the exposure all follow the restated deal (AMD at 0 GW also owes AMD nothing).
``finance.p_convert`` sets how likely every non-binding deal (LOI, term sheet) is to convert.
Each variant is the ``announced`` preset plus a few lines of YAML; the same seed keeps the draws
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
    "without AMD 6 GW": "name: no-amd\nextends: announced\ndeals: {amd_6gw: {gw: 0}}\n",
    "Broadcom cancelled, Oracle a year late": """name: broadcom-oracle
extends: announced
deals:
  broadcom_10gw: {status: cancelled}
  oracle_300b: {shift_weeks: 52}
""",
    "every non-binding deal converts": "name: all-convert\nextends: announced\nfinance: {p_convert: 1.0}\n",
}

catalog = load_catalog()
print(f"OpenAI's buildout, {DRAWS} draws, seed 1 (medians; GW = facility GW online at year end;")
print("'contracted' = IT GW that signed contracts alone deliver: demand re-orders the rest)")
print(
    f"{'variant':40} {'GW 2027':>8} {'GW 2030':>8} {'contracted 2030':>16} {'funding gap $B':>15}"
)
for label, text in VARIANTS.items():
    result = run_scenario(load_scenario_text(text, catalog), catalog, draws=DRAWS, seed=1)
    years, fin = result.summary["years"], result.summary["finance"]
    print(
        f"{label:40} {years['2027']['facility_gw_online']['p50']:8.2f} "
        f"{years['2030']['facility_gw_online']['p50']:8.2f} "
        f"{years['2030']['contracted_it_gw']['p50']:16.2f} {fin['funding_gap_usd_b']['p50']:15.0f}"
    )
