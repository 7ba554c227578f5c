"""Named exceptions, all under KgError: the library raises these; only the CLI prints them."""


class KgError(Exception):
    """Base class of every error icans-kg raises on purpose."""


class InputError(KgError):
    """An input file is missing, unreadable, empty or not text."""


class PaperIdError(KgError):
    """A paper id is invalid (path separators, '..', bad characters)."""


class DuplicatePaperError(KgError):
    """A paper with this id is already in the corpus."""


class CorpusError(KgError):
    """The corpus directory or one of its metadata or curator files is malformed."""


class OntologyError(KgError):
    """The ontology cannot be loaded or is inconsistent."""


class UnsupportedShapeError(OntologyError):
    """ontology/shapes.ttl uses a SHACL feature the compiled checker lacks (callers fall back to pySHACL)."""


class BuildError(KgError):
    """A build could not complete; the previous outputs are untouched."""


class QueryError(KgError):
    """A query is unknown, invalid or failed."""


class StoreMissingError(QueryError):
    """No built store exists where a query expected one."""


class ValidationError(KgError):
    """The built graph does not conform to the SHACL shapes."""


class ServeError(KgError):
    """The SPARQL server could not be started."""


class PushError(KgError):
    """The remote store refused a graph or could not be reached."""
