import inspect

import kg
from kg import errors

API = sorted([
    "AnnotatedPaper", "BuildError", "BuildReport", "CorpusError", "DuplicatePaperError", "InputError",
    "KgError", "Mention", "OntologyError", "Paper", "PaperFacts", "PaperIdError", "PushError", "QueryError",
    "Result", "ServeError", "StoreMissingError", "UnsupportedShapeError", "ValidationError", "add_paper",
    "annotate_text", "build", "extract_facts", "load_corpus", "load_query", "run_query"])


def test_public_api_is_pinned():
    assert sorted(kg.__all__) == API
    for name in kg.__all__:
        assert hasattr(kg, name)


def test_errors_share_one_base_and_are_all_exported():
    classes = [c for _, c in inspect.getmembers(errors, inspect.isclass) if c.__module__ == errors.__name__]
    assert len(classes) > 10
    for err in classes:
        assert issubclass(err, kg.KgError), err
        assert err.__doc__ and "\n" not in err.__doc__.strip(), err   # one line
        assert getattr(kg, err.__name__) is err and err.__name__ in kg.__all__
