"""The JSON API of ``gigafactory serve``: runs, validation, series, comparisons, the catalog.

Contract (kept stable for scripts)::

    POST /runs        {"scenario": "announced" | YAML text, "draws": N, "seed": S} → {"id": …}
    GET  /runs/{id}   {"status": "queued" | "running" | "done" | "failed", "summary": … when done}
    POST /validate    YAML text (or {"yaml": text}) → {"ok": bool, "problems": [...]}

Ids from requests are checked against ``ID_PATTERN`` before they reach the store; no request
value ever becomes a file path.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from ..errors import GigafactoryError
from ..results.store import RunStore, StoredRun
from . import views
from .jobs import Job, QueueFull, RunQueue
from .scenarios import parse_scenario, problems_json

#: run ids (store: hex; queue: ``job-`` + hex) and series names; anything else is a 404
ID_PATTERN = re.compile(r"^(job-)?[0-9a-f]{4,32}$|^latest$")
NAME_PATTERN = re.compile(r"^[a-z0-9_]{1,64}$")
#: the longest scenario text accepted (characters)
MAX_SCENARIO_CHARS = 64_000
#: stored runs kept in memory (each a few MB of quantile tables)
RUN_CACHE = 16
#: seconds the list of stored runs is reused (a run finishing on this server refreshes it)
LIST_TTL_S = 2.0

router = APIRouter()


class Settings(BaseModel):
    """Limits of one server (set by ``gigafactory serve``)."""

    max_draws: int = 2000
    workers: int = 1
    max_waiting: int = 16


class RunRequest(BaseModel):
    """Start a run: a preset name or scenario YAML text, draws and seed (defaults: the scenario's)."""

    model_config = ConfigDict(extra="forbid")
    scenario: str = Field(..., min_length=1, max_length=MAX_SCENARIO_CHARS)
    draws: int | None = Field(None, ge=1)
    seed: int | None = Field(None, ge=0, le=2**32 - 1)


class ValidateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    yaml: str = Field(..., max_length=MAX_SCENARIO_CHARS)


def _queue(request: Request) -> RunQueue:
    q: RunQueue = request.app.state.queue
    return q


def _store(request: Request) -> RunStore:
    return RunStore(_queue(request).store_path)


def _settings(request: Request) -> Settings:
    s: Settings = request.app.state.settings
    return s


def _check_id(run_id: str) -> None:
    if not ID_PATTERN.match(run_id):
        raise HTTPException(404, f"no run '{run_id[:40]}'")


async def _stored(request: Request, run_id: str) -> StoredRun:
    """The stored run ``run_id`` names (a finished job's run too); 404 when none.

    Stored runs never change, so the last ``RUN_CACHE`` of them are kept in memory by full id:
    a page reading a run while another run is being saved does not wait for the store's lock.
    """
    _check_id(run_id)
    job = _queue(request).get(run_id)
    if job is not None:
        if job.run_id is None:
            raise HTTPException(409, f"run {run_id} is {job.status}; its results are not ready")
        run_id = job.run_id
    cache: OrderedDict[str, StoredRun] = request.app.state.run_cache
    if run_id in cache:
        cache.move_to_end(run_id)
        return cache[run_id]
    try:
        run = await run_in_threadpool(_store(request).get_run, run_id)
    except GigafactoryError as exc:
        raise HTTPException(404, str(exc.problems[0].message)) from exc
    cache[run.run_id] = run
    while len(cache) > RUN_CACHE:
        cache.popitem(last=False)
    return run


@router.post("/runs", status_code=202, tags=["runs"])
async def start_run(body: RunRequest, request: Request) -> dict[str, Any]:
    """Queue a run; answers at once with its id (poll ``GET /runs/{id}`` or stream its events)."""
    q, cap = _queue(request), _settings(request).max_draws
    try:
        sc = await run_in_threadpool(parse_scenario, body.scenario, q.catalog)
    except GigafactoryError as exc:
        return JSONResponse({"ok": False, "problems": problems_json(exc)}, status_code=422)  # type: ignore[return-value]
    draws = body.draws if body.draws is not None else min(sc.draws, cap)
    if draws > cap:
        msg = f"draws {draws} is above this server's cap of {cap}; ask for at most {cap}"
        problems = [{"file": "<request>", "line": None, "key": "draws", "message": msg}]
        return JSONResponse({"ok": False, "problems": problems}, status_code=422)  # type: ignore[return-value]
    try:
        job = q.submit(sc, draws, body.seed if body.seed is not None else sc.seed)
    except QueueFull as exc:
        raise HTTPException(429, str(exc)) from exc
    return {"id": job.id, "status": job.status}


@router.get("/runs", tags=["runs"])
async def list_runs(request: Request) -> dict[str, Any]:
    """Jobs of this server (newest first) and every run in the store (newest first, ≤ 200)."""
    q = _queue(request)
    jobs = sorted(q.jobs.values(), key=lambda j: -j.created_s)
    finished = sum(1 for j in jobs if j.status == "done")
    cached = request.app.state.list_cache
    if cached is None or cached[1] != finished or time.monotonic() - cached[0] > LIST_TTL_S:
        df = (await run_in_threadpool(_store(request).list_runs)).head(200)
        stored = json.loads(df.to_json(orient="records", date_format="iso"))
        cached = request.app.state.list_cache = (time.monotonic(), finished, stored)
    return {"jobs": [j.state() for j in jobs], "stored": cached[2]}


@router.get("/runs/{run_id}", tags=["runs"])
async def get_run(run_id: str, request: Request) -> dict[str, Any]:
    """A job's status and progress; once done, the stored run with its summary."""
    _check_id(run_id)
    job = _queue(request).get(run_id)
    if job is not None and job.status != "done":
        return job.state() | {"position": _queue(request).position(job)}
    run = await _stored(request, run_id)
    out = views.run_json(run)
    if job is not None:
        out |= {"id": job.id, "timings_s": job.timings_s}
    return out


def _event(job: Job) -> str:
    return f"id: {job.version}\nevent: progress\ndata: {json.dumps(job.state())}\n\n"


@router.get("/runs/{run_id}/events", tags=["runs"])
async def run_events(run_id: str, request: Request) -> StreamingResponse:
    """Server-sent events: the job's state at every change, until it is done or failed."""
    _check_id(run_id)
    job = _queue(request).get(run_id)
    if job is None:
        raise HTTPException(404, f"no queued or running job '{run_id}' on this server")

    async def stream() -> AsyncIterator[str]:
        seen = -1
        while True:
            if job.version != seen:
                seen = job.version
                yield _event(job)
                if job.status in ("done", "failed"):
                    return
            if await request.is_disconnected():
                return
            await asyncio.sleep(0.2)

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"}
    )


