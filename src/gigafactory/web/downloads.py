"""Downloads of a stored run: CSV tables, the Excel workbook, Parquet, the HTML report.

Files are built in a private temporary folder named by the server (never by the request),
read into memory and the folder removed before the response is sent.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from ..results.export import TABLES, run_tables, write_xlsx
from ..results.store import RunStore, StoredRun
from .api import _queue, _stored

router = APIRouter()

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(data: bytes, media: str, filename: str) -> Response:
    return Response(
        data,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _zip_folder(folder: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(folder.rglob("*")):
            if f.is_file():
                z.write(f, f.relative_to(folder).as_posix())
    return buf.getvalue()


def _parquet_zip(store: RunStore, run: StoredRun) -> bytes:
    with tempfile.TemporaryDirectory(prefix="gigafactory-dl-") as tmp:
        store.export_parquet(run.run_id, tmp)
        return _zip_folder(Path(tmp))


def _report_html(run: StoredRun, catalog: Any) -> bytes:
    from ..report import write_stored_report

    with tempfile.TemporaryDirectory(prefix="gigafactory-dl-") as tmp:
        path = write_stored_report(Path(tmp) / "report.html", run=run, catalog=catalog)
        return Path(path).read_bytes()


def _xlsx(run: StoredRun, catalog: Any) -> bytes:
    buf = io.BytesIO()
    write_xlsx(run, catalog, buf)
    return buf.getvalue()


def _csv_zip(run: StoredRun, catalog: Any) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, df in run_tables(run, catalog).items():
            z.writestr(f"{name}.csv", df.to_csv(index=False))
    return buf.getvalue()


@router.get("/runs/{run_id}/download/{what}", tags=["downloads"])
async def download(run_id: str, what: str, request: Request) -> Response:
    """``csv`` (a zip of every table), ``<table>.csv``, ``xlsx``, ``parquet`` (zip), ``html``."""
    run = await _stored(request, run_id)
    cat, rid = _queue(request).catalog, run.run_id
    if what == "xlsx":
        return _attachment(await run_in_threadpool(_xlsx, run, cat), XLSX, f"run-{rid}.xlsx")
    if what == "csv":
        data = await run_in_threadpool(_csv_zip, run, cat)
        return _attachment(data, "application/zip", f"run-{rid}-csv.zip")
    if what.endswith(".csv") and what.removesuffix(".csv") in TABLES:
        table = what.removesuffix(".csv")
        df = (await run_in_threadpool(run_tables, run, cat))[table]
        return _attachment(df.to_csv(index=False).encode(), "text/csv", f"run-{rid}-{table}.csv")
    if what == "parquet":
        store = RunStore(_queue(request).store_path)
        data = await run_in_threadpool(_parquet_zip, store, run)
        return _attachment(data, "application/zip", f"run-{rid}-parquet.zip")
    if what == "html":
        data = await run_in_threadpool(_report_html, run, cat)
        return _attachment(data, "text/html; charset=utf-8", f"run-{rid}-report.html")
    allowed = ", ".join(["csv", "xlsx", "parquet", "html", *(f"{t}.csv" for t in TABLES)])
    raise HTTPException(404, f"no download '{what[:40]}'; allowed: {allowed}")
