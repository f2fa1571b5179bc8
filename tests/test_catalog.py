"""The catalog's provenance: derived formulas checked at load, mix sums, followable sources."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from gigafactory.catalog import load_catalog_from
from gigafactory.catalog.checks import REPO_ROOT, check_source_files, numeric_facts
from gigafactory.catalog.formula import FormulaError, evaluate, references
from gigafactory.catalog.loader import DATA_DIR
from gigafactory.catalog.provenance import is_aggregator, only_aggregators, weak_sources
from gigafactory.catalog.schema import REPO_SOURCE, Catalog, Fact, iter_facts, source_parts
from gigafactory.cli import app
from gigafactory.errors import GigafactoryError

ENV = {
    "a.b": 3.0,
    "tiers.hbm.capacity.points.2024-12": 52.8,
    "sites.milam.phases.0.mw": 600.0,
    "fleets.x.points.2024-12-31.it_gw": 0.6,
}


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped catalog files."""
    for f in DATA_DIR.glob("*.yaml"):
        (tmp_path / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path


def _edit(path: Path, old: str, new: str) -> int:
    """Replace ``old`` once in ``path``; return the 1-based line of the edit."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    return line


def _refused(path: Path, old: str, new: str) -> tuple[int, GigafactoryError]:
    """Edit ``path`` (``_edit``) and load the catalog folder it is in, which must refuse it:
    the 1-based line of the edit and the error raised."""
    line = _edit(path, old, new)
    with pytest.raises(GigafactoryError) as exc:
        load_catalog_from(path.parent)
    return line, exc.value


# --- the formula language --------------------------------------------------------------------


def test_formula_reads_dotted_keys_with_dates_and_indices() -> None:
    f = "tiers.hbm.capacity.points.2024-12 / 2.5 + sites.milam.phases.0.mw * 1e-3"
    assert references(f) == ["tiers.hbm.capacity.points.2024-12", "sites.milam.phases.0.mw"]
    assert evaluate(f, ENV) == pytest.approx(52.8 / 2.5 + 0.6)
    # a date key followed by a minus sign is still a subtraction
    assert evaluate("fleets.x.points.2024-12-31.it_gw-a.b", ENV) == pytest.approx(0.6 - 3.0)
    assert evaluate("min(a.b, 2) + max(1, a.b) + sum(a.b, a.b, 1) - -2 ** 2", ENV) == 2 + 3 + 7 + 4
    assert evaluate("100 * log(300 / 100) / (2 * 1.645) / 4 ** 0.5", ENV) == pytest.approx(
        16.696, 1e-4
    )


@pytest.mark.parametrize(
    ("formula", "match"),
    [
        ("__import__('os').system('true')", "not allowed"),
        ("a.b.__class__", "unknown catalog key"),
        ("(lambda: 1)()", "not allowed"),
        ("a.b if a.b else 1", "not allowed"),
        ("a.b < 2", "not allowed"),
        ("x + 1", "not allowed"),
        ("'text'", "not allowed"),
        ("True + 1", "not a number"),
        ("open(a.b)", "not allowed"),
        ("a.b / (a.b - 3)", "division by zero"),
        ("log(0 * a.b)", "log"),
        ("no.such.key * 2", "unknown catalog key 'no.such.key'"),
        ("a.b *", "not an arithmetic expression"),
    ],
)
def test_formula_refuses_anything_but_arithmetic(formula: str, match: str) -> None:
    with pytest.raises(FormulaError, match=re.escape(match)):
        evaluate(formula, ENV)


_num = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).filter(lambda x: abs(x) > 1e-6)


@given(x=_num, y=_num, op=st.sampled_from(["+", "-", "*", "/"]))
def test_formula_arithmetic_matches_python(x: float, y: float, op: str) -> None:
    env = {"p.x": x, "q.points.2025-12": y}
    want = {"+": x + y, "-": x - y, "*": x * y, "/": x / y}[op]
    assert math.isclose(evaluate(f"p.x {op} q.points.2025-12", env), want, rel_tol=1e-12)


# --- the shipped catalog ---------------------------------------------------------------------


def test_every_derived_fact_has_a_formula_that_reproduces_its_value(catalog: Catalog) -> None:
    facts = numeric_facts(catalog)
    env = {k: f.value for k, f in facts.items()}
    derived = {k: f for k, f in facts.items() if f.conf == "derived"}
    assert len(derived) > 60
    for key, f in derived.items():
        assert f.formula, key
        assert math.isclose(evaluate(f.formula, env), f.value, rel_tol=0.02), key
    # dates cannot be derived: a judged date is an estimate
    assert all(f.conf != "derived" for _, f in iter_facts(catalog) if not isinstance(f, Fact))


def test_the_mismatches_of_issue_8_are_fixed(catalog: Catalog) -> None:
    facts = numeric_facts(catalog)
    assert facts["tiers.hbm.capacity.points.2024-12"].value == pytest.approx(52.8)
    titan = facts["accelerators.OAI_TITAN.it_w"]
    assert "params.pue" in (titan.formula or "")
    assert titan.value == pytest.approx(1e9 / 5e5 / facts["params.pue"].value, rel=0.01)
    for mid, mix in catalog.mixes.items():
        for when, pt in mix.points.items():
            assert math.fsum(s.value for s in pt.shares.values()) == pytest.approx(1, abs=1e-6), (
                mid,
                when,
            )


def test_every_repository_source_is_a_file_in_the_repository(catalog: Catalog) -> None:
    assert (REPO_ROOT / "docs" / "sources").is_dir()
    paths = {
        p.split("#")[0]
        for _, f in iter_facts(catalog)
        for p in source_parts(f.source)
        if REPO_SOURCE.match(p)
    }
    assert paths, "expected some docs/sources citations"
    assert all((REPO_ROOT / p).is_file() for p in paths), paths
    assert check_source_files(catalog, lambda k: ("<catalog>", None)) == []


def test_primary_grades_need_a_source_that_is_not_an_aggregator(catalog: Catalog) -> None:
    bad = [k for k, f in iter_facts(catalog) if f.conf in ("A", "B") and only_aggregators(f.source)]
    assert bad == []


# --- load errors -----------------------------------------------------------------------------


def test_a_value_its_formula_does_not_give_is_a_load_error(data_copy: Path) -> None:
    supply = data_copy / "supply.yaml"
    line, err = _refused(
        supply,
        "2024-12: {value: 52.8, unit: million stacks/yr",
        "2024-12: {value: 60, unit: million stacks/yr",
    )
    msg = str(err)
    assert f"{supply}:{line}: tiers.hbm.capacity.points.2024-12: formula 'constants." in msg
    assert "gives 52.8, but the value is 60" in msg
    # the 2023 point divides the stated 2024 value, so it is flagged too; nothing else is
    assert "tiers.hbm.capacity.points.2023-12" in msg
    assert len(err.problems) == 2


def test_a_broken_formula_is_a_load_error(data_copy: Path) -> None:
    acc = data_copy / "accelerators.yaml"
    line, err = _refused(
        acc, 'formula: "accelerators.H100.it_w"', 'formula: "accelerators.H100.it_watts"'
    )
    assert f"{acc}:{line}: accelerators.H200.it_w:" in str(err)
    assert "unknown catalog key 'accelerators.H100.it_watts'" in str(err)


def test_derived_without_formula_and_formula_without_derived_are_refused(data_copy: Path) -> None:
    acc = data_copy / "accelerators.yaml"
    _edit(acc, ', formula: "accelerators.H100.it_w"', "")
    _, err = _refused(
        data_copy / "companies.yaml",
        "cash_usd_b: {value: 17.5, unit: $B,",
        'cash_usd_b: {value: 17.5, formula: "1", unit: $B,',
    )
    msg = str(err)
    assert "accelerators.H200.it_w" in msg and "needs a formula" in msg
    assert "companies.openai.facts.cash_usd_b" in msg and "conf must be 'derived'" in msg


def test_a_mix_that_does_not_sum_to_one_is_a_load_error(data_copy: Path) -> None:
    supply = data_copy / "supply.yaml"
    _, err = _refused(supply, "H100: {value: 0.45,", "H100: {value: 0.42,")
    msg = str(err)
    assert "mixes.industry.points.2024-06.shares: shares sum to 0.97, not 1" in msg
    assert f"{supply}:" in msg


def test_sources_outside_the_repository_are_refused(data_copy: Path) -> None:
    deals = data_copy / "deals.yaml"
    text = deals.read_text(encoding="utf-8")
    deals.write_text(
        text.replace('"docs/sources/finance.md#2.3"', '"docs/sources/missing.md#2.3"', 1).replace(
            'source: "docs/sources/finance.md#2.3"', 'source: "facts/finance.md#2.3"', 1
        ),
        encoding="utf-8",
    )
    with pytest.raises(GigafactoryError) as exc:
        load_catalog_from(data_copy)
    msg = str(exc.value)
    # the schema refuses a path outside docs/sources ...
    assert "deals.amd_warrant.terms.first_hurdle_usd.source" in msg and "docs/sources/" in msg
    # ... and the first edit (a path that does not exist) is caught once the schema passes
    deals.write_text(
        text.replace('"docs/sources/finance.md#2.3"', '"docs/sources/missing.md#2.3"', 1),
        encoding="utf-8",
    )
    with pytest.raises(GigafactoryError, match=re.escape("docs/sources/missing.md' is not a file")):
        load_catalog_from(data_copy)


# --- weak sources ----------------------------------------------------------------------------


def test_aggregator_domains() -> None:
    assert is_aggregator("https://www.smbom.com/news/15629")
    assert is_aggregator("https://sub.particle.news/story/x")
    assert not is_aggregator("https://epoch.ai/blog/x")
    assert not is_aggregator("https://notsmbom.com/x")
    assert not is_aggregator("docs/sources/finance.md#2.3")
    assert only_aggregators("https://gate.com/a ; https://smbom.com/b")
    assert not only_aggregators("https://gate.com/a ; https://openai.com/index/x")


def test_weak_sources_lists_weak_grades_and_aggregator_only_facts(catalog: Catalog) -> None:
    weak = {w.key: w for w in weak_sources(catalog)}
    assert weak["tiers.gas_turbines.params.lead_weeks"].conf == "C"
    assert weak["accelerators.TPU.hbm_stacks"].conf == "unverified"
    assert weak["tiers.hbm.capacity.points.2024-12"].reason == "aggregator"  # derived, one digest
    assert "accelerators.H100.tdp_w" not in weak  # grade A, primary spec page
    assert "params.pue" not in weak
    assert all(w.unit for w in weak.values())


def test_cli_sources_weak() -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["catalog", "sources", "--weak", "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert {r["key"] for r in rows} == {w.key for w in weak_sources(load_catalog_from(DATA_DIR))}
    assert set(rows[0]) == {"key", "value", "unit", "conf", "source", "reason"}
    res = runner.invoke(app, ["catalog", "sources", "--weak"])
    assert res.exit_code == 0 and "lean on weak sources" in res.output
