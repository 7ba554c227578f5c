"""Papers in: input files, their formats (a registry of readers) and the corpus on disk."""
