import gc
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def _collect_on_the_test_thread():
    """Cyclic garbage of a test (pytest.raises keeps frames) is collected on the main thread after it, not by a
    later test's worker thread: pyoxigraph's results may only be freed on the thread that made them."""
    yield
    gc.collect()


@pytest.fixture(scope="session")
def repo():
    return REPO


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """The shipped corpus built once into a temporary output folder."""
    from kg.build import build

    base = tmp_path_factory.mktemp("built")
    corpus = base / "corpus"
    shutil.copytree(REPO / "corpus", corpus)
    out = base / "out"
    build(corpus, out)
    return out


@pytest.fixture
def corpus_copy(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(REPO / "corpus", corpus)
    return corpus
