"""The query language of the dashboard's filter box and ``sitegen history list --filter``.

One grammar, two implementations: this module and its twin ``themes/default/static/js/query.js``
(``SitegenQuery``) agree on every case of ``tests/query_cases.json``. Standard library only.

Grammar (keywords case-insensitive)::

    query      := or
    or         := and ("or" and)*
    and        := unary ("and" unary)*
    unary      := "not" unary | "(" or ")" | comparison
    comparison := name OP value          OP: = == != < <= > >= ~ !~
    name       := word | "quoted" | prefix.word | prefix."quoted"
    prefix     := params | metrics | tags | run      (also param, metric, tag)
    value      := number | "quoted" | word

A *word* is a run of characters other than spaces, quotes, parentheses and ``= ! < > ~``; a
word that reads as a number (``0.75``, ``1e-3``, ``-2``) is a number. Quotes (``"`` or ``'``,
backslash escapes) make any text a name or a value: ``"Regularization Rate" < 1``.

Meaning:

* A bare name is looked up in the run's parameters, then its metrics, then its tags, then the run
  fields ``id``, ``name``, ``number``, ``script``, ``status`` — the first that has it, run by run.
  ``params.x``, ``metrics.x``, ``tags.x`` and ``run.x`` look in one place only.
* A number compares numerically with a number, or with text that reads as one (tags are text).
  Text compares with text (``=`` exact, ``<`` by code point); booleans are the text
  ``true``/``false``. ``~`` is "contains, ignoring case" (``!~`` its negation), on text only.
* A missing value, NaN, or a value of the other kind never matches a comparison (not even
  ``!=``); ``not`` inverts the result as usual. A series compares by its last value; a list
  parameter as its JSON text (``[64, 32]``, as the site shows it).

What counts as a query (:func:`is_query`): text with one of ``= ! < > ~`` in it. Every valid
expression has one; other text (``iris``, ``0.75``, ``run-12``) is a plain substring search, as
the grid had before. A query that does not parse raises :class:`QueryError` with the position.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping, TypeVar, Union

from sitegen.errors import UserError

#: Where a prefixed name looks (the key of the row's section; "run" is the row itself).
PREFIXES = {"params": "params", "param": "params", "metrics": "metrics", "metric": "metrics",
            "tags": "tags", "tag": "tags", "run": "run"}
RUN_FIELDS = ("id", "name", "number", "script", "status")
SECTIONS = ("params", "metrics", "tags")  # the bare-name order, before the run fields
OPERATORS = ("=", "!=", "<", "<=", ">", ">=", "~", "!~")
OPERATOR_CHARS = "=!<>~"
SPACE = " \t\n\r\f\v\u00a0"
NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
KEYWORDS = ("and", "or", "not")
_OP_LIST = "= != < <= > >= ~ !~"

Row = Mapping[str, Any]
Predicate = Callable[[Row], bool]
T = TypeVar("T")


class QueryError(UserError):
    """A query that does not parse. ``position``: the character (0-based) where it broke."""

    def __init__(self, reason: str, position: int, text: str = "") -> None:
        self.reason, self.position, self.text = reason, position, text
        super().__init__(f"at character {position + 1}: {reason}")


# ---------------------------------------------------------------- tokens

@dataclass(frozen=True)
class Token:
    kind: str    # "(" ")" "op" "str" "word" "end"
    text: str    # the operator, the string's value, the word
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text`` (an "end" token last); QueryError on a stray ``!`` or open quote."""
    out: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in SPACE:
            i += 1
        elif c in "()":
            out.append(Token(c, c, i, i + 1))
            i += 1
        elif c in OPERATOR_CHARS:
            two = text[i:i + 2]
            if two in ("<=", ">=", "!=", "!~", "=="):
                out.append(Token("op", "=" if two == "==" else two, i, i + 2))
                i += 2
            elif c == "!":
                raise QueryError('"!" must be followed by "=" or "~"', i, text)
            else:
                out.append(Token("op", c, i, i + 1))
                i += 1
        elif c in "\"'":
            j, chars = i + 1, []
            while j < n and text[j] != c:
                if text[j] == "\\" and j + 1 < n:
                    j += 1
                chars.append(text[j])
                j += 1
            if j >= n:
                raise QueryError(f"unterminated string: add the closing {c}", i, text)
            out.append(Token("str", "".join(chars), i, j + 1))
            i = j + 1
        else:
            j = i
            while j < n and text[j] not in SPACE and text[j] not in "()\"'" + OPERATOR_CHARS:
                j += 1
            out.append(Token("word", text[i:j], i, j))
            i = j
    out.append(Token("end", "", n, n))
    return out


