"""Issue 15, one regression test per adversarial case: never lose a file, never run away,
never a traceback for a user mistake, no markup from users, and clean Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fixtures import example_physical, example_summary
from gigafactory.budget import check_budget, estimate_bytes, parse_size
from gigafactory.catalog.schema import Catalog
from gigafactory.cli import app
from gigafactory.errors import GigafactoryError
from gigafactory.results.files import RUN_FILES, check_file_target, write_file
from gigafactory.results.store import RunStore
from gigafactory.scenario import load_scenario, load_scenario_text
from gigafactory.text import plain, visible
from gigafactory.yamlio import MAX_BYTES, load_yaml

runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_hang() -> Iterator[None]:
    """A test that hangs (a FIFO read, an alias bomb) fails after 900 s instead of blocking CI."""

    def hang(*_: object) -> None:
        raise AssertionError("hung for 900 s")

    old = signal.signal(signal.SIGALRM, hang)
    signal.alarm(900)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "runs.duckdb"
    monkeypatch.setenv("GIGAFACTORY_STORE", str(path))
    return path


def cli(*args: str) -> tuple[int, str]:
    """Run the CLI in-process as ``main()`` would: (exit status, output or error message).

    A ``GigafactoryError`` is exit 2; any other exception is a traceback and fails the test.
    """
    res = runner.invoke(app, list(args))
    if isinstance(res.exception, GigafactoryError):
        return 2, str(res.exception)
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise AssertionError(f"traceback for {args}: {res.exception!r}\n{res.output}")
    return res.exit_code, res.output


def refused(text: str, catalog: Catalog, match: str) -> None:
    with pytest.raises(GigafactoryError, match=match):
        load_scenario_text(text, catalog)


# --- 1. outputs never destroy ------------------------------------------------------------


def test_out_into_a_folder_with_user_files_refuses_and_force_keeps_them(
    tmp_path: Path, store: Path
) -> None:
    out = tmp_path / "mydir"
    out.mkdir()
    (out / "thesis.txt").write_text("four years of work")
    code, msg = cli("run", "announced", "--draws", "20", "--no-finance", "--out", str(out))
    assert code == 2 and "thesis.txt" in msg and "--force" in msg
    assert sorted(p.name for p in out.iterdir()) == ["thesis.txt"]
    assert not store.exists()  # refused before running: nothing stored
    code, msg = cli("run", "announced", "--draws", "20", "--out", str(out), "--force")
    assert code == 0, msg
    assert (out / "thesis.txt").read_text() == "four years of work"
    assert (out / "summary.json").is_file() and (out / "finance.nc").is_file()
    # a folder of ours plus the user's file: only ours replaced; finance.nc not left stale
    code, msg = cli(
        "run", "announced", "--draws", "20", "--no-finance", "--out", str(out), "--force"
    )
    assert code == 0 and not (out / "finance.nc").exists()
    assert (out / "thesis.txt").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp left


def test_out_naming_a_file_is_refused_and_the_file_is_untouched(
    tmp_path: Path, store: Path
) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("mine")
    code, msg = cli("run", "announced", "--draws", "20", "--out", str(target), "--force")
    assert code == 2 and "not a folder" in msg
    assert target.read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # no .notes.txt.old


@pytest.mark.parametrize(
    ("target", "match"),
    [
        ("/dev/full", "not a regular file"),
        ("/dev/null", "not a regular file"),
        ("", "empty file name|is a folder"),  # typer turns an empty path into "."
        ("{tmp}", "is a folder"),
        ("{tmp}/afile/report.html", "is not a folder"),
    ],
)
def test_bad_report_targets_are_refused_before_anything_runs(
    tmp_path: Path, store: Path, target: str, match: str
) -> None:
    (tmp_path / "afile").write_text("x")
    before = os.stat("/dev/full")
    code, msg = cli("report", "announced", "--draws", "10", "-o", target.format(tmp=tmp_path))
    assert code == 2 and re.search(match, msg), msg
    assert not store.exists()  # nothing ran
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode) and os.stat("/dev/full") == before
    with pytest.raises(GigafactoryError, match=match):
        write_file(target.format(tmp=tmp_path), "<html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_write_file_is_atomic_and_leaves_no_temporary(tmp_path: Path) -> None:
    p = write_file(tmp_path / "sub" / "r.html", "one")
    write_file(p, "two")
    assert p.read_text() == "two"
    assert [x.name for x in p.parent.iterdir()] == ["r.html"]
    assert check_file_target(p, "-o") == p


def test_run_files_name_every_chart() -> None:
    from gigafactory.report.static import CHARTS

    assert {f"{c}.png" for c in CHARTS} <= RUN_FILES


def _stored_run(path: Path) -> RunStore:
    st = RunStore(path)
    phys = example_physical(draws=20, seed=1)
    st.save_run(example_summary(phys), scenario_yaml="name: a\n", physical=phys)
    return st


def test_a_truncated_store_refuses_to_take_a_run(tmp_path: Path) -> None:
    path = tmp_path / "runs.duckdb"
    _stored_run(path)
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.truncate(size // 2)
    phys = example_physical(draws=20, seed=2)
    with pytest.raises(GigafactoryError, match=r"cannot be read|not a gigafactory run store"):
        RunStore(path).save_run(example_summary(phys), scenario_yaml="name: b\n", physical=phys)


@pytest.mark.parametrize("garbage", [b"\x00" * 4096, b"DUCK" + b"\xff" * 8000, b"not a db\n"])
def test_corrupted_store_headers_are_one_message(tmp_path: Path, garbage: bytes) -> None:
    path = tmp_path / "runs.duckdb"
    _stored_run(path)
    with open(path, "r+b") as fh:
        fh.write(garbage)
    code, msg = cli("runs", "list", "--store", str(path))
    assert code == 2 and str(path) in msg


# --- 2. bounded inputs -------------------------------------------------------------------


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_devices_are_never_read(tmp_path: Path, catalog: Catalog, device: str) -> None:
    with pytest.raises(GigafactoryError, match="not a regular file"):
        load_scenario(device, catalog) if device != "/dev/null" else load_scenario(
            _write(tmp_path / "s.yaml", f"extends: {device}\n"), catalog
        )
    with pytest.raises(GigafactoryError, match="not a regular file"):
        load_scenario(_write(tmp_path / "e.yaml", f"extends: {device}\n"), catalog)


def test_a_named_pipe_is_refused_without_opening_it(tmp_path: Path, catalog: Catalog) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(GigafactoryError, match="named pipe"):
        load_scenario(_write(tmp_path / "s.yaml", "extends: ./pipe.yaml\n"), catalog)


def _write(path: Path, text: str | bytes) -> str:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return str(path)


def test_huge_and_sparse_files_are_refused_by_size(tmp_path: Path, catalog: Catalog) -> None:
    big = tmp_path / "big.yaml"
    with open(big, "wb") as fh:
        fh.truncate(300 * 2**20)  # 300 MB, sparse: refused from its size, never read
    with pytest.raises(GigafactoryError, match="at most"):
        load_scenario(str(big), catalog)
    with pytest.raises(GigafactoryError, match="larger than"):
        load_yaml("a" * (MAX_BYTES + 1), "<t>")


def test_alias_bomb_is_stopped(catalog: Catalog) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    refused("\n".join(lines) + "\n", catalog, "aliases are expanded")


def test_many_unknown_keys_are_refused_by_count(catalog: Catalog) -> None:
    text = "extends: industry\n" + "".join(f"k{i}: 1\n" for i in range(60_000))
    refused(text, catalog, "YAML nodes")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[" * 5000 + "]" * 5000 + "\n", "nest"),
        ("extends: industry\nx: !!python/object/apply:os.system [ls]\n", "tag"),
        ("extends: industry\nx: !custom 3\n", "tag"),
        ("base: &b {draws: 5}\n<<: *b\nextends: industry\n", "merge keys"),
        ('extends: industry\nname: "\\ud800"\n', "Unicode|surrogate"),
        ("", "empty"),
        ("# only a comment\n", "empty"),
        ("---\nextends: industry\n---\nextends: industry\n", "one scenario per file"),
    ],
)
def test_malformed_yaml_is_one_message(text: str, match: str, catalog: Catalog) -> None:
    refused(text, catalog, match)


def test_non_utf8_file_is_one_message(tmp_path: Path, catalog: Catalog) -> None:
    path = _write(tmp_path / "latin.yaml", b"extends: industry\nname: caf\xe9\n")
    with pytest.raises(GigafactoryError, match=r"latin.yaml:2: .*not UTF-8"):
        load_scenario(path, catalog)


def test_long_extends_chains_are_capped(tmp_path: Path, catalog: Catalog) -> None:
    (tmp_path / "f0.yaml").write_text("extends: industry\n")
    for i in range(1, 40):
        (tmp_path / f"f{i}.yaml").write_text(f"extends: ./f{i - 1}.yaml\n")
    with pytest.raises(GigafactoryError, match="extends chain of more than"):
        load_scenario(str(tmp_path / "f39.yaml"), catalog)
    load_scenario(str(tmp_path / "f10.yaml"), catalog)  # a reasonable chain still works


@pytest.mark.parametrize(
    ("tail", "match"),
    [
        ("draws: true\n", "draws"),
        ("seed: true\n", "seed"),
        ("draws: 10.0\n", "draws"),
        ("overrides:\n  params.pue: true\n", "params.pue"),
        ("scope: {kind: buyer, buyer: openai, allocation_scale: .inf}\n", "finite"),
        ("goal: {gw_per_week: .inf}\n", "finite"),
        ("finance: {revenue_vol_scale: .inf}\n", "finite"),
        ("finance: {revenue_scale: .inf}\n", "finite"),
        ("finance: {revenue_scale: .nan}\n", "finite"),
        ("finance: {buyer: nobody}\n", "unknown company 'nobody'"),
        ("finance: {legacy_provider: microsft}\n", "did you mean 'microsoft'"),
        ("plan: {target_start: garbage}\n", "plan.target_start"),
        ("plan: {budget_b_per_yr: {garbage: 3}}\n", "not a date"),
        ("plan: {draw: 1000000000}\n", "plan.draw"),
        ("seed: 9223372036854775808\n", "less than or equal"),
        ("horizon: {end: 9999-W52}\n", "2060-W52"),
        ("horizon: {start: 1900-W01, end: 1910-W01}\n", "2020-W01"),
        ("overrides:\n  params.chip_lead_weeks: 1.0e+9\n", "longer than the horizon"),
        ("overrides:\n  params.life_years: 1000\n", "longer than 50 years"),
    ],
)
def test_invalid_values_are_refused_by_validate(tail: str, match: str, catalog: Catalog) -> None:
    refused("name: t\nextends: industry\n" + tail, catalog, match)


def test_seed_and_draw_bounds_on_the_command_line(store: Path) -> None:
    code, _ = cli("run", "industry", "--seed", str(2**63), "--no-store")
    assert code == 2
    code, msg = cli("plan", "industry", "--draw", "-5", "--no-store")
    assert code == 2 and "plan.draw" in msg
    code, msg = cli("plan", "industry", "--draw", "1000000000", "--no-store")
    assert code == 2 and "plan.draw" in msg
    assert not store.exists()


# --- 3. the memory budget ----------------------------------------------------------------


def test_memory_estimate_grows_with_draws_weeks_and_outputs() -> None:
    a = estimate_bytes(1000, 574)
    assert estimate_bytes(2000, 574) > a and estimate_bytes(1000, 1000) > a
    assert estimate_bytes(1000, 574, outputs=True) > a > estimate_bytes(1000, 574, finance=False)


def test_over_budget_runs_are_refused_with_the_estimate_and_the_flag(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GIGAFACTORY_MAX_MEMORY", raising=False)
    # 100,000 draws stream in chunks (streamed.py); a budget under one batch is refused
    code, msg = cli("run", "industry", "--draws", "100000", "--out", "x", "--max-memory", "500M")
    assert code == 2 and "GiB" in msg and "--max-memory" in msg
    assert not store.exists() and not Path("x").exists()
    with pytest.raises(GigafactoryError, match="at most about"):
        check_budget(100_000, 574, max_memory="2G")
    assert check_budget(100, 574, max_memory="2G") < 2 * 2**30
    monkeypatch.setenv("GIGAFACTORY_MAX_MEMORY", "1M")
    with pytest.raises(GigafactoryError, match="GIGAFACTORY_MAX_MEMORY"):
        check_budget(10, 574)
    code, msg = cli("run", "industry", "--draws", "10", "--max-memory", "lots")
    assert code == 2 and "not a memory size" in msg


@pytest.mark.parametrize(
    ("text", "n"), [("8G", 8 * 2**30), ("512m", 512 * 2**20), ("1.5GiB", 3 * 2**29), ("100", 100)]
)
def test_memory_sizes_parse(text: str, n: int) -> None:
    assert parse_size(text) == n


# --- 5. no markup from users -------------------------------------------------------------


def test_markup_and_escape_codes_in_names_are_printed_as_text(tmp_path: Path, store: Path) -> None:
    path = _write(tmp_path / "m.yaml", 'extends: announced\nname: "[/bold] oops \\e[2J"\n')
    code, out = cli("validate", path)
    assert code == 0 and "[/bold] oops \\x1b[2J" in out and "\x1b" not in out
    code, out = cli("run", path, "--draws", "20", "--no-finance")
    assert code == 0 and "[/bold] oops" in out and "\x1b[2J" not in out
    code, out = cli("runs", "list")
    assert code == 0 and "[/bold] oops" in out


def test_visible_spells_out_control_characters() -> None:
    assert visible("a\x1b[31mb\x07\u202e") == "a\\x1b[31mb\\x07\\u202e"
    assert visible("two\nlines", newlines=True) == "two\nlines"
    assert plain("[bold]x") == "\\[bold]x"
    assert visible("\ud800") == "\\ud800"


# --- 4. Ctrl-C, as a real process -------------------------------------------------------


def _spawn(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(sys.path),
        "GIGAFACTORY_STORE": str(tmp_path / "s.duckdb"),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "gigafactory.cli", *args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _interrupt(child: subprocess.Popen[str]) -> tuple[int, str]:
    child.send_signal(signal.SIGINT)
    try:
        _, err = child.communicate(timeout=60)  # a hang guard, not a speed assertion
    except subprocess.TimeoutExpired:
        child.kill()
        raise AssertionError("Ctrl-C did not end the process") from None
    return child.returncode, err


def test_ctrl_c_while_starting_exits_130_without_a_traceback(tmp_path: Path) -> None:
    child = _spawn(tmp_path, "run", "announced", "--draws", "20")
    time.sleep(0.3)
    code, err = _interrupt(child)
    assert code == 130 and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_ctrl_c_while_writing_outputs_leaves_nothing_partial(tmp_path: Path) -> None:
    """SIGINT once the hidden output folder exists: exit 130, no folder, no temp, no stored run."""
    child = _spawn(tmp_path, "run", "announced", "--draws", "300", "--out", "o")
    deadline = time.monotonic() + 600
    while not any(p.name.startswith(".o.") for p in tmp_path.iterdir()):
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, "the run never started writing"
        time.sleep(0.05)
    code, err = _interrupt(child)
    assert code == 130 and "Traceback" not in err
    left = sorted(p.name for p in tmp_path.iterdir())
    assert "o" not in left and not [n for n in left if n.startswith(".o.")], left
    if (tmp_path / "s.duckdb").exists():
        assert RunStore(tmp_path / "s.duckdb").list_runs().empty
