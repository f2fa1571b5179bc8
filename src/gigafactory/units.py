"""Constants and conversions. Power has three bases (chip TDP, IT, facility); never mix them."""

from __future__ import annotations

#: H100 dense 8-bit tensor throughput, TOP/s — the H100-equivalent (H100e) yardstick
#: (Epoch AI, ai-chip-counts schema: H100e = units × 8-bit TOPS ÷ 1,979).
H100_FP8_DENSE_TOPS = 1979.0
#: FLOP/s of one H100e at 8-bit dense.
H100E_FLOPS = H100_FP8_DENSE_TOPS * 1e12

HOURS_PER_WEEK = 168.0
WEEKS_PER_YEAR = 52.1775
MW_PER_GW = 1000.0