# ---------------------------------------------------------------- the tree

@dataclass(frozen=True)
class Name:
    section: str | None  # "params", "metrics", "tags", "run", or None (a bare name)
    key: str

    def label(self) -> str:
        """The name as a column title: ``Accuracy``, ``params.lr``."""
        return self.key if self.section is None else f"{self.section}.{self.key}"

    def found_in(self, row: Row) -> bool:
        """Whether the row has a value of this name at all."""
        if self.section == "run":
            return row.get(self.key) is not None
        if self.section is not None:
            return self.key in (row.get(self.section) or {})
        return any(self.key in (row.get(s) or {}) for s in SECTIONS) or (
            self.key in RUN_FIELDS and row.get(self.key) is not None)

    def lookup(self, row: Row) -> Any:
        """The row's value for this name as queries see it (None when it has none): "NaN",
        "inf" and "-inf" (the site's and the JSON output's spelling) as numbers, a list as its
        JSON text. Converted here, for the names a query uses, rather than for every value."""
        if self.section == "run":
            return row.get(self.key)
        if self.section is not None:
            return _value((row.get(self.section) or {}).get(self.key))
        for section in SECTIONS:
            values = row.get(section) or {}
            if self.key in values:
                return _value(values[self.key])
        return row.get(self.key) if self.key in RUN_FIELDS else None


@dataclass(frozen=True)
class Comparison:
    name: Name
    op: str
    text: str             # the literal as text (a number as it was written)
    number: float | None  # the literal as a number, when it is one

    def matches(self, row: Row) -> bool:
        return compare(self.name.lookup(row), self.op, self.text, self.number)

    def names(self) -> list[Name]:
        return [self.name]


@dataclass(frozen=True)
class Not:
    item: "Node"

    def matches(self, row: Row) -> bool:
        return not self.item.matches(row)

    def names(self) -> list[Name]:
        return self.item.names()


@dataclass(frozen=True)
class And:
    items: tuple["Node", ...]

    def matches(self, row: Row) -> bool:
        return all(i.matches(row) for i in self.items)

    def names(self) -> list[Name]:
        return [n for i in self.items for n in i.names()]


@dataclass(frozen=True)
class Or:
    items: tuple["Node", ...]

    def matches(self, row: Row) -> bool:
        return any(i.matches(row) for i in self.items)

    def names(self) -> list[Name]:
        return [n for i in self.items for n in i.names()]


Node = Union[Comparison, Not, And, Or]


@dataclass(frozen=True)
class Query:
    """A parsed query: ``matches(row)`` for a row made by :func:`make_row`."""
    text: str
    root: Node

    def matches(self, row: Row) -> bool:
        return self.root.matches(row)

    def unknown(self, rows: list[Row]) -> list[str]:
        """The names of this query that no row has (a typo, most likely), once each."""
        out: dict[str, None] = {}
        for name in self.root.names():
            if not any(name.found_in(r) for r in rows):
                out.setdefault(name.label(), None)
        return list(out)


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


def compare(value: Any, op: str, text: str, number: float | None) -> bool:
    """One comparison of a row's value with a literal (see the module doc for the rules)."""
    t = type(value)
    if t is bool:
        value = "true" if value else "false"
    elif t is int or t is float:
        value = float(value)
        if value != value:
            return False
    elif t is not str:
        return False  # missing (None)
    if op == "~" or op == "!~":
        if type(value) is not str:
            return False
        return (text.lower() in value.lower()) == (op == "~")
    if number is not None:
        if type(value) is str:
            if not NUMBER_RE.fullmatch(value):
                return False
            value = float(value)
        return _ORDER[op](value, number)
    return type(value) is str and _ORDER[op](value, text)


# ---------------------------------------------------------------- the parser

def _shown(tok: Token) -> str:
    if tok.kind == "end":
        return "the end"
    if tok.kind == "str":
        return "a quoted string"
    return f'"{tok.text}"'


