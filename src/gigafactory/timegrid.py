"""The ISO-week grid (Mondays) and roll-ups to quarters and years."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
import pandas as pd
from numpy.typing import NDArray


def parse_when(value: str | dt.date | int, *, start: bool = False) -> dt.date:
    """Parse a date written as 2026, 2026-Q3, 2026-H2, 2026-07, 2026-07-15 or 2026-W27.

    Periods resolve to their *last* day (a capacity "end-2026" is 2026-12-31), or to their
    first day with ``start=True`` (a horizon start, a first-availability date); ISO weeks
    resolve to their Monday.
    """
    if start:
        s = str(value).strip()
        if len(s) == 4 and s.isdigit():
            return dt.date(int(s), 1, 1)
        if len(s) == 7 and s[4] == "-" and s[5] in "QqHh" and s[6].isdigit():
            end = parse_when(s)
            months = 3 if s[5] in "Qq" else 6
            return dt.date(end.year, end.month - months + 1, 1)
        if len(s) == 7 and s[4] == "-" and s[5:].isdigit():
            end = parse_when(s)
            return dt.date(end.year, end.month, 1)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    s = str(value).strip()
    try:
        if len(s) == 4 and s.isdigit():
            return dt.date(int(s), 12, 31)
        if len(s) == 7 and s[4] == "-" and s[5] in "Qq":
            q = int(s[6])
            if not 1 <= q <= 4:
                raise ValueError
            return (pd.Timestamp(int(s[:4]), 3 * q, 1) + pd.offsets.MonthEnd(0)).date()
        if len(s) == 7 and s[4] == "-" and s[5] in "Hh":
            h = int(s[6])
            if h not in (1, 2):
                raise ValueError
            return dt.date(int(s[:4]), 6, 30) if h == 1 else dt.date(int(s[:4]), 12, 31)
        if len(s) in (7, 8) and s[4:6] in ("-W", "-w"):
            return dt.date.fromisocalendar(int(s[:4]), int(s[6:]), 1)
        if len(s) == 7 and s[4] == "-":
            return (pd.Timestamp(int(s[:4]), int(s[5:]), 1) + pd.offsets.MonthEnd(0)).date()
        return dt.date.fromisoformat(s)
    except ValueError:
        raise ValueError(
            f"'{s}' is not a date; write 2026, 2026-Q3, 2026-H2, 2026-07, 2026-07-15 or 2026-W27"
        ) from None


def iso_week(day: dt.date) -> str:
    y, w, _ = day.isocalendar()
    return f"{y}-W{w:02d}"


@dataclass(frozen=True)
class TimeGrid:
    """Weekly grid of Mondays from ``start`` to ``end`` inclusive."""

    start: dt.date
    end: dt.date

    @classmethod
    def from_bounds(cls, start: str | dt.date, end: str | dt.date) -> TimeGrid:
        s, e = parse_when(start, start=True), parse_when(end)
        s = s - dt.timedelta(days=s.weekday())
        e = e - dt.timedelta(days=e.weekday())
        if e < s:
            raise ValueError(f"horizon end {e} is before start {s}")
        return _grid(s, e) if cls is TimeGrid else cls(s, e)

    @cached_property
    def weeks(self) -> pd.DatetimeIndex:
        return pd.date_range(self.start, self.end, freq="7D")

    @property
    def n(self) -> int:
        return len(self.weeks)

    @cached_property
    def years(self) -> NDArray[np.int64]:
        """ISO year of each week (a week belongs to the year of its Thursday)."""
        years = np.array((self.weeks + pd.Timedelta(days=3)).year, dtype=np.int64)
        years.flags.writeable = False  # the grid is shared by every compile of its horizon
        return years

    @cached_property
    def quarters(self) -> pd.PeriodIndex:
        return (self.weeks + pd.Timedelta(days=3)).to_period("Q")

    def index_of(self, when: str | dt.date) -> int:
        """Index of the week containing ``when``; may be < 0 or ≥ n when outside the grid."""
        day = parse_when(when)
        return (day - self.start).days // 7

    def fractional_years(self) -> NDArray[np.float64]:
        """Each week's Monday as a decimal year (for interpolation); a fresh copy."""
        return self._fractional_years.copy()

    @cached_property
    def _fractional_years(self) -> NDArray[np.float64]:
        # computed once per grid (a Python loop over the weeks; compile asks ~10 times)
        return np.array([decimal_year(d.date()) for d in self.weeks])


@lru_cache(maxsize=32)
def _grid(start: dt.date, end: dt.date) -> TimeGrid:
    """One grid per horizon (frozen, so shared): its weeks and decimal years are computed
    once per process, not once per compiled batch."""
    return TimeGrid(start, end)


def decimal_year(day: dt.date) -> float:
    return day.year + (day.timetuple().tm_yday - 1) / 365.25
