"""Charts and the self-contained HTML report (plus static PNGs)."""

from __future__ import annotations

from .data import ReportData, from_results, from_stored
from .html import render, write_report, write_stored_report

__all__ = [
    "ReportData",
    "from_results",
    "from_stored",
    "render",
    "write_report",
    "write_stored_report",
]