def _keyword(tok: Token) -> str | None:
    if tok.kind == "word" and tok.text.lower() in KEYWORDS:
        return tok.text.lower()
    return None


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = tokenize(text)
        self.i = 0

    def peek(self) -> Token:
        return self.toks[self.i]

    def take(self) -> Token:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def fail(self, reason: str, tok: Token) -> QueryError:
        return QueryError(reason, tok.start, self.text)

    def query(self) -> Node:
        if self.peek().kind == "end":
            raise self.fail("empty query: write e.g. Accuracy > 0.75", self.peek())
        node = self.or_()
        tok = self.peek()
        if tok.kind == ")":
            raise self.fail('unmatched ")"', tok)
        if tok.kind != "end":
            raise self.fail(f'expected "and", "or" or the end, got {_shown(tok)}', tok)
        return node

    def joined(self, word: str, part: Callable[[], Node], make: Callable[[tuple], Node]) -> Node:
        """``part (word part)*``: one part as it is, several as ``make(parts)``."""
        items = [part()]
        while _keyword(self.peek()) == word:
            self.take()
            items.append(part())
        return items[0] if len(items) == 1 else make(tuple(items))

    def or_(self) -> Node:
        return self.joined("or", self.and_, Or)

    def and_(self) -> Node:
        return self.joined("and", self.unary, And)

    def unary(self) -> Node:
        tok = self.peek()
        if _keyword(tok) == "not":
            self.take()
            return Not(self.unary())
        if tok.kind == "(":
            self.take()
            node = self.or_()
            close = self.peek()
            if close.kind != ")":
                if close.kind == "end":
                    raise self.fail(f'missing ")" for the "(" at character {tok.start + 1}', close)
                raise self.fail(f'expected "and", "or" or ")", got {_shown(close)}', close)
            self.take()
            return node
        return self.comparison()

    def name(self) -> Name:
        tok = self.take()
        if tok.kind == "str":
            return Name(None, tok.text)
        if tok.kind != "word" or _keyword(tok):
            raise self.fail(f"expected a name, got {_shown(tok)}", tok)
        if NUMBER_RE.fullmatch(tok.text):
            raise self.fail(f"expected a name, got the number {tok.text} "
                            f"(the name comes first: Accuracy > 0.5)", tok)
        head, dot, rest = tok.text.partition(".")
        if not dot or head not in PREFIXES:
            return Name(None, tok.text)
        section = PREFIXES[head]
        if not rest:
            after = self.peek()
            if after.kind != "str" or after.start != tok.end:
                raise self.fail(f'expected a name after "{tok.text}"', after)
            rest = self.take().text
        if section == "run" and rest not in RUN_FIELDS:
            raise self.fail(f'unknown run field "{rest}": use run.{", run.".join(RUN_FIELDS)}', tok)
        return Name(section, rest)

    def comparison(self) -> Comparison:
        start = self.peek()
        name = self.name()
        op = self.take()
        shown = self.text[start.start:self.toks[self.i - 2].end]
        if op.kind != "op":
            raise self.fail(f"expected an operator ({_OP_LIST}) after {shown}, got {_shown(op)}"
                            if op.kind != "end" else
                            f"expected an operator ({_OP_LIST}) after {shown}", op)
        tok = self.take()
        if tok.kind == "str":
            return Comparison(name, op.text, tok.text, None)
        if tok.kind != "word" or _keyword(tok):
            quote = f' (quote it: "{tok.text}")' if _keyword(tok) else ""
            got = "" if tok.kind == "end" else f", got {_shown(tok)}{quote}"
            raise self.fail(f'expected a value after "{op.text}"{got}', tok)
        number = float(tok.text) if NUMBER_RE.fullmatch(tok.text) else None
        return Comparison(name, op.text, tok.text, number)


def parse(text: str) -> Query:
    """The query in ``text``; :class:`QueryError` (with ``.position``) if it does not parse."""
    return Query(text, _Parser(text).query())


@dataclass(frozen=True)
class SortKey:
    name: Name
    desc: bool = False


def parse_name(text: str) -> Name:
    """One name as a query writes it (``Accuracy``, ``"Regularization Rate"``, ``params.lr``)."""
    return _parse_name(text, directions=False)[0]


def parse_sort(text: str) -> SortKey:
    """``NAME [asc|desc]`` (ascending unless ``desc``)."""
    name, desc = _parse_name(text, directions=True)
    return SortKey(name, desc)


