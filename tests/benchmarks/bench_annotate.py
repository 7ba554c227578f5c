"""Annotation throughput next to spaCy's bare tokenizer, same texts, same run.

usage: python -m tests.benchmarks.bench_annotate [--words 1000000]
"""
from __future__ import annotations

import argparse
import platform
import time

import spacy

from kg.annotate import annotate_text, get_nlp

from .synth import corpus


def measure(n_words: int) -> dict:
    """Seconds spent by spaCy's bare tokenizer and by kg's annotation on the same ~n_words of text."""
    texts, words = [], 0
    for _, text in corpus(100_000, seed=1):
        texts.append(text)
        words += len(text.split())
        if words >= n_words:
            break
    get_nlp()  # build the pipeline before timing
    tok = spacy.blank("en")
    # interleaved, paper by paper, so both see the same machine load and warm caches
    t_tok = t_ann = 0.0
    n_mentions = 0
    for t in texts:
        t0 = time.perf_counter()
        tok.make_doc(t)
        t1 = time.perf_counter()
        n_mentions += len(annotate_text(t).mentions)
        t2 = time.perf_counter()
        t_tok += t1 - t0
        t_ann += t2 - t1
    return {"words": words, "papers": len(texts), "tokenizer_s": t_tok, "annotate_s": t_ann, "mentions": n_mentions}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--words", type=int, default=1_000_000)
    r = measure(ap.parse_args().words)
    words, t_tok, t_ann = r["words"], r["tokenizer_s"], r["annotate_s"]
    print(f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}, spaCy {spacy.__version__}")
    print(f"{'what':28} {'words':>10} {'seconds':>8} {'words/s':>10}")
    print(f"{'spaCy tokenizer (blank en)':28} {words:>10} {t_tok:>8.2f} {words / t_tok:>10.0f}")
    print(f"{'kg annotate (full pipeline)':28} {words:>10} {t_ann:>8.2f} {words / t_ann:>10.0f}")
    print(f"annotation speed = {100 * t_tok / t_ann:.0f}% of the tokenizer; {r['mentions']} mentions in {r['papers']} papers")


if __name__ == "__main__":
    main()
