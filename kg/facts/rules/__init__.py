"""Cue files of fact extraction (YAML): a patient's course and who a passage is about."""