@router.get("/runs/{run_id}/series/{name}", tags=["results"])
async def get_series(
    run_id: str, name: str, request: Request, key: str | None = Query(None, max_length=64)
) -> dict[str, Any]:
    """Weekly p5/p50/p95 of one series (``key`` picks one entity of a keyed series)."""
    run = await _stored(request, run_id)
    out = views.series_json(run, name, key) if NAME_PATTERN.match(name) else None
    if out is None:
        names = ", ".join(views.series_names(run))
        raise HTTPException(404, f"no series '{name[:64]}' in run {run.run_id}; series: {names}")
    return out


@router.get("/runs/{run_id}/binding", tags=["results"])
async def get_binding(run_id: str, request: Request) -> dict[str, Any]:
    """Share of draws (0–1) in which each supply tier binds, per week."""
    return views.binding_json(await _stored(request, run_id))


@router.get("/runs/{run_id}/sites", tags=["results"])
async def get_sites(run_id: str, request: Request) -> list[dict[str, Any]]:
    """Planned vs simulated energisation of every site phase."""
    return views.sites_json(await _stored(request, run_id))


@router.get("/runs/{run_id}/money", tags=["results"])
async def get_money(run_id: str, request: Request) -> dict[str, Any]:
    """The money side: funding gap, exposure, loops, and the deal web as a network."""
    return views.money_json(await _stored(request, run_id))


