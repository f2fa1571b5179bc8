"""Exporting a stored run: its tables as Parquet and ``run.json``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from .read import StoreReader
from .schema import RUN_COLUMNS, _json_default, metrics_frame


class StoreExporter(StoreReader):
    """Exporting a stored run as Parquet."""

    def export_parquet(self, run_id: str, directory: str | Path) -> list[Path]:
        """Write a run's tables as Parquet (and its metadata as ``run.json``) into ``directory``.

        Returns the files written; full trajectories are copied too when they were kept.
        """
        run = self.get_run(run_id)
        out = Path(directory) / run.run_id
        out.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        meta = {k: getattr(run, k) for k in RUN_COLUMNS if k != "created_at"}
        meta |= {
            "created_at": run.created_at.isoformat(),
            "summary": run.summary,
            "scenario_yaml": run.scenario_yaml,
        }
        (out / "run.json").write_text(json.dumps(meta, indent=2, default=_json_default))
        written.append(out / "run.json")
        for name, df in {"metrics": metrics_frame(run.metrics), **run.tables()}.items():
            if df.empty:
                continue
            df.to_parquet(out / f"{name}.parquet", index=False)
            written.append(out / f"{name}.parquet")
        if run.trajectories is not None:
            for f in sorted(run.trajectories.glob("*")):
                shutil.copy2(f, out / f.name)
                written.append(out / f.name)
        return written
