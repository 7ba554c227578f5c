"""The package layout holds: no import cycles, no borrowed private names, documented modules, light commands."""
import ast
import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO

KG = REPO / "kg"
CORE = ("kg.annotate", "kg.facts", "kg.text", "kg.structure", "kg.textnorm")   # the annotation/extraction core
HEAVY = ("spacy", "pyvis", "networkx", "rdflib", "pyshacl")


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(KG.rglob("*.py"))}


def is_package(name: str) -> bool:
    return MODULES.get(name, Path()).name == "__init__.py"


def _is_type_checking(node) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _walk(body, top: bool, checking: bool = False):
    """(import node, at module level?, under TYPE_CHECKING?) for every import in ``body``."""
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, top, checking
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield from _walk(node.body, False, checking)
        else:
            for field in ("body", "orelse", "finalbody", "handlers"):
                inner = getattr(node, field, None)
                if isinstance(inner, list):
                    yield from _walk(inner, top, checking or (_is_type_checking(node) and field == "body"))


def imports(name: str, path: Path):
    """(target module, imported name or None, line, module level?, type checking only?) of each import."""
    package = name if is_package(name) else name.rsplit(".", 1)[0]
    for node, top, checking in _walk(ast.parse(path.read_text(encoding="utf-8")).body, True):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, None, node.lineno, top, checking
            continue
        base = node.module or ""
        if node.level:
            anchor = package.split(".")
            anchor = anchor[:len(anchor) - node.level + 1]
            base = ".".join(anchor + ([node.module] if node.module else []))
        for a in node.names:
            sub = f"{base}.{a.name}"
            if sub in MODULES:
                yield sub, None, node.lineno, top, checking   # `from pkg import module`
            else:
                yield base, a.name, node.lineno, top, checking


def _kg(target: str) -> bool:
    return target == "kg" or target.startswith("kg.")


def test_no_import_cycles():
    graph = {m: sorted({t for t, _, _, top, checking in imports(m, p) if top and not checking and _kg(t) and t != m})
             for m, p in MODULES.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for t in graph.get(m, []):
            if state.get(t) == 1:
                raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(t):] + [t]))
            if t not in state:
                visit(t)
        stack.pop()
        state[m] = 2

    for m in graph:
        if m not in state:
            visit(m)


def _package_of(module: str) -> str:
    return module if is_package(module) else module.rsplit(".", 1)[0]


def test_no_private_name_crosses_a_package():
    """A `_name` is shared inside its package only (kg modules and the tests)."""
    found = []
    sources = list(MODULES.items()) + [(f"tests.{p.stem}", p) for p in sorted((REPO / "tests").glob("test_*.py"))]
    for m, p in sources:
        for target, name, line, _, _ in imports(m, p):
            private = (name or target.rsplit(".", 1)[-1]).startswith("_") and not (name or target).endswith("__")
            if _kg(target) and private and _package_of(target) != _package_of(m):
                found.append(f"{p.relative_to(REPO)}:{line}: {target} {name or ''}")
    assert not found, found


def test_only_the_core_packages_reach_into_the_core():
    """Outside the annotation/extraction core, kg.annotate and kg.facts are used through their package API."""
    found = []
    for m, p in MODULES.items():
        if m.startswith(CORE):
            continue
        for target, _, line, _, _ in imports(m, p):
            if target.startswith(("kg.annotate.", "kg.facts.", "kg.text.")) or target in ("kg.structure", "kg.textnorm"):
                found.append(f"{p.relative_to(REPO)}:{line}: {target}")
    assert not found, found


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_module_has_a_one_line_summary(name):
    doc = ast.get_docstring(ast.parse(MODULES[name].read_text(encoding="utf-8")))
    assert doc and doc.strip(), f"{name}: no module docstring"
    lines = doc.splitlines()
    assert lines[0].strip() and (len(lines) == 1 or not lines[1].strip()), f"{name}: the summary is not one line"


def _imported(args: list[str], cwd: Path) -> set[str]:
    res = subprocess.run([sys.executable, "-X", "importtime", *args], cwd=cwd, capture_output=True, text=True,
                         env=dict(os.environ, KG_ONTOLOGY_DIR=str(REPO / "ontology")))
    assert res.returncode == 0, res.stderr[-2000:]
    return {line.split("|")[-1].strip() for line in res.stderr.splitlines() if line.startswith("import time:")}


def test_import_kg_and_query_stay_light(built, tmp_path):
    assert not set(HEAVY) & _imported(["-c", "import kg; kg.__all__; kg.build; kg.KgError"], tmp_path)
    assert not set(HEAVY) & _imported(["-m", "kg", "--help"], tmp_path)
    loaded = _imported(["-m", "kg", "query", "patients", "--out", str(built)], tmp_path)
    assert "pyoxigraph" in loaded and not set(HEAVY) & loaded, set(HEAVY) & loaded


def test_kg_add_of_plain_text_does_not_load_spacy(tmp_path):
    paper = tmp_path / "case.txt"
    paper.write_text("A 60-year-old man received intrathecal methotrexate on day 9.\n", encoding="utf-8")
    loaded = _imported(["-m", "kg", "add", str(paper), "--corpus", str(tmp_path / "corpus")], tmp_path)
    assert not (set(HEAVY) | {"pyoxigraph"}) & loaded


def test_public_api_resolves_lazily_to_the_defining_modules():
    import kg

    assert callable(kg.build) and kg.build.__module__ == "kg.build"
    importlib.import_module("kg.build.run")    # importing the subpackage's modules keeps kg.build the function
    assert callable(kg.build)
    for name in kg.__all__:
        assert getattr(kg, name) is not None
    assert set(kg.__all__) <= set(dir(kg))
    with pytest.raises(AttributeError):
        kg.no_such_name


@pytest.mark.parametrize("name", sorted(p.stem for p in (REPO / "tests" / "benchmarks").glob("*.py")))
def test_benchmarks_import(name):
    """The benchmarks are not run by CI; at least their imports must follow the code."""
    importlib.import_module(f"tests.benchmarks.{name}")


def test_readme_tree_is_the_package_tree():
    """README's "How it works" tree lists every package and every module outside the core, and nothing else."""
    text = (REPO / "README.md").read_text(encoding="utf-8").split("## How it works", 1)[1]
    block = re.search(r"```\nkg/\n(.*?)```", text, re.S).group(1)
    listed, stack = set(), []
    for line in block.splitlines():
        m = re.match(r"((?:│   |    )*)[├└]── (\S+(?: \+ \S+)*)", line)
        assert m, line
        stack = stack[:len(m.group(1)) // 4]
        names = m.group(2).split(" + ")
        listed |= {"/".join(stack + [n.rstrip("/")]) for n in names}
        if names[0].endswith("/"):
            stack.append(names[0].rstrip("/"))
    assert not {p for p in listed if not (KG / p).exists()}, "README lists what does not exist"
    wanted = set()   # the core packages' own layout is theirs to list: only their package line is required
    for m, p in MODULES.items():
        rel = p.relative_to(KG)
        if m in CORE or (is_package(m) and m != "kg" and not m.startswith(CORE)):
            wanted.add(str(rel.parent) if is_package(m) else str(rel))
        elif p.name not in ("__init__.py", "__main__.py") and not m.startswith(CORE):
            wanted.add(str(rel))
    assert not wanted - listed, f"missing from README's tree: {sorted(wanted - listed)}"

