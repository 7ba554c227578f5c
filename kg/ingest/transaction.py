"""Corpus writes as transactions: one writer at a time, a journal, and roll-forward after a kill.

``kg add`` stages every new paper folder under ``papers/.add-XXXX/``, then commits by
writing ``papers/.add-journal.json`` (an atomic rename) and swaps the folders in. A
``kill -9`` before the commit leaves only a staging folder (removed by the next writer or
reader); after it, the next command that opens the corpus finishes the swaps, so a set of
papers is added whole or not at all and a replaced paper never vanishes. Writers hold an
exclusive ``flock`` on ``papers/.lock`` (released by the kernel when a process dies), so two
``kg add`` never interleave.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from ..errors import CorpusError

LOCK = ".lock"
JOURNAL = ".add-journal.json"
STAGE_PREFIX = ".add-"
WAIT_S = 60.0


@contextmanager
def locked(root: Path, wait_s: float = WAIT_S):
    """Hold the corpus's write lock (``root`` is corpus/papers); waits up to ``wait_s`` for another writer.

    The lock file is removed on release; a waiter that then holds a removed file sees that
    its inode is no longer the path's and tries again.
    """
    root.mkdir(parents=True, exist_ok=True)
    path = root / LOCK
    deadline = time.monotonic() + wait_s
    while True:
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if time.monotonic() > deadline:
                raise CorpusError(f"{root}: another `kg add` has been writing this corpus for {wait_s:g} s; "
                                  "try again when it is done") from None
            time.sleep(0.05)
            continue
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        yield
    finally:
        path.unlink(missing_ok=True)
        os.close(fd)   # releases the lock


def writing_into(paper_folder: Path):
    """The lock to hold while writing a file into a paper's folder (so `kg add --replace` cannot drop it)."""
    return locked(Path(paper_folder).parent)


def _apply(root: Path, journal: dict) -> None:
    """Swap every staged folder in (idempotent: a kill at any point is finished by the next call)."""
    stage = root / journal["stage"]
    for pid in journal["ids"]:
        new, target, old = stage / pid, root / pid, stage / f"{pid}.old"
        if not new.exists():
            continue   # already swapped in
        if target.exists():
            os.replace(target, old)
        os.replace(new, target)


def recover(root: Path) -> None:
    """Finish a committed add cut short, and remove staging folders of adds that never committed.

    Call with the lock held.
    """
    journal_path = root / JOURNAL
    if journal_path.exists():
        try:
            journal = json.loads(journal_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            journal = None   # a journal is renamed into place whole; an unreadable one was never committed
        if journal:
            _apply(root, journal)
        journal_path.unlink(missing_ok=True)
    for p in root.iterdir():
        if p.name.startswith(STAGE_PREFIX) and p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        elif p.name.startswith(".") and p.name.endswith(".tmp"):
            p.unlink(missing_ok=True)


def ready(root: Path) -> None:
    """Mend the corpus before reading it (a no-op unless an add was cut short); skipped where it is read-only."""
    if not (root / JOURNAL).exists() and not any(p.name.startswith(STAGE_PREFIX) for p in _entries(root)):
        return
    try:
        with locked(root):
            recover(root)
    except OSError:
        pass


def _entries(root: Path):
    try:
        return list(root.iterdir())
    except OSError:
        return []


def stage(root: Path) -> Path:
    """A new staging folder (call with the lock held)."""
    return Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, dir=root))


def commit(root: Path, staged: Path, ids: list[str]) -> None:
    """Commit the staged folders ``ids`` and swap them in; call with the lock held."""
    tmp = root / f".{JOURNAL}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump({"stage": staged.name, "ids": ids}, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, root / JOURNAL)   # the commit point
    recover(root)
