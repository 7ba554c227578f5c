"""The HTML views in real headless Chromium: offline, drawn, no console errors, escaped."""
import json
import os
import re
import shutil
import subprocess

import pytest

from kg.build import build

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0", "--virtual-time-budget=8000"]


@pytest.fixture(scope="module")
def chromium():
    if not CHROMIUM:
        if os.environ.get("CI"):
            pytest.fail("chromium must be installed in CI (apt-get install chromium)")
        pytest.skip("chromium not installed")
    return CHROMIUM


def run_chromium(chromium, url, tmp_path, *extra):
    res = subprocess.run([chromium, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *extra, url],
                         capture_output=True, text=True, timeout=120)
    console_errors = [l for l in res.stderr.splitlines()
                      if "CONSOLE" in l and re.search(r"error|uncaught", l, re.I)]
    return res, console_errors


def test_pages_are_self_contained(built):
    for page in (built / "html").glob("*.html"):
        text = page.read_text(encoding="utf-8")
        for tag in re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", text, re.I):
            assert not re.search(r"\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//", tag, re.I), (page.name, tag)
            for ref in re.findall(r"\b(?:src|href)\s*=\s*\"([^\"]+)\"", tag):
                assert (page.parent / ref).is_file(), (page.name, ref)  # local files that exist


def test_paper_view_draws_offline(built, chromium, tmp_path):
    page = built / "html" / "paper-pmid35896259.html"
    data = json.loads(re.search(r'<script id="data" type="application/json">(.*?)</script>',
                                page.read_text(encoding="utf-8"), re.S).group(1))
    res, errors = run_chromium(chromium, page.as_uri(), tmp_path, "--dump-dom")
    assert res.returncode == 0, res.stderr[-2000:]
    drawn = re.search(r'data-drawn-nodes="(\d+)"', res.stdout)
    assert drawn and int(drawn.group(1)) == len(data["nodes"]) > 10
    assert not errors, errors
    shot = tmp_path / "paper.png"
    res, _ = run_chromium(chromium, page.as_uri(), tmp_path, f"--screenshot={shot}", "--window-size=1280,800")
    assert shot.exists() and shot.stat().st_size > 10_000


def test_untrusted_text_cannot_run(chromium, tmp_path):
    payload = '<img src=x onerror="document.body.setAttribute(\'data-pwned\',\'1\')"><script>document.title="PWNED"</script>'
    corpus = tmp_path / "corpus" / "papers" / "evil"
    corpus.mkdir(parents=True)
    (corpus / "paper.txt").write_text(
        f"Case 1\nA 50-year-old man {payload} received IT methotrexate 12 mg {payload} on day 9 and improved.\n",
        encoding="utf-8")
    (corpus / "meta.json").write_text(json.dumps({"id": "evil", "title": payload}), encoding="utf-8")
    out = tmp_path / "out"
    build(tmp_path / "corpus", out)
    page = out / "html" / "paper-evil.html"
    text = page.read_text(encoding="utf-8")
    assert "<script>document.title" not in text and "<img src=x" not in text
    data = json.loads(re.search(r'<script id="data" type="application/json">(.*?)</script>', text, re.S).group(1))
    edge = next(e for e in data["edges"] if e.get("evidence") and "onerror" in e["evidence"]["sentence"])
    res, errors = run_chromium(chromium, page.as_uri() + f"#fact={edge['id']}", tmp_path, "--dump-dom")
    dom = res.stdout
    assert "data-drawn-nodes" in dom, "the page did not draw"
    body = re.search(r"<body[^>]*>", dom).group(0)
    assert "data-pwned" not in body and "<title>PWNED" not in dom
    assert "&lt;img src=x onerror=" in dom  # shown as text in the evidence panel
