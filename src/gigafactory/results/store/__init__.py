"""The run store: every run and plan kept in an embedded DuckDB file, with its lineage.

Layout (one DuckDB file; full trajectories optionally as Parquet in a folder beside it)::

    runs        run_id, created_at, kind, scenario, scenario_yaml, seed, draws, version,
                input_hash, summary (JSON), note, trajectories (folder name or NULL)
    metrics     run_id, metric, value, text         every leaf of summary.json, dotted
    series      run_id, source, variable, key, week, p5, p50, p95, mean
    distributions  run_id, source, variable, key, p5, p50, p95, mean   (per draw, no week)
    binding     run_id, week, tier, share
    phases      run_id, phase, planned, p5, p50, p95, share_powered
    flows       run_id, payer, payee, kind, usd_b
    bottlenecks run_id, constraint, period, shadow_price, unit

Safety:

* A save is one DuckDB transaction: a failed or killed save leaves no rows behind.  Parquet
  trajectories are written to a temporary folder and renamed into place inside the
  transaction, just before the commit; on failure the folder is removed, and folders left
  by a killed writer are swept by the next writer (never a row pointing at a missing one).
* DuckDB admits one writing process at a time, so every connection is taken under an
  advisory ``fcntl.flock`` on ``<store>.lock`` — exclusive to write, shared to read — with
  exponential back-off up to ``timeout`` seconds.  The kernel releases the lock when a
  process dies, so a killed writer never blocks the store.
"""

from __future__ import annotations

from .diff import MetricChange, RunDiff, StoreDiffer
from .export import StoreExporter
from .schema import (
    ENV_VAR,
    HEADLINE_LABELS,
    HEADLINE_METRICS,
    SCHEMA_VERSION,
    Kind,
    StoredRun,
    default_store_path,
    input_hash,
    package_version,
)
from .write import StoreWriter


class RunStore(StoreWriter, StoreDiffer, StoreExporter):
    """Runs and plans in an embedded DuckDB file.

    Parameters
    ----------
    path : str or Path, optional
        The DuckDB file; default ``default_store_path()``.  Created on first save.
    timeout : float
        Seconds to wait for another process's write before giving up (``GigafactoryError``).
    """


__all__ = [
    "ENV_VAR",
    "HEADLINE_LABELS",
    "HEADLINE_METRICS",
    "SCHEMA_VERSION",
    "Kind",
    "MetricChange",
    "RunDiff",
    "RunStore",
    "StoredRun",
    "default_store_path",
    "input_hash",
    "package_version",
]
