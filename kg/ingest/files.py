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


_UTF16 = (b"\xff\xfe", b"\xfe\xff")
MAX_SIDE_BYTES = 50_000_000    # a curator file (curation.yaml, mentions.ann) is a few hundred KB
MAX_YAML_DEPTH = 64


def read_side_text(path: Path, what: str, limit: int = MAX_SIDE_BYTES) -> str:
    """A curator file's text (UTF-8, BOM allowed), with errors naming the file, the line and the fix."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > limit:
            raise InputError(f"{path}: {size:,} bytes; a {what} is at most {limit:,}")
        data = path.read_bytes()
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory; give a {what}") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})") from None
    if data.startswith(_UTF16) or data[:2].count(b"\x00") == 1:
        raise InputError(f"{path}: looks like UTF-16; save the {what} as UTF-8, "
                         "e.g. `iconv -f utf-16 -t utf-8`")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InputError(f"{path}:{line}: not valid UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start}); "
                         f"save the {what} as UTF-8") from None


MAX_YAML_NODES = 1_000_000   # after aliases are expanded; a curation file of 10,000 facts is ~300,000


def _expanded_size(root, limit: int) -> int | None:
    """Nodes of the YAML node graph at ``root`` once aliases are copied out (capped at limit + 1); None if cyclic."""
    import yaml

    def children(node):
        if isinstance(node, yaml.SequenceNode):
            return node.value
        if isinstance(node, yaml.MappingNode):
            return [x for pair in node.value for x in pair]
        return []

    size: dict[int, int] = {}
    open_ = set()
    stack = [(root, False)]
    while stack:
        node, closing = stack.pop()
        if closing:
            open_.discard(id(node))
            size[id(node)] = min(limit + 1, 1 + sum(size[id(c)] for c in children(node)))
            continue
        if id(node) in size:
            continue
        if id(node) in open_:
            return None
        open_.add(id(node))
        stack.append((node, True))
        for c in children(node):
            if id(c) in open_:
                return None   # an alias inside its own anchor
            if id(c) not in size:
                stack.append((c, False))
    return size[id(root)]


def harden_yaml_loader(base):
    """A subclass of the YAML loader ``base`` that refuses alias bombs, recursive aliases and deep nesting."""
    import yaml

    class Loader(base):
        depth = 0

        def compose_node(self, parent, index):
            self.depth += 1
            try:
                if self.depth > MAX_YAML_DEPTH:
                    raise yaml.composer.ComposerError(None, None, f"nested more than {MAX_YAML_DEPTH} levels",
                                                      self.peek_event().start_mark)
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

        def compose_document(self):
            node = super().compose_document()
            n = _expanded_size(node, MAX_YAML_NODES) if node is not None else 0
            if n is None or n > MAX_YAML_NODES:
                what = "an alias inside its own anchor" if n is None else \
                    f"aliases (*name) that expand to over {MAX_YAML_NODES:,} values"
                raise yaml.composer.ComposerError(None, None, f"refused: {what}", node.start_mark)
            return node

    Loader.__name__ = Loader.__qualname__ = f"Hardened{base.__name__}"
    return Loader


def load_yaml(text: str):
    """Parse untrusted YAML: safe types only, no aliases, bounded nesting (yaml errors propagate)."""
    import yaml

    return yaml.load(text, Loader=harden_yaml_loader(yaml.SafeLoader))


def no_alias_dumper():
    """A SafeDumper that never writes aliases (so files kg writes load with the hardened loader)."""
    import yaml

    class Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data):
            return True

    return Dumper
