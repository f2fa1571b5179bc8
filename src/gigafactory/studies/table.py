"""The "Checked against published studies" table, from the tests' own figures (FIGURES)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import GigafactoryError, Problem, allowed_list, did_you_mean
from .contrasts import CONTRASTS
from .figures import FIGURES, STUDY_PRESETS, Figure
from .runs import StudyRun, cached_run


def check_study(study: str | None) -> None:
    """A study name must be one of the study presets (one message otherwise)."""
    if study is not None and study not in STUDY_PRESETS:
        raise GigafactoryError(
            [
                Problem(
                    "<command line>",
                    None,
                    "--study",
                    f"no study '{study}'{did_you_mean(study, STUDY_PRESETS)}; "
                    f"studies: {allowed_list(STUDY_PRESETS)}",
                )
            ]
        )


def _getter(draws: int, seed: int) -> Callable[[str], StudyRun]:
    def get(preset: str) -> StudyRun:
        return cached_run(preset, draws, seed, STUDY_PRESETS[preset])

    return get


def contrast_rows(
    draws: int = 100, seed: int = 11, study: str | None = None
) -> list[dict[str, Any]]:
    """Each study's reading against the model's mechanisms: the study's way vs the model's."""
    get = _getter(draws, seed)
    return [
        {
            "study": c.study,
            "what": c.what,
            "study_way": fmt(c.study_way(get)),
            "with_mechanisms": fmt(c.with_mechanisms(get)),
            "unit": c.unit,
        }
        for c in CONTRASTS
        if study is None or c.study == study
    ]


def fmt(v: float) -> str:
    """3 significant figures; scientific notation for very large or small values."""
    if v == 0:
        return "0"
    return (
        f"{v:.2e}"
        if abs(v) >= 1e6 or abs(v) < 1e-2
        else f"{v:,.4g}"
        if abs(v) >= 1e3
        else f"{v:.3g}"
    )


def status(f: Figure, value: float | None) -> str:
    if value is None:
        return f"not reached: {f.gap}" if f.gap else "no value"
    inside = f.inside(value)
    if f.in_sample:
        return "in-sample (an input)"
    if inside:
        return "inside"
    return f"outside: {f.gap}" if f.gap else "outside"


def figure_rows(draws: int = 100, seed: int = 11, study: str | None = None) -> list[dict[str, Any]]:
    """Evaluate every figure (of ``study``) on the study presets (one run per preset)."""
    check_study(study)
    get = _getter(draws, seed)
    rows = []
    for f in FIGURES:
        if study is not None and f.study != study:
            continue
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
