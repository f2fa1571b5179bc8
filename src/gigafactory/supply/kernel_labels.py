"""The binding tier of each draw-week from the loop's labels, compiled (numba).

The same rule as :func:`gigafactory.supply.batch.binding` (its reference): racks left waiting
⇒ the shell label of the week; otherwise rack assembly if it held racks back ``site_lag``
weeks earlier, else the chip tier that bound ``site_lag + lc`` weeks earlier (the week-0 tier
before the horizon).  One pass over ``[W, n]`` instead of two gathers and two selections.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

I8 = NDArray[np.int8]
I64 = NDArray[np.int64]
B = NDArray[np.bool_]


@njit(cache=True, nogil=True, error_model="numpy")
def binding_labels(
    chip_bind: I8, rack_lim: B, racks_wait: B, shell_label: I8, site_lag: I64, lc: I64,
    rack_code: int,
) -> I8:  # fmt: skip
    """``[W, n]`` int8 codes: ``shell[t]`` where racks wait, else ``rack_code`` where
    ``rack_lim[t − site_lag]``, else ``chip[t − site_lag − lc]`` (``chip[0]`` before t = 0)."""
    w, n = chip_bind.shape
    out = np.empty((w, n), dtype=np.int8)
    for t in range(w):
        for d in range(n):
            if racks_wait[t, d]:
                out[t, d] = shell_label[t, d]
                continue
            tr = t - site_lag[d]
            if tr >= 0 and rack_lim[tr, d]:
                out[t, d] = rack_code
                continue
            tc = tr - lc[d]
            out[t, d] = chip_bind[tc, d] if tc >= 0 else chip_bind[0, d]
    return out
