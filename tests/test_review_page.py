"""The review page behind `kg serve`: clicks in headless Chromium write curation.yaml; writes are guarded."""
import json
import os
import shutil
import urllib.error
import urllib.request

import pytest
import yaml
from click.testing import CliRunner

from kg.cli import cli
from kg.curation.curator import Curator
from kg.views.query import load_query, run_query
from kg.views.results import format_result
from kg.views.review_app import ReviewApp
from kg.views.serve import SparqlServer

PID = "pmid35896259"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")


def kg(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def admins(out):
    import csv
    import io
    text = format_result(run_query(out, load_query("administrations")), "csv")
    return {tuple(r[2:8]) for r in list(csv.reader(io.StringIO(text)))[1:]}


def http(url, data=None, headers=None):
    req = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


@pytest.fixture
def served(corpus_copy, tmp_path):
    out = tmp_path / "out0"
    assert kg("build", "--corpus", corpus_copy, "--out", out).exit_code == 0
    app = ReviewApp(corpus_copy, Curator("Jane Doe", "0000-0002-1825-0097"))
    with SparqlServer(out, port=0, apps=(app,)) as server:
        yield corpus_copy, out, app, f"http://127.0.0.1:{server.port}/review"


@pytest.fixture
def browser(tmp_path):
    if not (CHROMIUM and DRIVER):
        if os.environ.get("CI"):
            pytest.fail("chromium and chromedriver must be installed in CI (apt-get install chromium chromium-driver)")
        pytest.skip("chromium or chromedriver not installed")
    pytest.importorskip("selenium", reason="pip install '.[test]' brings selenium")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000",
              f"--user-data-dir={tmp_path / 'profile'}"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=opts)
    try:
        yield driver
    finally:
        driver.quit()


def open_page(driver, url):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    driver.get(url)
    WebDriverWait(driver, 60).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1")


def wait_saved(driver, n):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(driver, 60).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-saved") == str(n))


def console_errors(driver):
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def test_click_reject_in_chromium_then_rebuild(served, browser, tmp_path):
    from selenium.webdriver.common.by import By
    corpus, out0, _, base = served
    assert ("Case 1", "tocilizumab", "", "", "", "7") in admins(out0)
    open_page(browser, f"{base}/{PID}")
    facts = json.loads(browser.find_element(By.ID, "data").get_attribute("textContent"))["facts"]
    target = next(e for e in facts if e["type"] == "administration" and e["agent"] == "tocilizumab"
                  and e["subject"] == "Case 1" and e["day"] == 7)
    # the fact is highlighted in the text; clicking it brings its card forward
    mark = next(m for m in browser.find_elements(By.CSS_SELECTOR, "#text mark")
                if target["id"] in m.get_attribute("data-ids").split())
    assert mark.text == target["evidence"]["quote"]
    browser.execute_script("arguments[0].scrollIntoView()", mark)
    mark.click()
    card = browser.find_element(By.CSS_SELECTOR, ".card.active")
    assert card.get_attribute("data-id") == target["id"]
    card.find_element(By.CSS_SELECTOR, "button.reject").click()
    wait_saved(browser, 1)
    assert "reject" in browser.find_element(By.CSS_SELECTOR, f'.card[data-id="{target["id"]}"]').get_attribute("class").split()
    mark = next(m for m in browser.find_elements(By.CSS_SELECTOR, "#text mark")
                if m.get_attribute("data-ids").split() == [target["id"]])
    assert "rejected" in mark.get_attribute("class").split()   # struck through in the text too
    assert not console_errors(browser)
    doc = yaml.safe_load((corpus / "papers" / PID / "curation.yaml").read_text(encoding="utf-8"))
    saved = next(e for e in doc["facts"] if e["id"] == target["id"])
    assert saved["status"] == "reject" and saved["by"] == "Jane Doe"
    assert doc["curators"] == [{"name": "Jane Doe", "orcid": "0000-0002-1825-0097"}]
    out = tmp_path / "out1"
    r = kg("build", "--corpus", corpus, "--out", out)
    assert r.exit_code == 0 and "warning" not in r.output, r.output
    assert admins(out0) - admins(out) == {("Case 1", "tocilizumab", "", "", "", "7")}
    assert admins(out) < admins(out0)


