"""Evidence synthesis across papers: duplicate patients, treatment summaries, ASTCT grade checks.

The build's workers turn each paper into a small ``PaperRecord`` (records.py); after every
paper is processed, ``Synthesis`` (run.py) links the same patients reported twice
(duplicates.py, with the curator's decisions of decisions.py), sums each treatment's
outcomes counting every patient once (summary.py, with Wilson intervals from wilson.py)
and writes the result as one named graph (triples.py). astct.py recomputes ICANS grades
from the findings a paper states; report.py prints `kg report`.
"""
