"""What the endpoint refuses before the engine runs a query: deep nesting, updates, SERVICE, from a real parse.

Two steps. ``nesting_depth`` is a lexer (comments, strings, IRIs as SPARQL tokenizes them,
left to right in one pass) that bounds bracket nesting before any parser recurses on it:
Oxigraph's parser overflows its stack at a few thousand levels. ``refusal`` then parses
the query with rdflib's SPARQL 1.1 grammar, translates it to rdflib's algebra and looks
for a ``ServiceGraphPattern`` anywhere in it, expressions (``FILTER EXISTS``) included;
an update is recognised by parsing it as one. Text is never searched for keywords.

rdflib expands ``\\uXXXX`` escapes everywhere before parsing, as SPARQL 1.1 says; Oxigraph
only inside strings and IRIs. So that both parsers see the same tokens, escapes inside
strings and IRIs are replaced by a placeholder first and rdflib's grammar is called without
its own expansion (an escape elsewhere is then invalid for both).
"""
from __future__ import annotations

import re

MAX_NESTING = 128   # brackets ({, (, [) open at once; the competency questions need 6

_Q3, _A3 = '"' * 3, "'" * 3
_TOKEN = re.compile("|".join((
    r"(?P<comment>#[^\n\r]*)",
    "(?P<string>" + "|".join((
        _Q3 + r'(?:[^"\\]|\\.|"(?!""))*' + _Q3,
        _A3 + r"(?:[^'\\]|\\.|'(?!''))*" + _A3,
        r'"(?:[^"\\\n\r]|\\.)*"',
        r"'(?:[^'\\\n\r]|\\.)*'")) + ")",
    r'(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)',
    r"(?P<open>[{(\[])",
    r"(?P<close>[})\]])")), re.S)
_ESCAPE = re.compile(r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}")
SERVICE_REFUSED = "SERVICE (federated query) is disabled on this endpoint"
UPDATE_REFUSED = "this endpoint is read-only: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, ...) is refused"


def _tokens(query: str):
    return _TOKEN.finditer(query)


def nesting_depth(query: str) -> int:
    """The deepest bracket nesting of ``query`` outside comments, strings and IRIs."""
    depth = deepest = 0
    for m in _tokens(query):
        kind = m.lastgroup
        if kind == "open":
            depth += 1
            deepest = max(deepest, depth)
        elif kind == "close":
            depth = max(0, depth - 1)
    return deepest


def too_deep(query: str, limit: int = MAX_NESTING) -> str | None:
    """Why ``query`` is refused for its nesting, or None."""
    depth = nesting_depth(query)
    if depth > limit:
        return f"query nested {depth} levels deep; at most {limit} are accepted"
    return None


def _for_rdflib(query: str) -> str:
    """``query`` with the escapes inside strings and IRIs replaced by a placeholder (see the module doc)."""
    parts, last = [], 0
    for m in _tokens(query):
        if m.lastgroup in ("string", "iri") and "\\" in m.group():
            parts.append(query[last:m.start()])
            parts.append(_ESCAPE.sub("_", m.group()))
            last = m.end()
    parts.append(query[last:])
    return "".join(parts)


def _has_service(node) -> bool:
    """A ServiceGraphPattern anywhere below ``node`` (walked without recursion)."""
    from rdflib.plugins.sparql.parserutils import CompValue

    stack, seen = [node], set()
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        if isinstance(n, CompValue):
            if n.name == "ServiceGraphPattern":
                return True
            stack.extend(n.values())
        elif isinstance(n, dict):
            stack.extend(n.values())
        elif isinstance(n, (list, tuple, set)) or type(n).__name__ == "ParseResults":
            stack.extend(n)
        elif hasattr(n, "algebra"):    # an rdflib Query
            stack.append(n.algebra)
    return False


def refusal(query: str) -> tuple[int, str] | None:
    """(HTTP status, reason) if the endpoint must not run ``query``, else None.

    Runs rdflib's parser; the endpoint calls it in its sandboxed query processes, under the time limit.
    """
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql import algebra, parser

    why = too_deep(query)
    if why:
        return 400, why
    text = _for_rdflib(query)
    try:
        tree = parser.Query.parse_string(text, parse_all=True)
    except ParseBaseException as e:
        try:
            parser.UpdateUnit.parse_string(text, parse_all=True)
        except ParseBaseException:
            return 400, f"invalid SPARQL at line {e.lineno}, column {e.col}: {e.msg}"
        return 403, UPDATE_REFUSED
    if _has_service(tree):
        return 400, SERVICE_REFUSED
    try:
        translated = algebra.translateQuery(tree)
    except Exception as e:   # rdflib raises plain Exceptions for e.g. an unknown prefix
        return 400, f"invalid SPARQL: {e}"
    if _has_service(translated):
        return 400, SERVICE_REFUSED
    return None
