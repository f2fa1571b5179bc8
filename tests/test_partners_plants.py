"""Named suppliers' plants (Foxconn's US AI-server plants, Hitachi Energy's South Boston plant):
shares of their supplier's tier capacity, in the summary and the partners view."""

from __future__ import annotations

import pytest

from gigafactory.catalog import load_catalog
from gigafactory.catalog.schema import Catalog
from gigafactory.compile import compile_inputs
from gigafactory.scenario import load_scenario
from gigafactory.supply.suppliers import (
    decode,
    encode,
    plant_rows,
    plant_shares,
    supplier_summary,
    tier_shares,
)


def test_a_plants_share_of_the_tier_is_its_suppliers_share_times_its_own() -> None:
    shares = {"rack_assembly": {"foxconn": 0.4, "others": 0.6}}
    plants = {"rack_assembly": {"foxconn": {"houston_tx": 0.25, "lordstown_oh": 0.1}}}
    rows = plant_rows(shares, plants)
    assert rows == {"rack_assembly": {"foxconn/houston_tx": 0.1, "foxconn/lordstown_oh": 0.04}}
    # who was short, by plant: the tier's binding share × the plant's share of the tier
    meta = {"supplier_shares": encode(shares), "supplier_plants": encode(rows)}
    out = supplier_summary(meta, {"2030": {"binding": {"rack_assembly": 0.5}}})
    assert out["binding_by_plant"]["rack_assembly"]["2030"] == {
        "foxconn/houston_tx": 0.05,
        "foxconn/lordstown_oh": 0.02,
    }


def test_the_catalog_names_the_us_plants_and_compile_reports_them() -> None:
    cat = load_catalog()
    value = lambda path, f: f.value  # noqa: E731
    plants = plant_shares(cat, value)
    assert set(plants["rack_assembly"]["foxconn"]) == {
        "houston_tx",
        "lordstown_oh",
        "mount_pleasant_wi",
    }
    assert set(plants["transformers"]["hitachi"]) == {"south_boston_va"}
    inp = compile_inputs(load_scenario("announced", cat), cat, 1, 0, median=True)
    got = decode(inp.meta["supplier_plants"])
    shares = decode(inp.meta["supplier_shares"])
    hou = got["rack_assembly"]["foxconn/houston_tx"]
    assert 0 < hou < shares["rack_assembly"]["foxconn"]
    assert "company:foxconn=suppliers:rack_assembly plant houston_tx" in inp.meta["deal_drives"]
    assert (
        tier_shares(cat, value)["transformers"]["hitachi"]
        > got["transformers"]["hitachi/south_boston_va"]
    )


def test_a_plant_of_a_company_that_is_not_a_named_supplier_is_refused() -> None:
    raw = load_catalog().model_dump()
    params = raw["tiers"]["transformers"]["params"]
    params["plant_siemens_energy__charlotte_nc"] = dict(params["plant_hitachi__south_boston_va"])
    with pytest.raises(ValueError, match="plant_<company>__<plant> of a named supplier"):
        Catalog.model_validate(raw)
    raw = load_catalog().model_dump()
    params = raw["tiers"]["rack_assembly"]["params"]
    params["plant_foxconn__houston_tx"].update(value=0.99, low=None, high=None)
    with pytest.raises(ValueError, match="foxconn's plant shares sum to"):
        Catalog.model_validate(raw)
