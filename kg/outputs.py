"""The outputs folder as its readers see it: a build cut short between its two renames is mended first.

A build writes a staging folder and switches it in with two renames (outputs -> .outputs.old-X,
staging -> outputs). ``recover`` is called by every command that reads the outputs (query,
explain, serve, validate, diff, push) and by the next build: if a ``kill -9`` landed between
the two renames, the previous outputs are put back.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

MARKER = "build.json"


def lock_path(out: Path) -> Path:
    """The build lock of ``out``: a file holding the pid of the build writing it."""
    out = Path(out)
    return out.parent / f".{out.name}.lock"


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def build_holder(out: Path) -> int | None:
    """The pid of a live build holding the lock of ``out``, or None."""
    try:
        pid = int(lock_path(out).read_text().strip() or "0")
    except (OSError, ValueError):
        return None
    return pid if pid and alive(pid) else None


def recover(out: Path, wait_s: float = 3.0) -> None:
    """If a build died between its two renames, put the previous outputs back (a live build gets ``wait_s``)."""
    out = Path(out)
    if out.exists():
        return
    deadline = time.monotonic() + wait_s
    while build_holder(out) not in (None, os.getpid()) and time.monotonic() < deadline and not out.exists():
        time.sleep(0.05)   # a running build between its renames: it will put the new outputs in place
    if out.exists() or not out.parent.exists():
        return
    olds = sorted(out.parent.glob(f".{out.name}.old-*"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in olds:
        if (old / MARKER).exists():
            try:
                os.replace(old, out)
            except OSError:   # another reader mended it first
                pass
            return
