"""``python -m gigafactory.web`` runs ``gigafactory serve`` (same options)."""

from __future__ import annotations

import typer

from .cli import serve

if __name__ == "__main__":
    typer.run(serve)
