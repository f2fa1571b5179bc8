"""The ``gigafactory serve`` command (``register(app)`` adds it to the main CLI).

Binds 127.0.0.1 unless ``--host`` is given; with ``--host`` every request needs a token
(``--token``, or one generated and printed at start).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Annotated

import typer

LOOPBACK = "127.0.0.1"


def serve(
    host: Annotated[
        str | None,
        typer.Option("--host", help="Address to bind (default 127.0.0.1); needs a token."),
    ] = None,
    port: Annotated[int, typer.Option("--port", "-p", min=1, max=65535, help="TCP port.")] = 8765,
    token: Annotated[
        str | None,
        typer.Option("--token", help="Token every request must carry (generated with --host)."),
    ] = None,
    store: Annotated[
        Path | None,
        typer.Option("--store", help="Run store (DuckDB file); default $GIGAFACTORY_STORE."),
    ] = None,
    max_draws: Annotated[int, typer.Option(min=1, help="Most draws one run may ask for.")] = 2000,
    workers: Annotated[int, typer.Option(min=1, max=8, help="Runs at once.")] = 1,
    max_waiting: Annotated[int, typer.Option(min=1, help="Runs that may wait in line.")] = 16,
) -> None:
    """Serve the browser app and the JSON API (OpenAPI at /docs) on this machine."""
    import uvicorn

    from .api import Settings
    from .app import create_app

    bind = host or LOOPBACK
    if host is not None and token is None:
        token = secrets.token_urlsafe(16)
    if token is not None and len(token) < 8:
        from ..errors import GigafactoryError

        raise GigafactoryError("--token: use at least 8 characters")
    settings = Settings(max_draws=max_draws, workers=workers, max_waiting=max_waiting)
    app = create_app(store or _env_store(), token=token, settings=settings)
    query = f"/?token={token}" if token else "/"
    typer.echo(f"gigafactory: open http://{bind}:{port}{query}  (API: /docs; Ctrl-C stops)")
    uvicorn.run(app, host=bind, port=port, log_level="warning")


def _env_store() -> Path | None:
    env = os.environ.get("GIGAFACTORY_STORE")
    return Path(env) if env else None


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the main CLI app."""
    app.command("serve")(serve)
