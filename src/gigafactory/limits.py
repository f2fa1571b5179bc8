"""The bounds every input is checked against (a light module: the command line imports it).

=====================  ===========================  =========================================
limit                  value                        where
=====================  ===========================  =========================================
scenario file size     1 MB                         ``yamlio.MAX_BYTES``
YAML nesting / nodes   32 levels / 50 000 values    ``yamlio.MAX_DEPTH`` / ``MAX_NODES``
``extends`` chain      16 files                     ``scenario.loader.MAX_EXTENDS``
draws                  1 … 1 000 000                :data:`MAX_DRAWS` (and the memory budget)
seed                   0 … 2⁶³ − 1                  :data:`MAX_SEED`
horizon                2020-W01 … 2060-W52          :data:`HORIZON_WINDOW`
lead times (weeks)     ≤ the horizon                ``scenario.domains.bound_by_horizon``
=====================  ===========================  =========================================
"""

from __future__ import annotations

#: most Monte Carlo draws of one run (the memory budget may refuse fewer)
MAX_DRAWS = 1_000_000
#: seeds are stored as 64-bit signed integers
MAX_SEED = 2**63 - 1
#: the window a horizon must lie in (the catalog's facts start in the 2020s; beyond 2060 is fiction)
HORIZON_WINDOW = ("2020-W01", "2060-W52")
