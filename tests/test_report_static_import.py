"""The command loads matplotlib without the Artist ``set()`` property tables (help text
only); a library user keeps them, and the PNGs are the same bytes either way."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[1] / "src")

_DRAW = """
import hashlib, io, sys
from gigafactory.lazy import short_artist_docs
with short_artist_docs({active}):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
import matplotlib.artist
fig = Figure(figsize=(4, 3))
FigureCanvasAgg(fig)
ax = fig.subplots()
ax.plot([1, 2, 3], [2, 1, 3], label="line")
ax.fill_between([1, 2, 3], [0, 0, 1], [3, 2, 4], alpha=0.2)
ax.set_title("title\\nsubtitle")
ax.legend(fontsize=8)
buf = io.BytesIO()
fig.savefig(buf, format="png", dpi=50)
print("Properties:" in (Line2D.set.__doc__ or ""))
print("Properties:" in matplotlib.artist.kwdoc(Line2D))  # restored after the import
print(hashlib.sha256(buf.getvalue()).hexdigest())
"""


def _python(code: str) -> list[str]:
    env = os.environ | {"PYTHONPATH": SRC}
    res = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    return res.stdout.split()


def test_short_docs_change_no_pixel_and_restore_kwdoc() -> None:
    short = _python(_DRAW.format(active=True))
    full = _python(_DRAW.format(active=False))
    assert short[:2] == ["False", "True"]
    assert full[:2] == ["True", "True"]
    assert short[2] == full[2]


def test_a_library_import_keeps_the_property_tables() -> None:
    out = _python(
        """
        import gigafactory.report.static
        from matplotlib.lines import Line2D
        print("Properties:" in (Line2D.set.__doc__ or ""))
        """
    )
    assert out == ["True"]
