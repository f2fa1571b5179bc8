"""The ``gigafactory serve`` application: the JSON API and the browser app in one FastAPI app.

Safe by default:

* every asset comes from this package or an installed one (plotly.js from ``plotly``), so the
  app works offline and loads nothing from a CDN; the Content-Security-Policy forbids other
  origins and inline scripts, so text injected into a page cannot run;
* request bodies above ``MAX_BODY_BYTES`` are refused (413) before they are read;
* with a token, every request must carry it (``Authorization: Bearer T``, or ``?token=T`` for
  links and event streams); compared in constant time;
* static files are a fixed table of names: no request value becomes a path.
"""

from __future__ import annotations

import contextlib
import secrets
from collections import OrderedDict
from collections.abc import AsyncIterator
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .api import Settings
from .api import router as api_router
from .downloads import router as download_router
from .jobs import RunQueue

#: the largest request body accepted (bytes)
MAX_BODY_BYTES = 256 * 1024

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)

#: the static files the app serves: URL name → (package, file, media type)
STATIC: dict[str, tuple[str, str, str]] = {
    "app.js": ("gigafactory.web", "static/app.js", "text/javascript"),
    "pages.js": ("gigafactory.web", "static/pages.js", "text/javascript"),
    "charts.js": ("gigafactory.web", "static/charts.js", "text/javascript"),
    "docs.js": ("gigafactory.web", "static/docs.js", "text/javascript"),
    "style.css": ("gigafactory.web", "static/style.css", "text/css"),
    "plotly.min.js": ("plotly", "package_data/plotly.min.js", "text/javascript"),
}


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes (by Content-Length, or while streaming)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await _too_large(self.limit)(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            msg = await receive()
            seen += len(msg.get("body", b""))
            if seen > self.limit:
                raise _BodyTooLarge
            return msg

        try:
            await self.app(scope, limited, send)
        except _BodyTooLarge:
            await _too_large(self.limit)(scope, receive, send)


class _BodyTooLarge(Exception):
    pass


def _too_large(limit: int) -> Response:
    return JSONResponse({"detail": f"request body larger than {limit} bytes"}, status_code=413)


def _read_static(name: str) -> tuple[bytes, str]:
    package, file, media = STATIC[name]
    return (resources.files(package) / file).read_bytes(), media


def _authorised(request: Request, token: str | None) -> bool:
    if token is None:
        return True
    given = request.query_params.get("token") or ""
    auth = request.headers.get("authorization", "")
    if auth.startswith("Bearer "):
        given = auth.removeprefix("Bearer ")
    return secrets.compare_digest(given.encode(), token.encode())


def create_app(
    store_path: Path | None = None,
    *,
    token: str | None = None,
    settings: Settings | None = None,
) -> FastAPI:
    """The app: API routes, the browser pages, limits and the run queue.

    Parameters
    ----------
    store_path : Path or None
        Run store (DuckDB file); None: ``$GIGAFACTORY_STORE`` or the user data dir.
    token : str or None
        When given, every request must carry it.
    settings : Settings
        Caps: draws per run, runs at once, runs waiting.
    """
    from .. import __version__

    cfg = settings or Settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.queue.close()

    app = FastAPI(
        lifespan=lifespan,
        title="gigafactory",
        version=__version__,
        summary="Run scenarios of the AI infrastructure buildout, compare them, download results.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = cfg
    app.state.sensitivity = {}
    app.state.run_cache = OrderedDict()
    app.state.list_cache = None
    app.state.queue = RunQueue(store_path, workers=cfg.workers, max_waiting=cfg.max_waiting)
    app.include_router(api_router)
    app.include_router(download_router)
    cache: dict[str, tuple[bytes, str]] = {}

    @app.middleware("http")
    async def guard(request: Request, call_next: Any) -> Response:
        if not _authorised(request, token):
            return JSONResponse(
                {"detail": "this server needs its token: Authorization: Bearer T or ?token=T"},
                status_code=401,
            )
        response: Response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    @app.get("/", include_in_schema=False)
    async def index() -> Response:
        return Response(_read_static_page("index.html"), media_type="text/html; charset=utf-8")

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        return Response(status_code=204)

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(_read_static_page("docs.html"))

    @app.get("/static/{name}", include_in_schema=False)
    async def static(name: str) -> Response:
        if name not in STATIC:
            return JSONResponse({"detail": "not found"}, status_code=404)
        if name not in cache:
            cache[name] = _read_static(name)
        body, media = cache[name]
        return Response(body, media_type=media, headers={"Cache-Control": "no-cache"})

    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)
    return app


def _read_static_page(name: str) -> bytes:
    return (resources.files("gigafactory.web") / "static" / name).read_bytes()
