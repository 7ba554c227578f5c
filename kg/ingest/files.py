"""Reading one input file: its bytes, or its text as UTF-8, with errors that say what to do."""
from __future__ import annotations

from pathlib import Path

from ..errors import InputError


def read_input_bytes(path: Path) -> bytes:
    """The bytes of an input file, or an InputError saying what is wrong with it."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file; check the path")
    if path.is_dir():
        raise InputError(f"{path}: is a directory; give a file")
    data = path.read_bytes()
    if not data.strip():
        raise InputError(f"{path}: file is empty; nothing to add")
    return data


def read_text_file(path: Path) -> str:
    """Read a paper's text as UTF-8 without newline translation; clear errors otherwise."""
    data = read_input_bytes(path)
    if b"\x00" in data[:8192]:
        raise InputError(f"{path}: looks binary (NUL bytes); give a plain-text (UTF-8) file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InputError(
            f"{path}:{line}: not valid UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start}); "
            "convert it first, e.g. `iconv -f cp1252 -t utf-8`") from None
