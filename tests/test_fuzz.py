"""Fuzz ``validate`` with malformed and adversarial scenario files (issue 15, part 6).

Every example must end in exit 0 or 2 — never a traceback — without hanging, without
growing the process by more than :data:`MAX_GROWTH_MB`, and without writing anything.
``make test`` runs :data:`EXAMPLES` examples; ``make fuzz`` (``GIGAFACTORY_FUZZ=deep``) runs
many more and also runs every file that validates, which must then run too.
"""

from __future__ import annotations

import os
import resource
import signal
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from gigafactory.cli import app
from gigafactory.errors import GigafactoryError

DEEP = os.environ.get("GIGAFACTORY_FUZZ") == "deep"
EXAMPLES = int(os.environ.get("GIGAFACTORY_FUZZ_EXAMPLES", 3000 if DEEP else 150))
#: seconds one example may take before it counts as a hang (a guard, not a speed test)
HANG_S = 120
#: how much the process's peak memory may grow over the whole fuzz run
MAX_GROWTH_MB = 600

runner = CliRunner()

KEYS = [
    "name", "description", "extends", "scope", "horizon", "draws", "seed", "as_of", "sites",
    "overrides", "uncertainty", "goal", "finance", "plan", "kind", "buyer", "start", "end",
    "params.pue", "params.chip_lead_weeks", "tiers.cowos.capacity", "revenue_scale",
    "allocation_scale", "gw_per_week", "target_start", "draw", "dist", "low", "mode", "high",
]  # fmt: skip
NASTY_TEXT = [
    "[/bold] oops", "[link=javascript:alert(1)]x[/link]", "\x1b[2J\x1b[31m", "<script>x</script>",
    "\u202egnp.exe", "\x00", "café", "🙂", "2026-W99", "9999-W52", "industry", "announced",
    "/dev/zero", "/dev/null", "../../etc/passwd", "",
]  # fmt: skip
NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, -1, 13, 52, 1e9, 2**63, 2**63 - 1, 1e308]),
    st.booleans(),
)
SCALARS = st.one_of(
    NUMBERS,
    st.none(),
    st.sampled_from(NASTY_TEXT),
    st.text(alphabet=string.printable + "é\u202e", max_size=20),
)


def _values(depth: int = 3) -> st.SearchStrategy[Any]:
    return st.recursive(
        SCALARS,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=5),
        ),
        max_leaves=12,
    )


@st.composite
def documents(draw: st.DrawFn) -> str:
    """A YAML mapping with mostly real keys and adversarial values."""
    doc: dict[str, Any] = {}
    if draw(st.booleans()):
        doc["extends"] = draw(st.sampled_from(["industry", "announced", "gw-per-week", "nope"]))
    doc.update(draw(st.dictionaries(st.sampled_from(KEYS), _values(), max_size=6)))
    try:
        return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    except yaml.YAMLError:
        return "extends: industry\n"


def _deep(n: int) -> str:
    return "a: " + "[" * n + "]" * n + "\n"


def _bomb(levels: int) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


#: raw snippets a generator of dicts cannot produce: YAML features, encodings, sizes
RAW = st.one_of(
    st.integers(1, 6000).map(_deep),
    st.integers(2, 9).map(_bomb),
    st.sampled_from(
        [
            "extends: industry\nx: !!python/object/apply:os.system [echo pwned]\n",
            "extends: industry\nx: !!binary aGVsbG8=\n",
            "extends: industry\nx: !custom 1\n",
            "b: &b {draws: 5}\n<<: *b\nextends: industry\n",
            "extends: industry\ndraws: 10\ndraws: 20\n",
            "---\nextends: industry\n---\nextends: announced\n",
            "extends: [industry]\n",
            "extends: industry\nas_of: 2026-02-30\n",
            "extends: industry\nhorizon: {start: 2026-W60}\n",
            "? [a, b]\n: 1\n",
            "\ufeffextends: industry\n",
            "extends: industry\n\t- tab\n",
            "",
            "# nothing\n",
            "~\n",
            "[]\n",
            "'unterminated\n",
            'name: "\\ud800"\nextends: industry\n',
        ]
    ),
    st.text(max_size=200),
    st.integers(1, 3).map(lambda k: "extends: industry\n" + "x" * (k * 600_000) + ": 1\n"),
)
ENCODINGS = st.sampled_from(["utf-8", "utf-16", "latin-1", "cp1252"])


@st.composite
def scenario_files(draw: st.DrawFn) -> tuple[bytes, str | None]:
    """(file content, what ``extends`` should point at among the special targets, or None)."""
    text = draw(st.one_of(documents(), RAW))
    raw = text.encode(draw(ENCODINGS), errors="replace")
    if draw(st.integers(0, 9)) == 0:
        raw = raw + draw(st.binary(max_size=64))
    target = draw(
        st.sampled_from([None, None, None, "loop", "self", "fifo", "/dev/zero", "/dev/null"])
    )
    return raw, target


@pytest.fixture
def hang_guard() -> Iterator[None]:
    def hang(*_: object) -> None:
        raise AssertionError(f"an example ran for {HANG_S} s (a hang)")

    old = signal.signal(signal.SIGALRM, hang)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def _place(folder: Path, raw: bytes, target: str | None) -> Path:
    path = folder / "s.yaml"
    if target is None:
        path.write_bytes(raw)
        return path
    if target == "fifo":
        os.mkfifo(folder / "pipe.yaml")
        ref = "./pipe.yaml"
    elif target == "loop":
        (folder / "other.yaml").write_text("extends: ./s.yaml\n")
        ref = "./other.yaml"
    elif target == "self":
        ref = "./s.yaml"
    else:
        ref = target
    path.write_bytes(f"extends: {ref}\n".encode() + raw)
    return path


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        p.name: (p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.iterdir()
        if not p.is_fifo()
    }


def _invoke(*args: str) -> int:
    res = runner.invoke(app, list(args))
    if isinstance(res.exception, GigafactoryError):
        return 2
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise AssertionError(f"traceback: {res.exception!r}") from res.exception
    return res.exit_code


@pytest.fixture(scope="module")
def start_rss_kb() -> int:
    """Peak RSS before the first example (ru_maxrss is a high-water mark)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(case=scenario_files())
def test_validate_never_tracebacks_hangs_or_writes(
    case: tuple[bytes, str | None],
    tmp_path_factory: pytest.TempPathFactory,
    hang_guard: None,
    start_rss_kb: int,
) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    path = _place(folder, *case)
    before = _snapshot(folder)
    signal.alarm(HANG_S)
    code = _invoke("validate", str(path))
    if DEEP and code == 0:  # a file that validates must also run
        code = _invoke("run", str(path), "--draws", "3", "--no-store", "--no-finance", "--json")
        assert code == 0, "validated but did not run"
    signal.alarm(0)
    assert code in (0, 2)
    assert _snapshot(folder) == before, "validate wrote or changed a file"
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - start_rss_kb) / 1024
    assert grown_mb < MAX_GROWTH_MB, f"peak memory grew by {grown_mb:.0f} MB"
