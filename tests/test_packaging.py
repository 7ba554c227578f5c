"""A non-editable install carries the ontology, the competency questions and the templates, and finds them."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO


def files(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts}


def test_built_package_has_every_file_and_finds_its_ontology(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    for name in ("kg", "ontology"):
        shutil.copytree(REPO / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    lib = tmp_path / "lib"
    # build_py is the step that lays out the wheel's files (a wheel would need network or `wheel`)
    res = subprocess.run([sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(lib)], cwd=src,
                         capture_output=True, text=True)
    if "No module named 'setuptools'" in res.stderr:
        pytest.skip("setuptools is not installed")
    assert res.returncode == 0, res.stderr[-2000:]
    expected = {Path("kg") / p for p in files(REPO / "kg")} | \
               {Path("kg/ontology_files") / p for p in files(REPO / "ontology")}
    assert not expected - files(lib), f"left out of the package: {sorted(map(str, expected - files(lib)))}"

    env = {k: v for k, v in os.environ.items() if k != "KG_ONTOLOGY_DIR"} | {"PYTHONPATH": str(lib)}
    res = subprocess.run([sys.executable, "-c", "import kg; from importlib import resources; "
                          "from kg.ontology import ontology_dir; from kg.views.query import load_query; "
                          "load_query('patients'); assert (resources.files('kg.views') / 'templates' / "
                          "'graph.html').is_file(); print(kg.__file__); print(ontology_dir())"],
                         cwd=tmp_path, capture_output=True, text=True, env=env)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.splitlines() == [str(lib / "kg" / "__init__.py"), str(lib / "kg" / "ontology_files")]


def test_no_source_file_is_ignored_by_git():
    """An ignore rule once hid kg/build/ from commits; every file of the package must be committable."""
    if not shutil.which("git") or subprocess.run(["git", "-C", str(REPO), "rev-parse"], capture_output=True).returncode:
        pytest.skip("not a git checkout")
    paths = [str(p.relative_to(REPO)) for d in ("kg", "tests", "ontology") for p in sorted((REPO / d).rglob("*"))
             if p.is_file() and "__pycache__" not in p.parts and ".hypothesis" not in p.parts]
    res = subprocess.run(["git", "-C", str(REPO), "check-ignore", "--no-index", *paths], capture_output=True, text=True)
    assert res.stdout == "", res.stdout
