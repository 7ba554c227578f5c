"""The ontology's class tree as text, for ontology/README.md (`python -m kg.ontology_doc` rewrites it)."""
from __future__ import annotations

import re
import sys

from .ontology import Ontology, load_ontology, ontology_dir

BEGIN, END = "<!-- class-tree:begin -->", "<!-- class-tree:end -->"


def class_tree(onto: Ontology) -> str:
    children: dict[str, list[str]] = {}
    roots = []
    for t in onto.terms.values():
        if not t.parents:
            roots.append(t.id)
        for p in t.parents:
            children.setdefault(p, []).append(t.id)
    lines: list[str] = []

    def walk(tid: str, depth: int) -> None:
        t = onto.terms[tid]
        extra = f" ({', '.join(t.abbreviations[:3])})" if t.abbreviations else ""
        lines.append(f"{'  ' * depth}- {t.label}{extra} `icans:{tid}`")
        for c in sorted(children.get(tid, []), key=lambda x: onto.terms[x].label.lower()):
            walk(c, depth + 1)

    for r in sorted(roots, key=lambda x: onto.terms[x].label.lower()):
        walk(r, 0)
    return "\n".join(lines)


def readme_with_tree(readme: str, onto: Ontology) -> str:
    block = f"{BEGIN}\n{class_tree(onto)}\n{END}"
    return re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: block, readme, flags=re.S)


if __name__ == "__main__":
    path = ontology_dir() / "README.md"
    path.write_text(readme_with_tree(path.read_text(encoding="utf-8"), load_ontology()), encoding="utf-8")
    sys.stdout.write(f"rewrote the class tree in {path}\n")
