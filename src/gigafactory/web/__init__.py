"""``gigafactory serve``: a JSON API and a browser app over the run store (FastAPI + uvicorn)."""

from __future__ import annotations
