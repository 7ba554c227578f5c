"""The `kg` command line: parse arguments, call one library function, print.

Commands import what they need when they run, so `kg query` never loads spaCy or the
HTML stack; shared options come from kg.settings.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .errors import KgError
from .ingest.fetch import BIOC, EUTILS
from .ingest.readers import READERS
from .settings import option
from .views.mentions import MENTION_FORMATS
from .views.results import FORMATS


def _fail(e: KgError):
    raise click.ClickException(str(e))


@click.group()
@click.version_option(package_name="icans-kg")
def cli():
    """icans-kg: a literature knowledge graph of ICANS treatments."""


@cli.command()
@click.argument("path", type=click.Path(path_type=Path), required=False)
@click.option("--id", "paper_id", metavar="ID", help="Paper id (default: from PMID, DOI or the file name).")
@option("corpus")
@click.option("--format", "fmt", type=click.Choice(list(READERS)), default=None,
              help="Input format (default: detected from the content).")
@click.option("--title", default="", help="Title metadata.")
@click.option("--year", type=int, default=None, help="Publication year.")
@click.option("--doi", default="", help="DOI metadata.")
@click.option("--pmid", default="", help="PMID: without PATH, fetch the paper from PubMed/PMC; with PATH, metadata.")
@click.option("--pmcid", default="", help="PMCID: without PATH, fetch the open-access full text from PMC.")
@click.option("--eutils-url", default=EUTILS, show_default=True, envvar="KG_EUTILS_URL", metavar="URL",
              help="E-utilities base URL for --pmid/--pmcid (env KG_EUTILS_URL).")
@click.option("--bioc-url", default=BIOC, show_default=True, envvar="KG_BIOC_URL", metavar="URL",
              help="BioC API base URL (PMC open access) for --pmid/--pmcid (env KG_BIOC_URL).")
@click.option("--replace", is_flag=True, help="Overwrite papers with the same id.")
def add(path, paper_id, corpus, fmt, title, year, doi, pmid, pmcid, eutils_url, bioc_url, replace):
    """Add a paper (plain text, PubMed XML, JATS/PMC XML, BioC XML/JSON), or fetch one by PMID/PMCID.

    Example: kg add case-report.txt --id smith-2024 --pmid 12345678   or   kg add --pmid 35896259
    """
    from .ingest.corpus import add_paper
    from .ingest.fetch import Sources, add_fetched
    meta = {"title": title, "year": year, "doi": doi}
    note = ""
    try:
        if path is None:
            papers, note = add_fetched(corpus, pmid, pmcid, paper_id, meta, replace, Sources(eutils_url, bioc_url))
        else:
            papers = add_paper(corpus, path, paper_id, meta | {"pmid": pmid, "pmcid": pmcid}, replace, fmt)
    except KgError as e:
        _fail(e)
    for paper in papers:
        kept = ""
        if paper.kept:
            kept = f"; kept its {', '.join(paper.kept)}"
            if paper.text_changed:
                kept += " (the text changed: `kg build` warns about entries that no longer match)"
        verb = "replaced {} ({} characters{}) in {}" if paper.replaced else "added {} ({} characters{}) to {}"
        click.echo(verb.format(paper.id, len(paper.text), ", " + note if note else "", corpus) + kept)


@cli.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(list(MENTION_FORMATS)), default="json", show_default=True)
@click.option("--labels", default="", help="Only these labels, comma-separated (e.g. DRUG,DOSE).")
def annotate(path, fmt, labels):
    """Print the mentions found in a paper (see the mention contract).

    Example: kg annotate corpus/papers/pmid35896259/paper.txt --format table
    """
    from .views.mentions import annotate_file, format_mentions
    try:
        ann = annotate_file(path)
    except KgError as e:
        _fail(e)
    click.echo(format_mentions(ann, fmt, labels), nl=False)


@cli.command()
@option("corpus")
@option("out")
@option("jobs")
@click.option("--full", is_flag=True, help="Re-annotate every paper instead of reusing unchanged ones.")
@option("curator")
@option("orcid")
def build(corpus, out, jobs, full, curator, orcid):
    """Annotate every paper, extract facts, write RDF, the store and the HTML graph.

    Example: kg build --corpus corpus --out outputs
    """
    from .build import build as run_build
    from .curation.curator import resolve_curator
    progress = (lambda msg: click.echo(f"\r{msg[:70]:<70}", err=True, nl=False)) if sys.stderr.isatty() else None
    try:
        r = run_build(corpus, out, progress, jobs=jobs, full=full, curator=resolve_curator(curator, orcid))
        if progress:
            click.echo("", err=True)
    except KgError as e:
        _fail(e)
    for w in r.warnings:
        click.echo(f"warning: {w}", err=True)
    facts = ", ".join(f"{v} {k}" for k, v in r.facts.items())
    skipped = f" ({len(r.skipped)} skipped: {', '.join(r.skipped)}; see the warnings)" if r.skipped else ""
    click.echo(f"built {r.papers} paper{'s' if r.papers != 1 else ''}: {r.mentions} mentions, {facts}, "
               f"{r.quads} quads -> {out}{skipped}")


@cli.command()
@click.argument("name")
@option("out")
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default="table", show_default=True)
@option("timeout")
def query(name, out, fmt, timeout):
    """Run a competency question by name, or any .rq file, over the built graph.

    Example: kg query refractory_responders --format csv
    """
    from .views.query import load_query, run_query
    from .views.results import format_result
    try:
        click.echo(format_result(run_query(out, load_query(name), timeout=timeout or None), fmt), nl=False)
    except KgError as e:
        _fail(e)


@cli.command()
@click.argument("fact_iri")
@option("out")
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default="table", show_default=True)
def explain(fact_iri, out, fmt):
    """Show the evidence (sentence and offsets) of one fact.

    Example: kg explain https://w3id.org/icans-kg/id/paper/pmid35896259/finding/case-1-t2
    """
    from .views.query import load_query, run_query
    from .views.results import format_result
    try:
        click.echo(format_result(run_query(out, load_query("evidence"), {"fact": fact_iri}), fmt), nl=False)
    except KgError as e:
        _fail(e)


@cli.command()
@option("out")
def report(out):
    """Print how often each treatment worked across the corpus, with duplicates and ASTCT checks.

    Example: kg report --out outputs
    """
    from .views.report import report as make_report
    try:
        click.echo(make_report(out), nl=False)
    except KgError as e:
        _fail(e)


@cli.command()
@option("corpus")
@option("out")
def links(corpus, out):
    """Write corpus/links.yaml: the duplicate reports the last build linked, to confirm or reject.

    Example: kg links   (edit corpus/links.yaml, then kg build)
    """
    from .synthesis.decisions import load_decisions, write_links_file
    from .synthesis.run import read_links_json
    try:
        path = write_links_file(corpus, read_links_json(out))
        found = load_decisions(corpus)
    except KgError as e:
        _fail(e)
    by = {s: sum(1 for l in found if l.status == s) for s in ("proposed", "confirmed", "rejected")}
    click.echo(f"wrote {len(found)} links to {path} ({by['proposed']} proposed, {by['confirmed']} confirmed, "
               f"{by['rejected']} rejected); set status to confirmed or rejected, then kg build")


@cli.command()
@option("out")
def validate(out):
    """Check the built graph against the SHACL shapes (ontology/shapes.ttl).

    Example: kg validate --out outputs
    """
    from .graph.validate import validate_outputs
    try:
        reports = validate_outputs(out)
    except KgError as e:
        _fail(e)
    bad = {k: r for k, r in reports.items() if not r.conforms}
    for pid, r in bad.items():
        click.echo(f"{pid}: {r.violations} violation(s)\n{r.text}")
    if bad:
        raise click.ClickException(f"{len(bad)} of {len(reports)} paper graph(s) do not conform to the shapes")
    click.echo(f"{len(reports)} paper graph(s) conform to ontology/shapes.ttl")


@cli.command()
@option("out")
@option("host")
@option("port")
@option("timeout")
@option("max_rows")
@option("max_request_bytes")
@option("corpus")
@option("curator")
@option("orcid")
@click.option("--cors", metavar="ORIGIN", default=None,
              help="Web origins (comma-separated, or *) whose pages may read SPARQL results, e.g. https://yasgui.org; "
                   "none by default.")
def serve(out, host, port, timeout, max_rows, max_request_bytes, corpus, curator, orcid, cors):
    """Serve the built graph over the SPARQL 1.1 Protocol (read-only), the HTML views and the review pages.

    Example: kg serve --curator "Jane Doe"   (then open http://127.0.0.1:7878/review/)
    """
    import signal
    import time

    from .curation.curator import resolve_curator
    from .views.review_app import PREFIX, ReviewApp
    from .views.serve import Limits, SparqlServer
    try:
        review = ReviewApp(corpus, resolve_curator(curator, orcid), max_request_bytes)
        server = SparqlServer(out, host, port, Limits(timeout, max_rows, max_request_bytes), apps=(review,), cors=cors)
        server.start()
    except KgError as e:
        _fail(e)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop the engine on `kill` too
    click.echo(f"SPARQL endpoint: {server.url}")
    click.echo(f"HTML graph:      http://{server.host}:{server.port}/html/index.html")
    who = f"as {review.curator.name}" if review.curator else "read-only (--curator NAME to record decisions)"
    click.echo(f"Review pages:    http://{server.host}:{server.port}{PREFIX}/  {who}  (Ctrl-C stops)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


@cli.command()
@click.option("--endpoint", required=True, metavar="URL", help="Graph Store Protocol URL, e.g. http://host:7878/store")
@option("out")
def push(endpoint, out):
    """Upload each paper's named graph to a SPARQL store (replace per graph; removed papers are deleted).

    Credentials come from KG_PUSH_USER/KG_PUSH_PASSWORD or ~/.netrc, never from the command line.

    Example: kg push --endpoint http://127.0.0.1:8890/sparql-graph-crud-auth
    """
    from .graph.push import push as run_push
    try:
        n = run_push(out, endpoint)
    except KgError as e:
        _fail(e)
    click.echo(f"pushed {n} graph(s) to {endpoint}")


@cli.command()
@click.argument("paper_id")
@option("corpus")
@option("curator")
@option("orcid")
def review(paper_id, corpus, curator, orcid):
    """Write or refresh corpus/papers/ID/curation.yaml: every fact with its sentence, to accept, reject or edit.

    Example: kg review pmid35896259 --curator "Jane Doe"   (edit the file or use kg serve, then kg build)
    """
    from .curation.curator import resolve_curator
    from .curation.review import review_paper
    try:
        r = review_paper(corpus, paper_id, resolve_curator(curator, orcid))
    except KgError as e:
        _fail(e)
    marks = "".join(f", {n} marked {what}" for n, what in ((r.stale, "stale"), (r.unmatched, "unmatched")) if n)
    click.echo(f"wrote {r.entries} entries to {r.path} ({r.new} new{marks}); "
               "set status to reject or edit, add missing facts under 'add', then kg build")


@cli.command()
@click.argument("old", required=False, type=click.Path(path_type=Path))
@click.argument("new", required=False, type=click.Path(path_type=Path))
@option("corpus")
@option("out")
def diff(old, new, corpus, out):
    """Show the facts a change adds (+) and removes (-): two builds, or --out vs a fresh build of --corpus.

    Example: kg diff            (what would `kg build` change?)   kg diff outputs-before outputs
    """
    from .build.preview import preview_changes
    from .curation.diff import diff_outputs
    if old is not None and new is None:
        raise click.UsageError("give two output folders, or none to compare --out with a fresh build")
    try:
        removed, added = preview_changes(corpus, out) if old is None else diff_outputs(old, new)
    except KgError as e:
        _fail(e)
    for line in removed:
        click.echo(f"- {line}")
    for line in added:
        click.echo(f"+ {line}")
    click.echo(f"{len(added)} added, {len(removed)} removed")


@cli.group()
def brat():
    """Export mentions to brat standoff for correction, and import them back.

    Example: kg brat export pmid35896259 --to brat/   then   kg brat import pmid35896259 brat/pmid35896259.ann
    """


@brat.command("export")
@click.argument("paper_id")
@click.option("--to", "folder", type=click.Path(path_type=Path), required=True, metavar="DIR",
              help="Folder for ID.txt and ID.ann.")
@option("corpus")
def brat_export(paper_id, folder, corpus):
    """Write ID.txt, ID.ann and annotation.conf for brat/INCEpTION.

    Example: kg brat export pmid35896259 --to brat/
    """
    from .curation.brat import export_paper
    try:
        path, n = export_paper(corpus, paper_id, folder)
    except KgError as e:
        _fail(e)
    click.echo(f"wrote {n} mentions to {path}")


@brat.command("import")
@click.argument("paper_id")
@click.argument("ann_file", type=click.Path(path_type=Path))
@option("corpus")
def brat_import(paper_id, ann_file, corpus):
    """Use corrected brat mentions for a paper from the next build on.

    Example: kg brat import pmid35896259 brat/pmid35896259.ann
    """
    from .curation.brat import import_ann
    try:
        target, n = import_ann(corpus, paper_id, ann_file)
    except KgError as e:
        _fail(e)
    click.echo(f"imported {n} mentions into {target}; kg build will use them")


def main():
    cli(prog_name="kg")
