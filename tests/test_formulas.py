"""The public formulas (gigafactory.formulas) and ``gigafactory calc``: hand values, closed
forms, the published figures they reproduce, and bad arguments (one message, exit 2)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from gigafactory import formulas
from gigafactory.cli import app
from gigafactory.economics import capital_recovery_factor, tco_usd_b_per_gw_yr
from gigafactory.finance import contracts, warrant

runner = CliRunner()


def test_training_flop_by_hand() -> None:
    """16M × 2e15 FLOP/s × 0.4 × ½ yr × 31,557,600 s/yr = 2.0196864e29 (Epoch's "2e29")."""
    assert float(formulas.training_flop(16e6, 0.4, 0.5, 2e15)) == 2.0196864e29


def test_training_flop_reproduces_llama_405b() -> None:
    """Epoch 2030 report §power: Llama 3.1 405B = 4e25 FLOP on 16k H100 for 72 days.  At the
    H100's dense BF16 989 TFLOP/s and 40 % utilisation the formula gives 4.0e25 (within 5 %).
    https://epoch.ai/blog/can-ai-scaling-continue-through-2030"""
    flop = float(formulas.training_flop(16_384, 0.40, 72 / 365.25, 989e12))
    assert flop == pytest.approx(4e25, rel=0.05)


def test_facility_watts_reproduces_epoch_h100() -> None:
    """Epoch 2030 report, footnote 8: 700 W × 1.96 × 1.2 ≈ 1,650 W per H100 (1,646.4 W)."""
    assert float(formulas.facility_w_per_accelerator(700, 1.96, 1.2)) == pytest.approx(1646.4)


def test_crf_hand_values() -> None:
    """CRF(8 %, 10) = 0.149029 (annuity tables); CRF(0, 4) = 1/4; CRF(i, 1) = 1 + i."""
    assert float(formulas.capital_recovery_factor(0.08, 10)) == pytest.approx(0.1490295, rel=1e-6)
    assert float(formulas.capital_recovery_factor(0.0, 4)) == 0.25
    assert float(formulas.capital_recovery_factor(0.05, 1)) == pytest.approx(1.05)


@given(st.floats(0.001, 0.3), st.integers(1, 40))
def test_crf_repays_exactly(rate: float, years: int) -> None:
    """The annuity's present value is the capital: Σ_{k=1..n} CRF / (1 + i)^k = 1."""
    c = float(formulas.capital_recovery_factor(rate, years))
    pv = sum(c / (1 + rate) ** k for k in range(1, years + 1))
    assert pv == pytest.approx(1.0, rel=1e-9)


def test_tco_by_hand() -> None:
    """30 × CRF(10 %, 5) + 8 × CRF(10 %, 14) + 1.5 = 30 × 0.263797 + 8 × 0.135746 + 1.5."""
    got = float(formulas.tco_usd_b_per_yr(30, 8, 5, 14, 1.5, 0.10))
    assert got == pytest.approx(30 * 0.2637975 + 8 * 0.1357462 + 1.5, rel=1e-6)


def test_one_touch_limits() -> None:
    """At or above the barrier the tranche is the share; expired below it, nothing; a higher
    barrier is worth less."""
    assert float(formulas.one_touch_share_value(150, 150, 0.04, 0.5, 3)) == 150
    assert float(formulas.one_touch_share_value(100, 150, 0.04, 0.5, 0)) == 0
    lo, hi = formulas.one_touch_share_value(100, [150, 200], 0.04, 0.5, 3)
    assert 0 < hi < lo < 100


def test_the_engine_calls_the_one_implementation() -> None:
    """economics, the SPV lease's annuity and the warrants use the public formulas, not copies."""
    assert capital_recovery_factor is formulas.capital_recovery_factor
    assert warrant.one_touch_share_value is formulas.one_touch_share_value
    r = np.array([0.08, 0.0], dtype=np.float32)
    got = contracts.crf(r, np.array([10.0, 4.0], dtype=np.float32))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, [0.1490295, 0.25], rtol=1e-6)
    assert float(tco_usd_b_per_gw_yr(30, 8, 5, 14, 0.10, 0.05, 1.45)) == pytest.approx(
        float(formulas.tco_usd_b_per_yr(30, 8, 5, 14, 1.5, 0.10))
    )