@router.get("/compare", tags=["results"])
async def compare(
    request: Request, ids: list[str] = Query(..., min_length=2, max_length=6)
) -> dict[str, Any]:
    """Two or more runs: their facility-GW fan, and each against the first, moves ranked by size."""
    runs = [await _stored(request, i) for i in ids]
    store = _store(request)
    diffs = [
        views.diff_json(await run_in_threadpool(store.diff_runs, runs[0].run_id, r.run_id))
        for r in runs[1:]
    ]
    return {
        "runs": [
            {"id": r.run_id, "scenario": r.scenario, "draws": r.draws, "seed": r.seed} for r in runs
        ],
        "series": [views.series_json(r, "facility_gw_online") for r in runs],
        "diffs": diffs,
    }


@router.post("/validate", tags=["scenarios"])
async def validate(request: Request) -> dict[str, Any]:
    """Validate scenario YAML (the raw body, or JSON ``{"yaml": text}``); nothing is run."""
    raw = await request.body()
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            text = ValidateRequest.model_validate_json(raw).yaml
        except ValueError as exc:
            raise HTTPException(422, 'send YAML text, or JSON {"yaml": text}') from exc
    else:
        text = raw.decode("utf-8", errors="replace")
    if len(text) > MAX_SCENARIO_CHARS:
        raise HTTPException(413, f"scenario text is longer than {MAX_SCENARIO_CHARS} characters")
    try:
        sc = await run_in_threadpool(parse_scenario, text, _queue(request).catalog)
    except GigafactoryError as exc:
        return {"ok": False, "problems": problems_json(exc)}
    return {"ok": True, "problems": [], "name": sc.name, "draws": sc.draws, "seed": sc.seed}


@router.get("/presets", tags=["scenarios"])
async def presets(request: Request) -> list[dict[str, Any]]:
    """The shipped presets with their descriptions and draws."""
    from ..scenario import load_scenario, preset_names

    cat = _queue(request).catalog
    out = []
    for name in preset_names():
        sc = load_scenario(name, cat)
        out.append(
            {
                "name": name,
                "description": sc.description.strip(),
                "draws": sc.draws,
                "seed": sc.seed,
                "p_convert": sc.finance.p_convert,
            }
        )
    return out


@router.get("/catalog", tags=["catalog"])
async def catalog(request: Request) -> dict[str, Any]:
    """Every catalog value (unit, range, as-of, grade, source), the sliders and the deals."""
    cat = _queue(request).catalog
    state = request.app.state
    if getattr(state, "used_paths", None) is None:
        state.used_paths = await run_in_threadpool(views.used_paths, cat)
    return {
        "facts": views.catalog_json(cat),
        "main": views.main_assumptions(cat, state.used_paths),
        "deals": views.deals_json(cat, state.used_paths),
        "limits": _settings(request).model_dump(),
    }


def _tornado(preset: str, catalog: Any) -> dict[str, Any]:
    from ..scenario import load_scenario
    from ..sensitivity import METRICS, tornado

    base, df = tornado(load_scenario(preset, catalog), catalog, "it_gw_2030")
    rows = json.loads(df.to_json(orient="records"))
    return {
        "scenario": preset,
        "metric": "it_gw_2030",
        "metric_label": METRICS["it_gw_2030"],
        "base": base,
        "rows": rows,
    }


@router.get("/sensitivity", tags=["catalog"])
async def sensitivity(
    request: Request, scenario: str = Query("announced", max_length=64)
) -> dict[str, Any]:
    """Which catalog values move IT GW online at the end of 2030 most (one-at-a-time tornado
    on a preset's median draw; computed once per server and preset)."""
    from ..scenario import preset_names

    if scenario not in preset_names():
        raise HTTPException(404, f"no preset '{scenario}'; presets: {', '.join(preset_names())}")
    cache: dict[str, Any] = request.app.state.sensitivity
    if scenario not in cache:
        cache[scenario] = await run_in_threadpool(_tornado, scenario, _queue(request).catalog)
    out: dict[str, Any] = cache[scenario]
    return out
