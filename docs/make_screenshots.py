"""Make the README's screenshots: build the shipped corpus with the test papers, photograph the views in Chromium.

usage: python docs/make_screenshots.py   (writes docs/images/*.png; needs chromium)
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
IMAGES = REPO / "docs" / "images"
SHOTS = [   # (file, page and fragment, window size)
    ("forest.png", "forest.html#row-0", "1100,1750"),
    ("paper-graph.png", "paper-pmid35896259.html#fact=" + quote(
        "https://w3id.org/icans-kg/id/paper/pmid35896259/finding/case-2-t2", safe=""), "1400,1700"),
    ("astct.png", "paper-astct-grades.html", "1400,760"),
    ("corpus.png", "corpus.html", "1500,760"),
]


def main() -> None:
    sys.path.insert(0, str(REPO))
    from kg.build import build

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        raise SystemExit("chromium is needed: apt-get install chromium")
    tmp = Path(tempfile.mkdtemp(prefix="kg-shots-"))
    corpus = tmp / "corpus"
    shutil.copytree(REPO / "corpus", corpus)
    for d in sorted((REPO / "tests" / "data" / "synthesis").iterdir()):
        shutil.copytree(d, corpus / "papers" / d.name)
    for name in ("astct-grades.txt",) + tuple(p.name for p in sorted((REPO / "tests" / "data" / "papers").glob("*.txt"))):
        src = REPO / "tests" / "data" / name if name == "astct-grades.txt" else REPO / "tests" / "data" / "papers" / name
        (corpus / "papers" / src.stem).mkdir()
        shutil.copy(src, corpus / "papers" / src.stem / "paper.txt")
    build(corpus, tmp / "out")
    IMAGES.mkdir(parents=True, exist_ok=True)
    for name, page, size in SHOTS:
        url = (tmp / "out" / "html").as_uri() + "/" + page
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        f"--user-data-dir={tmp / 'profile'}", f"--window-size={size}", "--virtual-time-budget=8000",
                        f"--screenshot={IMAGES / name}", url], check=True, capture_output=True, timeout=120)
        print(IMAGES / name)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
