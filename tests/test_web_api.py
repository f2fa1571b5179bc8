"""The JSON API of ``gigafactory serve`` through a real uvicorn server on 127.0.0.1 (httpx)."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import openpyxl
import pandas as pd
import pytest

from gigafactory.results.export import TABLES
from gigafactory.web.api import Settings
from web_helpers import running_server, save_example_run, wait_done

SMALL = Settings(max_draws=200, workers=1, max_waiting=4)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("web") / "runs.duckdb"
    save_example_run(path, 1, name="base")
    save_example_run(path, 2, scale=1.5, name="bigger")
    return path


@pytest.fixture(scope="module")
def client(store: Path) -> Iterator[httpx.Client]:
    with running_server(store, settings=SMALL) as url, httpx.Client(base_url=url, timeout=120) as c:
        yield c


def stored_ids(client: httpx.Client) -> list[str]:
    return [r["run_id"] for r in client.get("/runs").json()["stored"]]


def test_openapi_lists_the_contract(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    assert {
        "/runs",
        "/runs/{run_id}",
        "/validate",
        "/catalog",
        "/runs/{run_id}/series/{name}",
    } <= set(spec["paths"])
    assert set(spec["paths"]["/runs"]) == {"get", "post"}
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "cdn" not in docs.text.lower()


def test_validate_reports_line_key_and_did_you_mean(client: httpx.Client) -> None:
    good = client.post("/validate", content="name: x\nextends: announced\ndraws: 50\n")
    assert good.json() == {"ok": True, "problems": [], "name": "x", "draws": 50, "seed": 42}
    bad = client.post(
        "/validate",
        json={"yaml": "name: x\nextends: announced\noverrides:\n  tiers.cowos.params.yeild: 0.5\n"},
    ).json()
    assert bad["ok"] is False
    (p,) = bad["problems"]
    assert p["line"] == 4
    assert p["key"] == "overrides.tiers.cowos.params.yeild"
    assert "did you mean 'tiers.cowos.params.yield'" in p["message"]


def test_extends_may_name_a_preset_only(client: httpx.Client) -> None:
    for target in ("/etc/passwd", "../../src/gigafactory/scenario/presets/announced.yaml"):
        res = client.post("/validate", content=f"name: x\nextends: {target}\n").json()
        assert res["ok"] is False
        assert res["problems"][0]["key"] == "extends"
        assert "preset only" in res["problems"][0]["message"]


def test_bad_requests_are_refused_with_one_clear_message(client: httpx.Client) -> None:
    over = client.post("/runs", json={"scenario": "announced", "draws": 201})
    assert over.status_code == 422
    assert "cap of 200" in over.json()["problems"][0]["message"]
    assert client.post("/runs", json={"scenario": "announced", "bogus": 1}).status_code == 422
    typo = client.post("/runs", json={"scenario": "anounced", "draws": 5}).json()
    assert "did you mean 'announced'" in typo["problems"][0]["message"]
    big = client.post("/runs", json={"scenario": "x" * 300_000})
    assert big.status_code == 413, "the body limit answers before the body is parsed"
    assert "larger than" in big.json()["detail"]
    assert client.get("/runs/nope-not-an-id").status_code == 404
    assert client.get("/runs/deadbeef").status_code == 404
    assert client.get("/static/..%2Fapp.py").status_code == 404
    assert client.get("/static/index.html").status_code == 404
    ids = stored_ids(client)
    assert client.get(f"/runs/{ids[0]}/series/..%2F..%2Fetc").status_code == 404
    assert client.get(f"/runs/{ids[0]}/download/..%2Fruns.duckdb").status_code == 404


def test_stored_run_series_sites_money(client: httpx.Client) -> None:
    rid = stored_ids(client)[-1]
    run = client.get(f"/runs/{rid}").json()
    assert run["status"] == "done"
    assert "years" in run["summary"]
    s = client.get(f"/runs/{rid}/series/facility_gw_online").json()
    assert s["unit"] == "GW"
    assert len(s["week"]) == len(s["p50"]) > 100
    assert all(a <= b <= c for a, b, c in zip(s["p5"], s["p50"], s["p95"], strict=True))
    assert client.get(f"/runs/{rid}/series/no_such_series").status_code == 404
    sites = client.get(f"/runs/{rid}/sites").json()
    assert sites
    assert {"phase", "planned", "p50"} <= set(sites[0])
    net = client.get(f"/runs/{rid}/money").json()["network"]
    names = {n["id"] for n in net["nodes"]}
    assert all(e["from"] in names and e["to"] in names and e["usd_b"] > 0 for e in net["edges"])


def test_compare_ranks_moves_by_size_within_each_unit(client: httpx.Client) -> None:
    base, bigger = stored_ids(client)[::-1][:2]
    res = client.get("/compare", params={"ids": [base, bigger]}).json()
    assert [r["id"] for r in res["runs"]] == [base, bigger]
    diffs = res["diffs"][0]["differences"]
    gw = [d for d in diffs if d["unit"] == "GW"]
    assert gw
    sizes = [abs(d["delta"]) for d in gw]
    assert sizes == sorted(sizes, reverse=True)
    # the second run's GW series were scaled by 1.5: its GW metrics are larger
    assert all(d["b"] > d["a"] for d in gw if d["metric"].endswith("p50") and d["a"] > 0)
    assert client.get("/compare", params={"ids": [base]}).status_code == 422


def test_downloads_open_in_pandas_and_openpyxl(client: httpx.Client) -> None:
    rid = stored_ids(client)[0]
    years = pd.read_csv(io.BytesIO(client.get(f"/runs/{rid}/download/years.csv").content))
    assert "facility GW online p50" in years.columns
    assert years["year"].is_monotonic_increasing
    zipped = zipfile.ZipFile(io.BytesIO(client.get(f"/runs/{rid}/download/csv").content))
    assert sorted(zipped.namelist()) == sorted(f"{t}.csv" for t in TABLES)
    xlsx = client.get(f"/runs/{rid}/download/xlsx")
    assert xlsx.headers["content-disposition"] == f'attachment; filename="run-{rid}.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True)
    assert book.sheetnames == list(TABLES)
    pq = zipfile.ZipFile(io.BytesIO(client.get(f"/runs/{rid}/download/parquet").content))
    assert any(n.endswith("series.parquet") for n in pq.namelist())
    assert client.get(f"/runs/{rid}/download/html").text.startswith("<!")


def test_a_real_run_queues_streams_progress_and_lands_in_the_store(client: httpx.Client) -> None:
    before = set(stored_ids(client))
    a = client.post("/runs", json={"scenario": "announced", "draws": 20, "seed": 3}).json()["id"]
    text = "name: 'no AMD'\nextends: announced\noverrides:\n  deals.amd_6gw.gw: 0\n"
    b = client.post("/runs", json={"scenario": text, "draws": 20, "seed": 3}).json()["id"]
    queued = client.get(f"/runs/{b}").json()
    assert queued["status"] in ("queued", "running")
    with client.stream("GET", f"/runs/{a}/events") as events:
        lines = [ln for ln in events.iter_lines() if ln.startswith("data: ")]
    phases = [json.loads(ln[6:])["phase"] for ln in lines]
    assert phases[-1] == "done"
    assert {"summary and finance", "save"} <= set(phases)
    done_a, done_b = wait_done(client, a), wait_done(client, b)
    assert done_a["status"] == done_b["status"] == "done", (done_a, done_b)
    assert done_a["summary"]["draws"] == 20
    assert done_b["scenario"] == "no AMD"
    assert {done_a["run_id"], done_b["run_id"]} <= set(stored_ids(client)) - before
    assert client.get(f"/runs/{a}/series/it_gw_online").json()["p50"][-1] > 0


def test_token_is_required_when_set(store: Path) -> None:
    with running_server(store, token="s3cret-token", settings=SMALL) as url:
        assert httpx.get(f"{url}/runs").status_code == 401
        assert httpx.get(f"{url}/", params={"token": "wrong-token"}).status_code == 401
        assert (
            httpx.get(f"{url}/runs", headers={"Authorization": "Bearer s3cret-token"}).status_code
            == 200
        )
        assert httpx.get(f"{url}/", params={"token": "s3cret-token"}).status_code == 200