def _parse_name(text: str, directions: bool) -> tuple[Name, bool]:
    p = _Parser(text)
    if p.peek().kind == "end":
        raise p.fail("expected a name, e.g. Accuracy or \"Regularization Rate\"", p.peek())
    name = p.name()
    desc = False
    tok = p.peek()
    if directions and tok.kind == "word" and tok.text.lower() in ("asc", "desc"):
        desc = p.take().text.lower() == "desc"
        tok = p.peek()
    if tok.kind != "end":
        what = 'the end or "asc"/"desc"' if directions else "the end"
        raise p.fail(f"expected {what} after the name, got {_shown(tok)} "
                     f"(quote a name with spaces: \"Regularization Rate\")", tok)
    return name, desc


def value_order(value: Any) -> tuple[int, Any] | None:
    """How a value sorts, as the grid sorts a column: numbers, then text (booleans as true/false);
    None for a missing value or NaN (those go last, whatever the direction)."""
    t = type(value)
    if t is bool:
        return (1, "true" if value else "false")
    if t is int or t is float:
        return None if value != value else (0, float(value))
    if t is str:
        return (1, value)
    return None


def sort_by(items: list[T], value: Callable[[T], Any], desc: bool = False) -> list[T]:
    """``items`` ordered by ``value(item)`` as :func:`value_order` says (stable; missing values
    last in both directions)."""
    keyed = [(value_order(value(i)), i) for i in items]
    present = [ki for ki in keyed if ki[0] is not None]
    present.sort(key=lambda ki: ki[0], reverse=desc)
    return [i for _, i in present] + [i for k, i in keyed if k is None]


def sort_rows(items: list[T], key: SortKey, row: Callable[[T], Row] = lambda item: item) -> list[T]:
    """``items`` ordered by their ``row(item)``'s value of ``key``."""
    return sort_by(items, lambda i: key.name.lookup(row(i)), key.desc)


def is_query(text: str) -> bool:
    """Whether ``text`` is meant as a query (it has one of ``= ! < > ~``), not a plain search."""
    return any(c in text for c in OPERATOR_CHARS)


# ---------------------------------------------------------------- rows and filters

def search_text(row: Row) -> str:
    """What a plain search looks in (lower case): #number, name, id, status, script, tags, start."""
    tags = " ".join(f"{k}={v}" for k, v in sorted((row.get("tags") or {}).items()))
    number = row.get("number")
    parts = [None if number is None else f"#{number}", row.get("name"), row.get("id"), row.get("status"),
             row.get("script"), tags, row.get("start")]
    return " ".join("" if p is None else str(p) for p in parts).lower()


def make_filter(text: str) -> Predicate | None:
    """A row predicate for the filter box's text: None (every row) for blank text, a substring
    search for plain text, the parsed query otherwise (QueryError if it does not parse)."""
    if not text.strip():
        return None
    if is_query(text):
        return parse(text).matches
    needle = text.strip().lower()
    return lambda row: needle in search_text(row)


_NON_FINITE = {"NaN": math.nan, "inf": math.inf, "-inf": -math.inf,
               "Infinity": math.inf, "-Infinity": -math.inf}


def _value(v: Any) -> Any:
    """A value as queries see it: the site's and the JSON output's spelling of non-finite numbers
    back as numbers; a list (or object) as its JSON text, as the site publishes it."""
    if type(v) is str:
        return _NON_FINITE.get(v, v)
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False, default=str)
    return v


def make_row(meta: Mapping[str, Any], metrics: Mapping[str, Any],
             params: Mapping[str, Any] | None = None) -> dict:
    """The row a query looks at, from run.json-style fields and the run's metric values (a series
    by its last value; the mappings are used as they are, not copied): ``{"id", "number", "name",
    "script", "status", "start", "params",
    "metrics", "tags"}``."""
    tags = meta.get("tags")
    return {
        "id": meta.get("run_id"), "number": meta.get("run_number"), "name": meta.get("name"),
        "script": meta.get("script_name"), "status": meta.get("status"),
        "start": meta.get("start_time_utc"),
        "params": params if params is not None else (meta.get("parameters") or {}),
        "metrics": metrics,
        "tags": dict(tags) if isinstance(tags, dict) else {},
    }


def row_from_summary(summary: Mapping[str, Any]) -> dict:
    """The row of a site build's run summary (scalars, series' last values, params, meta)."""
    metrics = dict(summary.get("scalars") or {})
    for name, stats in (summary.get("series") or {}).items():
        metrics.setdefault(name, stats.get("last"))
    return make_row(summary.get("meta") or {}, metrics, summary.get("params"))
