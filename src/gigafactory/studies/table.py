"""The "Checked against published studies" table, from the tests' own figures (FIGURES)."""

from __future__ import annotations

from typing import Any

from .figures import FIGURES, STUDY_PRESETS, Figure
from .runs import StudyRun, cached_run


def fmt(v: float) -> str:
    """3 significant figures; scientific notation for very large or small values."""
    if v == 0:
        return "0"
    return f"{v:.2e}" if abs(v) >= 1e5 or abs(v) < 1e-2 else f"{v:.3g}"


def status(f: Figure, value: float | None) -> str:
    if value is None:
        return f"not reached: {f.gap}" if f.gap else "no value"
    inside = f.inside(value)
    if f.in_sample:
        return "in-sample (an input)"
    if inside:
        return "inside"
    return f"outside: {f.gap}" if f.gap else "outside"


def figure_rows(draws: int = 100, seed: int = 11) -> list[dict[str, Any]]:
    """Evaluate every figure on the study presets (one run per preset)."""

    def get(preset: str) -> StudyRun:
        return cached_run(preset, draws, seed, STUDY_PRESETS[preset])

    rows = []
    for f in FIGURES:
        try:
            value: float | None = f.model(get)
        except KeyError:  # a year outside the preset's horizon
            value = None
        rows.append(
            {
                "study": f.study,
                "metric": f.metric,
                "year": f.year if f.year is not None else "2025–30",
                "published": f"{fmt(f.published)} {f.unit}",
                "band": f"{fmt(f.low)}–{fmt(f.high)} ({f.tolerance})",
                "model": "—" if value is None else fmt(value),
                "error_pct": None if value is None else round(f.error_pct(value), 1),
                "status": status(f, value),
                "source": f.source,
            }
        )
    return rows


def markdown_table(rows: list[dict[str, Any]]) -> str:
    """The README table: study, figure, published, band, model median, error, status."""
    head = "| study | figure | year | published | band | model p50 | error | status |"
    out = [head, "|" + "---|" * 8]
    for r in rows:
        err = "—" if r["error_pct"] is None else f"{r['error_pct']:+.0f} %"
        st = r["status"].split(":")[0]
        out.append(
            f"| `{r['study']}` | {r['metric']} | {r['year']} | {r['published']} | {r['band']} "
            f"| {r['model']} | {err} | {st} |"
        )
    return "\n".join(out)
