"""Human corrections: curation files (review, apply), brat standoff mentions, and fact-level diffs."""