CALLS = [
    (
        [
            "training-flop",
            "--h100e",
            "16e6",
            "--flops-per-h100e",
            "2e15",
            "--utilisation",
            "0.4",
            "--years",
            "0.5",
        ],
        2.0196864e29,
        "FLOP",
    ),
    (
        ["facility-watts", "--tdp-w", "700", "--system-overhead", "1.96", "--pue", "1.2"],
        1646.4,
        "W",
    ),
    (["crf", "--rate", "0.08", "--years", "10"], 0.1490295, "1/yr"),
    (
        [
            "tco",
            "--it-capex-usd-b",
            "30",
            "--facility-capex-usd-b",
            "8",
            "--it-life-yr",
            "5",
            "--facility-life-yr",
            "14",
            "--opex-usd-b-per-yr",
            "1.5",
            "--rate",
            "0.1",
        ],
        30 * 0.2637975 + 8 * 0.1357462 + 1.5,
        "$B/yr",
    ),
    (
        [
            "one-touch",
            "--spot",
            "209",
            "--barrier",
            "600",
            "--vol",
            "0.55",
            "--rate",
            "0.037",
            "--years",
            "5",
        ],
        float(formulas.one_touch_share_value(209, 600, 0.037, 0.55, 5)),
        "$/share",
    ),
]


@pytest.mark.parametrize(("args", "value", "unit"), CALLS, ids=[c[0][0] for c in CALLS])
def test_calc_json(args: list[str], value: float, unit: str) -> None:
    res = runner.invoke(app, ["calc", *args, "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["unit"] == unit
    assert out["value"] == pytest.approx(value, rel=1e-6)


def test_calc_plain_prints_value_and_unit() -> None:
    res = runner.invoke(app, ["calc", "crf", "--rate", "0", "--years", "4"])
    assert res.exit_code == 0 and res.output.strip() == "0.25 1/yr"


@pytest.mark.parametrize(
    ("args", "key"),
    [
        (["crf", "--rate", "7", "--years", "10"], "--rate"),
        (["crf", "--rate", "0.07", "--years", "-1"], "--years"),
        (
            ["training-flop", "--h100e", "1e6", "--utilisation", "1.5", "--years", "1"],
            "--utilisation",
        ),
        (
            [
                "one-touch",
                "--spot",
                "0",
                "--barrier",
                "1",
                "--vol",
                ".5",
                "--rate",
                "0",
                "--years",
                "1",
            ],
            "--spot",
        ),
        (["facility-watts", "--tdp-w", "700", "--system-overhead", "2", "--pue", "nan"], "--pue"),
    ],
)
def test_calc_bad_argument_is_one_message(args: list[str], key: str) -> None:
    from gigafactory.errors import GigafactoryError

    res = runner.invoke(app, ["calc", *args, "--json"])
    assert res.exit_code != 0
    assert isinstance(res.exception, GigafactoryError)
    assert key in str(res.exception) and "must be" in str(res.exception)


def test_calc_missing_option_exits_2() -> None:
    res = runner.invoke(app, ["calc", "crf", "--rate", "0.07"])
    assert res.exit_code == 2 and "--years" in res.output


def test_calc_fleet_power_is_ai2027s_series() -> None:
    """AI 2027's rows through `calc fleet-power` give 5.2, 9.55, 15.85, 29.75, 62.75 GW."""
    args = [
        "calc",
        "fleet-power",
        "--produced-m",
        "2,5,11,25,60",
        "--kw-per-h100e",
        "1.3,1.0,0.75,0.7,0.55",
        "--stock-m",
        "4,8.5,18,40,100",
        "--start-m",
        "2",
        "--start-kw",
        "1.3",
        "--json",
    ]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert json.loads(res.output) == {"value": [5.2, 9.55, 15.85, 29.75, 62.75], "unit": "GW"}


@pytest.mark.parametrize(
    "produced",
    ["2,x", "2,-1", "2,5"],  # not a number, negative, one value short
)
def test_calc_fleet_power_bad_lists(produced: str) -> None:
    from gigafactory.errors import GigafactoryError

    args = ["calc", "fleet-power", "--produced-m", produced, "--kw-per-h100e", "1.3"]
    args += ["--stock-m", "4", "--start-m", "2", "--start-kw", "1.3"]
    res = runner.invoke(app, args)
    assert isinstance(res.exception, GigafactoryError) and "--produced-m" in str(res.exception)
