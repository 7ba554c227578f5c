import kg


def test_public_api_is_pinned():
    assert sorted(kg.__all__) == sorted([
        "AnnotatedPaper", "BuildError", "BuildReport", "CorpusError", "DuplicatePaperError", "InputError",
        "KgError", "Mention", "OntologyError", "Paper", "PaperFacts", "PaperIdError", "QueryError", "Result",
        "StoreMissingError", "ValidationError", "add_paper", "annotate_text", "build", "extract_facts",
        "load_corpus", "load_query", "run_query"])
    for name in kg.__all__:
        assert hasattr(kg, name)


def test_errors_share_one_base():
    for name in ("BuildError", "CorpusError", "DuplicatePaperError", "InputError", "OntologyError",
                 "PaperIdError", "QueryError", "StoreMissingError", "ValidationError"):
        err = getattr(kg, name)
        assert issubclass(err, kg.KgError) and err.__doc__
