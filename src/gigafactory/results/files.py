"""Writing output files without ever destroying a user's file.

Rules (every writer of gigafactory goes through these):

* a single output file (``report -o``, ``plan.json``, a PNG) is written to a temporary file in
  the same folder and renamed over the target, so it appears all at once or not at all; the
  target must be a regular file or not exist: devices (``/dev/full``), folders and empty names
  are refused before anything runs;
* a run's output folder (``run --out``) is filled in a hidden temporary folder beside it and
  published when complete.  An existing folder is replaced into only when every entry in it is
  a file gigafactory writes (a previous output); any other content is refused unless
  ``--force``, and even then only gigafactory's own files are replaced — nothing else is ever
  renamed or deleted;
* every temporary path is registered while it exists, so an interrupt removes it
  (:func:`remove_temporaries`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from ..errors import GigafactoryError, Problem

#: the files ``run --out`` writes (charts: ``report.static.CHARTS``, checked by a test)
RUN_FILES = frozenset(
    {"summary.json", "results.nc", "finance.nc", "scenario.yaml", "report.html"}
    | {f"{c}.png" for c in ("gw_online", "gw_added", "binding", "inventories", "sites", "finance")}
    | {"bottlenecks.png"}
)
#: every file name gigafactory writes into an output folder (``plan`` writes plan.json)
OUR_FILES = RUN_FILES | {"plan.json"}

_temporaries: set[Path] = set()
_temp_lock = threading.Lock()


def _problem(flag: str, path: Path | str, message: str) -> GigafactoryError:
    return GigafactoryError([Problem("<command line>", None, flag, f"'{path}': {message}")])


@contextlib.contextmanager
def temporary(path: Path) -> Iterator[Path]:
    """Register ``path`` as temporary while the block runs; remove it if the block fails."""
    with _temp_lock:
        _temporaries.add(path)
    try:
        yield path
    except BaseException:
        _remove(path)
        raise
    finally:
        with _temp_lock:
            _temporaries.discard(path)


def remove_temporaries() -> None:
    """Remove every registered temporary path (called when interrupted)."""
    with _temp_lock:
        paths = list(_temporaries)
    for p in paths:
        _remove(p)


def _remove(p: Path) -> None:
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            p.unlink()


def check_file_target(path: Path | str, flag: str) -> Path:
    """Refuse an output file target that is empty, a folder, a device or under a non-folder.

    Returns the path; raises :class:`GigafactoryError` (nothing written) otherwise.
    """
    if str(path).strip() == "":
        raise _problem(flag, path, "an empty file name; give a file such as report.html")
    p = Path(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        st = None
    except NotADirectoryError:
        raise _problem(flag, p, "a part of its folder path is not a folder") from None
    except (OSError, ValueError) as exc:
        raise _problem(
            flag, p, f"cannot use it ({getattr(exc, 'strerror', None) or exc})"
        ) from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise _problem(flag, p, "is a folder; give a file name inside it")
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise _problem(flag, p, "is not a regular file (a device or pipe); give a file name")
    _check_parent(p.parent, flag)
    return p


def _check_parent(parent: Path, flag: str) -> None:
    """The nearest existing ancestor must be a writable folder."""
    for anc in (parent, *parent.parents):
        if anc.exists():
            if not anc.is_dir():
                raise _problem(flag, anc, "is not a folder")
            if not os.access(anc, os.W_OK | os.X_OK):
                raise _problem(flag, anc, "is not writable")
            return


def write_file(path: Path | str, data: str | bytes, flag: str = "-o") -> Path:
    """Write ``data`` to ``path`` atomically (temporary file in the same folder, then rename)."""
    p = check_file_target(path, flag)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    except OSError as exc:
        raise _problem(flag, p, f"cannot write here ({exc.strerror or exc})") from None
    with temporary(Path(name)) as tmp:
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(raw)
            os.chmod(tmp, 0o644)
            os.replace(tmp, p)
        except OSError as exc:
            raise _problem(flag, p, f"cannot write ({exc.strerror or exc})") from None
    return p


def check_out_dir(out: Path, force: bool, flag: str = "--out") -> None:
    """Refuse an output folder that would cost the user a file (see the module docstring)."""
    if str(out).strip() == "":
        raise _problem(flag, out, "an empty folder name")
    try:
        st = os.stat(out)
    except FileNotFoundError:
        _check_parent(out.parent, flag)
        return
    except (OSError, ValueError) as exc:
        raise _problem(
            flag, out, f"cannot use it ({getattr(exc, 'strerror', None) or exc})"
        ) from None
    if not stat.S_ISDIR(st.st_mode):
        raise _problem(flag, out, "exists and is not a folder; give a new or empty folder")
    if not os.access(out, os.W_OK | os.X_OK):
        raise _problem(flag, out, "is not writable")
    foreign = sorted(e.name for e in out.iterdir() if e.name not in OUR_FILES)
    if foreign and not force:
        shown = ", ".join(foreign[:5]) + (
            f", … ({len(foreign)} in all)" if len(foreign) > 5 else ""
        )
        raise _problem(
            flag,
            out,
            f"holds files gigafactory did not write ({shown}); choose a new folder, or pass "
            "--force to replace only gigafactory's own files in it (yours are kept)",
        )


def staging_dir(out: Path) -> Path:
    """A new hidden temporary folder beside ``out`` (same file system, so renames are atomic)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))


def publish_dir(staged: Path, out: Path) -> None:
    """Move the staged files into ``out``: one rename for a new folder, else file by file.

    In an existing folder only gigafactory's files are replaced; a file of ours left from an
    earlier run that this run did not write (``finance.nc`` after ``--no-finance``) is removed,
    so the folder never mixes two runs.  Nothing else in the folder is touched.
    """
    if not out.exists():
        staged.rename(out)
        return
    written = {p.name for p in staged.iterdir()}
    for name in sorted(written):
        os.replace(staged / name, out / name)
    for name in RUN_FILES - written:
        stale = out / name
        if stale.is_file() and not stale.is_symlink():
            stale.unlink()
    staged.rmdir()
