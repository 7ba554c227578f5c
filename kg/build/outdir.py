"""Crash-safe output directories: build elsewhere, switch in by rename, one build at a time."""
from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from ..errors import BuildError
from ..outputs import MARKER, alive, lock_path, recover

__all__ = ["MARKER", "build_lock", "recover", "remove_leftovers", "staging_dir", "switch_in"]


@contextmanager
def build_lock(out: Path):
    """Refuse a second concurrent build of the same outputs; detect stale locks."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    lock = lock_path(out)
    for _ in range(2):
        tmp = lock.with_name(f"{lock.name}.{os.getpid()}")
        tmp.write_text(str(os.getpid()))
        try:
            os.link(tmp, lock)   # created with its pid in one step: no reader ever sees an empty lock
            break
        except FileExistsError:
            try:
                pid = int(lock.read_text().strip() or "0")
            except (OSError, ValueError):
                pid = 0
            if pid and alive(pid) and pid != os.getpid():
                raise BuildError(f"{out}: another `kg build` (pid {pid}) is writing these outputs; "
                                 f"wait for it or remove {lock} if that process is gone") from None
            lock.unlink(missing_ok=True)   # stale: its process is gone
        finally:
            tmp.unlink(missing_ok=True)
    else:
        raise BuildError(f"{lock}: cannot take the build lock")
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


def remove_leftovers(out: Path) -> None:
    """Staging and old folders of builds that were killed (call with the build lock held)."""
    out = Path(out)
    if not out.parent.exists():
        return
    for p in list(out.parent.glob(f".{out.name}.tmp-*")) + \
            (list(out.parent.glob(f".{out.name}.old-*")) if out.exists() else []):
        shutil.rmtree(p, ignore_errors=True)


def staging_dir(out: Path) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))


def switch_in(staged: Path, out: Path) -> None:
    """Replace ``out`` by ``staged`` (two renames; ``recover`` mends a crash between them)."""
    out = Path(out)
    if out.exists() and any(out.iterdir()) and not (out / MARKER).exists():
        shutil.rmtree(staged, ignore_errors=True)
        raise BuildError(f"{out}: exists and was not written by `kg build`; choose another --out")
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        os.rmdir(old)
        os.replace(out, old)
    os.replace(staged, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
