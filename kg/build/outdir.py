"""Crash-safe output directories: build elsewhere, switch in by rename, one build at a time."""
from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from ..errors import BuildError

MARKER = "build.json"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover(out: Path) -> None:
    """If a build died between its two renames, put the previous outputs back."""
    out = Path(out)
    if out.exists():
        return
    olds = sorted(out.parent.glob(f".{out.name}.old-*")) if out.parent.exists() else []
    for old in olds:
        if (old / MARKER).exists():
            os.replace(old, out)
            return


@contextmanager
def build_lock(out: Path):
    """Refuse a second concurrent build of the same outputs; detect stale locks."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    lock = out.parent / f".{out.name}.lock"
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            os.write(fd, str(os.getpid()).encode())
            os.close(fd)
            break
        except FileExistsError:
            try:
                pid = int(lock.read_text().strip() or "0")
            except (OSError, ValueError):
                pid = 0
            if pid and _alive(pid) and pid != os.getpid():
                raise BuildError(f"{out}: another `kg build` (pid {pid}) is writing these outputs; "
                                 f"wait for it or remove {lock} if that process is gone") from None
            lock.unlink(missing_ok=True)   # stale: its process is gone
    else:
        raise BuildError(f"{lock}: cannot take the build lock")
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


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
