"""Screenshots of every page of ``gigafactory serve`` for the README (docs/web-*.png).

Starts the app on 127.0.0.1 with a temporary store, runs the ``announced`` preset and a variant
without AMD's 6 GW (200 draws each), and photographs each page in headless Chromium.

    PYTHONPATH=src python docs/make_screenshots.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from web_helpers import running_server, wait_done

DOCS = Path(__file__).resolve().parent
NO_AMD = """name: announced without AMD
extends: announced
overrides:
  deals.amd_6gw.gw: 0
  deals.amd_6gw.schedule.2026-12: 0
  deals.amd_6gw.schedule.2030-12: 0
"""


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, running_server(Path(tmp) / "runs.duckdb") as url:
        with httpx.Client(base_url=url, timeout=60) as c:
            jobs = [
                c.post("/runs", json={"scenario": s, "draws": 200, "seed": 1}).json()["id"]
                for s in ("announced", NO_AMD)
            ]
            a, b = (wait_done(c, j)["run_id"] for j in jobs)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=shutil.which("chromium"),
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            for name, hash_, full in (
                ("scenario", "scenario", False),
                ("run", "run", False),
                ("results", f"results/{a}", True),
                ("compare", f"compare/{a},{b}", True),
                ("provenance", "provenance", False),
                ("download", f"download/{a}", False),
            ):
                page.goto(f"{url}/#{hash_}")
                deadline = time.monotonic() + 120
                while not page.evaluate(
                    f"() => document.body.dataset.page === '{hash_.split('/')[0]}'"
                    " && document.body.dataset.ready === '1'"
                ):
                    if time.monotonic() > deadline:
                        raise SystemExit(f"page {name} did not load")
                    time.sleep(0.2)
                time.sleep(1)
                page.screenshot(path=str(DOCS / f"web-{name}.png"), full_page=full)
                print(DOCS / f"web-{name}.png")
            browser.close()


if __name__ == "__main__":
    main()