def test_edit_and_add_in_chromium_then_rebuild(served, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    corpus, _, _, base = served
    open_page(browser, f"{base}/{PID}")
    facts = json.loads(browser.find_element(By.ID, "data").get_attribute("textContent"))["facts"]
    target = next(e for e in facts if e["type"] == "administration" and e["agent"] == "methylprednisolone"
                  and e["subject"] == "Case 2")
    card = browser.find_element(By.CSS_SELECTOR, f'.card[data-id="{target["id"]}"]')
    browser.execute_script("arguments[0].scrollIntoView()", card)
    card.find_element(By.CSS_SELECTOR, "button.edit").click()
    form = card.find_element(By.CSS_SELECTOR, "form.editor")
    for name, value in (("dose_value", "1"), ("frequency", "daily"), ("duration", "3 days")):
        box = form.find_element(By.NAME, name)
        box.clear()
        box.send_keys(value)
    Select(form.find_element(By.NAME, "dose_unit")).select_by_value("g")
    form.find_element(By.CSS_SELECTOR, "button.save").click()
    wait_saved(browser, 1)
    # add a fact on words the curator selects in the text
    text = json.loads(browser.find_element(By.ID, "data").get_attribute("textContent"))["text"]
    start = text.index("antipyretics")
    browser.execute_script("""
        const [a, b] = [arguments[0], arguments[1]];
        const spans = [...document.querySelectorAll('#text [data-start]')];
        const find = (pos) => { const s = spans.filter(x => Number(x.dataset.start) <= pos).pop();
                                return [s.firstChild, pos - Number(s.dataset.start)]; };
        const r = document.createRange(); r.setStart(...find(a)); r.setEnd(...find(b));
        const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(r);
        document.dispatchEvent(new Event('selectionchange'));""", start, start + len("antipyretics"))
    button = browser.find_element(By.ID, "add-fact")
    browser.execute_script("arguments[0].scrollIntoView()", button)
    button.click()
    adder = browser.find_element(By.ID, "adder")
    assert "antipyretics" in adder.text
    Select(adder.find_element(By.ID, "add-type")).select_by_value("administration")
    form = adder.find_element(By.CSS_SELECTOR, "form.editor")
    Select(form.find_element(By.NAME, "subject")).select_by_value("Case 1")
    form.find_element(By.NAME, "agent").send_keys("paracetamol")
    form.find_element(By.NAME, "day").send_keys("5")
    form.find_element(By.CSS_SELECTOR, "button.save").click()
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#added .card"))
    assert not console_errors(browser)
    out = tmp_path / "out1"
    r = kg("build", "--corpus", corpus, "--out", out)
    assert r.exit_code == 0 and "warning" not in r.output, r.output
    got = admins(out)
    assert ("Case 2", "methylprednisolone", "1", "g", "", "9") in got and ("Case 1", "paracetamol", "", "", "", "5") in got
    rows = run_query(out, """PREFIX icans: <https://w3id.org/icans-kg/ontology#>
        SELECT ?f ?d WHERE { ?a icans:curated true ; icans:doseFrequency ?f ; icans:doseDuration ?d }""").rows
    assert [tuple(r) for r in rows] == [("daily", "3 days")]


def test_a_bad_value_is_refused_and_the_file_kept(served):
    corpus, _, app, base = served
    status, _, page = http(f"{base}/{PID}")
    assert status == 200
    doc = json.loads(page.decode().split('<script id="data" type="application/json">')[1].split("</script>")[0])
    fid = doc["facts"][0]["id"]
    headers = {"Content-Type": "application/json", "X-Review-Token": app.token}
    body = json.dumps({"id": fid, "status": "edit", "values": {"day": "nine"}}).encode()
    status, _, reply = http(f"{base}/{PID}/decision", body, headers)
    assert status == 400 and "day 'nine' is not a number" in json.loads(reply)["error"]
    assert not (corpus / "papers" / PID / "curation.yaml").exists()   # nothing written
    body = json.dumps({"id": fid, "status": "edit", "values": {"treated": 1, "responders": 2}}).encode()
    status, _, reply = http(f"{base}/{PID}/decision", body, headers)
    assert status == 400 and "has no field 'treated'" in json.loads(reply)["error"]


@pytest.mark.parametrize("change, code, message", [
    (lambda h: h.pop("X-Review-Token"), 403, "review token"),
    (lambda h: h.update({"X-Review-Token": "guess"}), 403, "review token"),
    (lambda h: h.update({"Content-Type": "text/plain"}), 415, "application/json"),
    (lambda h: h.update({"Origin": "http://evil.example"}), 403, "own review page"),
])
def test_writes_are_guarded(served, change, code, message):
    corpus, _, app, base = served
    headers = {"Content-Type": "application/json", "X-Review-Token": app.token}
    change(headers)
    body = json.dumps({"id": "x", "status": "reject", "values": {}}).encode()
    status, reply_headers, reply = http(f"{base}/{PID}/decision", body, headers)
    assert status == code and message in json.loads(reply)["error"]
    assert "Access-Control-Allow-Origin" not in reply_headers
    assert not (corpus / "papers" / PID / "curation.yaml").exists()


def test_read_only_without_a_curator(corpus_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("KG_CONFIG", str(tmp_path / "none.toml"))
    out = tmp_path / "out"
    assert kg("build", "--corpus", corpus_copy, "--out", out).exit_code == 0
    app = ReviewApp(corpus_copy, None)
    with SparqlServer(out, port=0, apps=(app,)) as server:
        base = f"http://127.0.0.1:{server.port}/review"
        status, headers, page = http(f"{base}/")
        assert status == 200 and f'href="/review/{PID}"' in page.decode()
        status, headers, page = http(f"{base}/{PID}")
        assert status == 200 and "Access-Control-Allow-Origin" not in headers
        assert "script-src 'nonce-" in page.decode()
        status, _, reply = http(f"{base}/{PID}/decision", b"{}", {"Content-Type": "application/json",
                                                                 "X-Review-Token": app.token})
        assert status == 403 and "read-only" in json.loads(reply)["error"]
        assert http(f"{base}/nope")[0] == 404


def test_untrusted_text_stays_text_on_the_review_page(tmp_path, browser):
    from selenium.webdriver.common.by import By
    payload = '<img src=x onerror="document.body.setAttribute(\'data-pwned\',\'1\')"></script><script>document.title="PWNED"</script>'
    corpus = tmp_path / "corpus" / "papers" / "evil"
    corpus.mkdir(parents=True)
    (corpus / "paper.txt").write_text(
        f"Case 1\nA 50-year-old man {payload} received IT methotrexate 12 mg on day 9 and improved.\n", encoding="utf-8")
    out = tmp_path / "out"
    assert kg("build", "--corpus", tmp_path / "corpus", "--out", out).exit_code == 0
    with SparqlServer(out, port=0, apps=(ReviewApp(tmp_path / "corpus", Curator("Jane Doe")),)) as server:
        status, _, page = http(f"http://127.0.0.1:{server.port}/review/evil")
        assert status == 200 and "<img src=x" not in page.decode() and "</script><script>document" not in page.decode()
        open_page(browser, f"http://127.0.0.1:{server.port}/review/evil")
        assert browser.find_element(By.TAG_NAME, "body").get_attribute("data-pwned") is None
        assert browser.title != "PWNED"
        assert "<img src=x onerror=" in browser.find_element(By.ID, "text").text


def test_merge_and_move_through_the_page_api(tmp_path):
    from .conftest import DATA
    corpus = tmp_path / "corpus"
    assert kg("add", DATA / "papers" / "two-patients-lettered.txt", "--id", "ab", "--corpus", corpus).exit_code == 0
    out0 = tmp_path / "out0"
    assert kg("build", "--corpus", corpus, "--out", out0).exit_code == 0
    app = ReviewApp(corpus, Curator("Jane Doe"))
    with SparqlServer(out0, port=0, apps=(app,)) as server:
        base = f"http://127.0.0.1:{server.port}/review/ab"
        page = http(base)[2].decode()
        data = json.loads(page.split('<script id="data" type="application/json">')[1].split("</script>")[0])
        headers = {"Content-Type": "application/json", "X-Review-Token": app.token}
        b = next(s for s in data["subjects"] if s["name"] == "Patient B")
        status, _, reply = http(f"{base}/decision", json.dumps(
            {"id": b["id"], "status": "merge", "values": {}, "into": "Patient A"}).encode(), headers)
        assert status == 200 and json.loads(reply)["into"] == "Patient A"
        a_fact = next(e for e in data["facts"] if e["subject"] == "Patient A" and e["type"] == "grade")
        status, _, reply = http(f"{base}/decision", json.dumps(
            {"id": a_fact["id"], "status": "edit", "values": {"subject": "Patient Z"}}).encode(), headers)
        assert status == 400 and "'Patient Z' is not a subject of this paper" in json.loads(reply)["error"]
    out = tmp_path / "out"
    r = kg("build", "--corpus", corpus, "--out", out)
    assert r.exit_code == 0 and "warning" not in r.output, r.output
    rows = run_query(out, load_query("patients")).rows
    assert [r[1] for r in rows] == ["Case 1"]
