"""Cue files of the annotator (YAML): context modifiers and outcome triggers."""
