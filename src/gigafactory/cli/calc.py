"""``calc``: evaluate one of the public formulas of :mod:`gigafactory.formulas`.

``gigafactory calc NAME --OPTION VALUE … [--json]`` prints ``{"value": …, "unit": …}`` with
``--json``, else ``value unit``.  A value outside a formula's domain is one message, exit 2.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable

import typer

from ..errors import GigafactoryError, Problem
from . import app

calc_app = typer.Typer(
    no_args_is_help=True,
    help="Evaluate a public formula (training FLOP, facility watts, CRF, TCO, one-touch value).",
)
app.add_typer(calc_app, name="calc")

_JSON = typer.Option(False, "--json", help='print {"value": …, "unit": …}')

#: domain checks: name → (test, what is allowed)
_POSITIVE = (lambda v: v > 0, "> 0")
_NON_NEGATIVE = (lambda v: v >= 0, "≥ 0")
_FRACTION = (lambda v: 0 < v <= 1, "in (0, 1]")
_RATE = (lambda v: -1 < v < 1, "a decimal per year in (−1, 1), e.g. 0.07 for 7 %")
_PUE = (lambda v: v >= 1, "≥ 1")


def _check(calc: str, **args: tuple[float, tuple[Callable[[float], bool], str]]) -> None:
    """Raise one :class:`GigafactoryError` listing every argument outside its domain."""
    bad = [
        Problem(
            f"calc {calc}",
            None,
            "--" + k.replace("_", "-"),
            f"must be {allowed}; got {v!r}",
        )
        for k, (v, (ok, allowed)) in args.items()
        if not (math.isfinite(v) and ok(v))
    ]
    if bad:
        raise GigafactoryError(bad)


def _print(value: float, unit: str, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps({"value": value, "unit": unit}))
    else:
        typer.echo(f"{value:.6g} {unit}")


@calc_app.command("training-flop")
def training_flop(
    h100e: float = typer.Option(..., help="accelerators in the run, H100-equivalents"),
    flops_per_h100e: float = typer.Option(
        1.979e15, help="peak FLOP/s per H100e (dense 8-bit 1.979e15; Epoch rounds to 2e15)"
    ),
    utilisation: float = typer.Option(..., help="model FLOP utilisation, fraction (e.g. 0.4)"),
    years: float = typer.Option(..., help="duration of the run, years (0.5 = six months)"),
    as_json: bool = _JSON,
) -> None:
    """FLOP of a training run: N · F · u · T · 31,557,600 s/yr."""
    from ..formulas import training_flop as f

    _check(
        "training-flop",
        h100e=(h100e, _NON_NEGATIVE),
        flops_per_h100e=(flops_per_h100e, _POSITIVE),
        utilisation=(utilisation, _FRACTION),
        years=(years, _POSITIVE),
    )
    _print(float(f(h100e, utilisation, years, flops_per_h100e)), "FLOP", as_json)


@calc_app.command("facility-watts")
def facility_watts(
    tdp_w: float = typer.Option(..., help="chip TDP, W (700 for an H100)"),
    system_overhead: float = typer.Option(
        ..., help="server + network W per chip W (1.96 DGX SuperPOD, 1.82 DGX server)"
    ),
    pue: float = typer.Option(..., help="facility W per IT W (e.g. 1.2)"),
    as_json: bool = _JSON,
) -> None:
    """Facility watts per accelerator: TDP · overhead · PUE."""
    from ..formulas import facility_w_per_accelerator as f

    _check(
        "facility-watts",
        tdp_w=(tdp_w, _POSITIVE),
        system_overhead=(system_overhead, _POSITIVE),
        pue=(pue, _PUE),
    )
    _print(float(f(tdp_w, system_overhead, pue)), "W", as_json)


@calc_app.command("crf")
def crf(
    rate: float = typer.Option(..., help="cost of capital, decimal per year (0.07 = 7 %)"),
    years: float = typer.Option(..., help="life, years"),
    as_json: bool = _JSON,
) -> None:
    """Capital recovery factor: i / (1 − (1 + i)^−n) (1/n at i = 0)."""
    from ..formulas import capital_recovery_factor as f

    _check("crf", rate=(rate, _RATE), years=(years, _POSITIVE))
    _print(float(f(rate, years)), "1/yr", as_json)


@calc_app.command("tco")
def tco(
    it_capex_usd_b: float = typer.Option(..., help="IT capex (chips, servers, network), $B"),
    facility_capex_usd_b: float = typer.Option(..., help="facility capex, $B"),
    it_life_yr: float = typer.Option(..., help="IT recovery life, years"),
    facility_life_yr: float = typer.Option(..., help="facility recovery life, years"),
    opex_usd_b_per_yr: float = typer.Option(..., help="operating cost incl. energy, $B/yr"),
    rate: float = typer.Option(..., help="cost of capital, decimal per year"),
    as_json: bool = _JSON,
) -> None:
    """Annual cost: CRF(i, L_IT)·C_IT + CRF(i, L_fac)·C_fac + opex, in $B/yr."""
    from ..formulas import tco_usd_b_per_yr as f

    _check(
        "tco",
        it_capex_usd_b=(it_capex_usd_b, _NON_NEGATIVE),
        facility_capex_usd_b=(facility_capex_usd_b, _NON_NEGATIVE),
        it_life_yr=(it_life_yr, _POSITIVE),
        facility_life_yr=(facility_life_yr, _POSITIVE),
        opex_usd_b_per_yr=(opex_usd_b_per_yr, _NON_NEGATIVE),
        rate=(rate, _RATE),
    )
    v = f(
        it_capex_usd_b, facility_capex_usd_b, it_life_yr, facility_life_yr, opex_usd_b_per_yr, rate
    )
    _print(float(v), "$B/yr", as_json)


@calc_app.command("one-touch")
def one_touch(
    spot: float = typer.Option(..., help="share price today, $/share"),
    barrier: float = typer.Option(..., help="price hurdle the tranche vests at, $/share"),
    vol: float = typer.Option(..., help="volatility, decimal per √year (0.55 = 55 %)"),
    rate: float = typer.Option(..., help="risk-free rate, continuously compounded, decimal/yr"),
    years: float = typer.Option(..., help="time to expiry, years"),
    as_json: bool = _JSON,
) -> None:
    """Value per share of a one-touch paying the share when the price first hits the barrier."""
    from ..formulas import one_touch_share_value as f

    _check(
        "one-touch",
        spot=(spot, _POSITIVE),
        barrier=(barrier, _POSITIVE),
        vol=(vol, _POSITIVE),
        rate=(rate, _RATE),
        years=(years, _NON_NEGATIVE),
    )
    _print(float(f(spot, barrier, rate, vol, years)), "$/share", as_json)


def _floats(calc: str, key: str, text: str) -> list[float]:
    """A comma-separated list of finite, non-negative numbers (one message otherwise)."""
    try:
        out = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        out = []
    if not out or not all(math.isfinite(v) and v >= 0 for v in out):
        raise GigafactoryError(
            [
                Problem(
                    f"calc {calc}", None, key, f"must be comma-separated numbers ≥ 0; got {text!r}"
                )
            ]
        )
    return out


@calc_app.command("fleet-power")
def fleet_power(
    produced_m: str = typer.Option(..., help="H100e produced per year, million: 2,5,11,25,60"),
    kw_per_h100e: str = typer.Option(..., help="kW per H100e of each year: 1.3,1.0,0.75,0.7,0.55"),
    stock_m: str = typer.Option(..., help="fleet at each year end, million: 4,8.5,18,40,100"),
    start_m: float = typer.Option(..., help="fleet before the first year, million H100e"),
    start_kw: float = typer.Option(..., help="kW per H100e of that fleet"),
    as_json: bool = _JSON,
) -> None:
    """Power of a vintage-tracked fleet, oldest retired first (AI 2027's power series), GW."""
    from ..formulas import vintage_fleet_power_gw as f

    p = _floats("fleet-power", "--produced-m", produced_m)
    k = _floats("fleet-power", "--kw-per-h100e", kw_per_h100e)
    s = _floats("fleet-power", "--stock-m", stock_m)
    if not len(p) == len(k) == len(s):
        raise GigafactoryError(
            [
                Problem(
                    "calc fleet-power",
                    None,
                    "--produced-m",
                    "--produced-m, --kw-per-h100e and "
                    f"--stock-m need one value per year each; got {len(p)}, {len(k)}, {len(s)}",
                )
            ]
        )
    _check("fleet-power", start_m=(start_m, _NON_NEGATIVE), start_kw=(start_kw, _NON_NEGATIVE))
    gw = [round(float(v), 6) for v in f(p, k, s, start_m, start_kw)]
    if as_json:
        typer.echo(json.dumps({"value": gw, "unit": "GW"}))
    else:
        typer.echo(" ".join(f"{v:.4g}" for v in gw) + " GW")
