"""The review page of one paper: its text with every fact highlighted, and controls that record decisions.

The page is one HTML file (templates/review.html); the paper's text and the entries reach it
only as JSON data read with ``textContent`` (the text is untrusted), its script runs under a
per-server nonce, and its requests carry the server's token.
"""
from __future__ import annotations

import html
import json
import re
from importlib import resources

from ..curation.curfile import CurationFile, strip_lines
from ..curation.fields import FIELDS
from ..ontology import Ontology


def field_specs(onto: Ontology) -> dict:
    """Per fact type, its fields as the page's editor shows them (name and the values to choose from)."""
    specs = {}
    for kind, (_, fs) in FIELDS.items():
        rows = []
        for f in fs:
            if f.kind == "code":
                choices = sorted(t.code for t in onto.terms.values() if t.category == f.category and t.code)
            elif f.kind == "bool":
                choices = ["yes", "no"]
            else:
                choices = list(f.choices)
            rows.append({"name": f.name, "choices": choices, "hint": f.hint})
        specs[kind] = rows
    return specs


def _json(data) -> str:
    # inside <script type="application/json">: no '<' may close the element
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_review(paper, cf: CurationFile, onto: Ontology, token: str, nonce: str, base: str,
                  curator: str | None) -> str:
    """The review page of ``paper`` showing curation file ``cf``."""
    data = {"paper": paper.id, "title": paper.meta.get("title") or "", "text": paper.text, "token": token,
            "base": base, "curator": curator, "fields": field_specs(onto),
            "subjects": strip_lines(cf.subjects), "facts": strip_lines(cf.facts), "add": strip_lines(cf.add)}
    page = (resources.files("kg.views") / "templates" / "review.html").read_text(encoding="utf-8")
    # one pass, so a value that happens to hold "{{...}}" is never substituted again
    values = {"nonce": nonce, "title": html.escape(paper.id), "data": _json(data)}
    return re.sub(r"\{\{(nonce|title|data)\}\}", lambda m: values[m.group(1)], page)


def render_index(ids: list[str], base: str) -> str:
    """The list of papers to review."""
    items = "".join(f'<li><a href="{html.escape(base)}/{html.escape(i)}">{html.escape(i)}</a></li>' for i in ids)
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Review</title>"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\"></head>"
            f"<body><h1>Papers to review</h1><ul>{items}</ul></body></html>")
