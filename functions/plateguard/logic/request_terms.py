"""What a request asks, checked and put in the form its audit record keeps (plain Python, no web framework).

The record of every request holds every declared path, query and body parameter it sent (camelCased), so an
auditor finds a search by its plate, purpose or case number whatever else came with it. Nothing is cut to
fit: what cannot be recorded whole is refused (400), and the record says so with a short marker.

- a name the route does not declare is refused; only its name is recorded (if printable), never its value;
- a text value with control characters (CR, LF, tab, ...) or bidirectional overrides is refused, and the
  record keeps a marker instead of the value (file content may hold line breaks: `multiline` fields);
- a text value over MAX_TEXT characters, a list over MAX_LIST items, a nested value, a repeated query
  parameter, a body that is not a JSON object (or is not JSON at all) are refused;
- opaque or bulky fields (a pagination token, an imported file) are recorded as length and SHA-256, which
  names them exactly in a bounded size.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# Large enough for every declared field (the longest is a subscription endpoint, 2048), so a valid
# request is always recorded whole; a longer value is refused, never truncated.
MAX_TEXT = 2048
MAX_LIST = 100
MAX_LIST_ITEM = 256
# The whole requestParameters object (canonical JSON): far below DynamoDB's 400 KB item limit.
MAX_RECORDED = 32 * 1024
MAX_NAMES_LISTED = 16
_PRINTABLE_NAME = re.compile(r"^[A-Za-z0-9_.\-\[\]]{1,64}$")
# Bidirectional overrides and isolates reorder what a reader of a log or report sees.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_LINE_BREAKS = frozenset("\r\n\t")

Scalar = str | int | float | bool | None


@dataclass(frozen=True)
class RouteShape:
    """The parameters a route declares (its function signature and body model, as the resolver reads them)."""

    path_params: tuple[str, ...] = ()
    query_params: tuple[str, ...] = ()
    body_fields: tuple[str, ...] | None = None  # None: the route takes no body
    multiline: frozenset[str] = frozenset()  # body fields holding file content: line breaks allowed
    digested: frozenset[str] = frozenset()  # recorded as length and SHA-256 (tokens, file content)


@dataclass
class RequestTerms:
    recorded: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def refusal(self) -> str | None:
        """Why the request is refused (400), or None."""
        if not self.problems:
            return None
        shown = "; ".join(self.problems[:5])
        more = len(self.problems) - 5
        return shown + (f"; and {more} more" if more > 0 else "")


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def has_control_characters(text: str, multiline: bool = False) -> bool:
    for char in text:
        if multiline and char in _LINE_BREAKS:
            continue
        if char in _BIDI or unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            return True
    return False


def digest(text: str) -> str:
    return f"<{len(text)} chars, sha256 {hashlib.sha256(text.encode('utf-8', 'replace')).hexdigest()}>"


class _NotJson(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:  # a second value the record and the route could read differently
            raise _NotJson(f"duplicate key {key!r}")
        found[key] = value
    return found


def _no_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not JSON")


def parse_json_body(text: str) -> Any:
    """Strict JSON: no NaN/Infinity, no duplicate keys; nesting too deep for the parser is refused too."""
    try:
        return json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except RecursionError as exc:
        raise _NotJson("nested too deeply") from exc


class _Terms:
    def __init__(self, shape: RouteShape) -> None:
        self.shape = shape
        self.terms = RequestTerms()
        self.unknown: list[str] = []

    def refuse(self, problem: str) -> None:
        self.terms.problems.append(problem)

    def put(self, name: str, value: Any, prefix: str = "") -> None:
        key = camel(name)
        if key in self.terms.recorded:  # a body field named like a path or query parameter
            key = camel(f"{prefix}_{name}")
        self.terms.recorded[key] = value

    def text(self, name: str, value: str, *, limit: int = MAX_TEXT, multiline: bool = False) -> str:
        if has_control_characters(value, multiline):
            self.refuse(f"{name}: control characters are not allowed")
            return "<refused: control characters>"
        if name in self.shape.digested:
            return digest(value)
        if len(value) > limit:
            self.refuse(f"{name}: longer than {limit} characters")
            return f"<refused: {len(value)} characters, over the {limit} bound>"
        return value

    def value(self, name: str, value: Any) -> Any:
        if value is None or isinstance(value, bool | int | float):
            return value
        if isinstance(value, str):
            return self.text(name, value, multiline=name in self.shape.multiline)
        if isinstance(value, list):
            if len(value) > MAX_LIST:
                self.refuse(f"{name}: more than {MAX_LIST} items")
                return f"<refused: list of {len(value)} items>"
            items: list[Scalar] = []
            for item in value:
                if isinstance(item, str):
                    items.append(self.text(name, item, limit=MAX_LIST_ITEM))
                elif item is None or isinstance(item, bool | int | float):
                    items.append(item)
                else:
                    self.refuse(f"{name}: a nested value is not allowed")
                    return "<refused: nested value>"
            return items
        self.refuse(f"{name}: a nested value is not allowed")
        return "<refused: nested value>"

    def unknown_name(self, name: str) -> None:
        self.unknown.append(name)

    def body(self, text: str | None) -> None:
        if text is None or not text.strip():
            return
        try:
            parsed = parse_json_body(text)
        except ValueError as exc:
            reason = str(exc) if isinstance(exc, _NotJson) else "not valid JSON"
            self.refuse(f"body: {reason}")
            self.terms.recorded["body"] = "<refused: not JSON>"
            return
        if parsed is None:
            return
        if not isinstance(parsed, dict):
            self.refuse("body: must be a JSON object")
            self.terms.recorded["body"] = f"<refused: JSON {type(parsed).__name__}>"
            return
        declared = self.shape.body_fields or ()
        for name, value in parsed.items():
            if name in declared:
                self.put(name, self.value(name, value), prefix="body")
            else:
                self.unknown_name(f"body.{name}")

    def finish(self) -> RequestTerms:
        if self.unknown:
            printable = sorted(n for n in self.unknown if _PRINTABLE_NAME.match(n))
            listed = ", ".join(printable[:MAX_NAMES_LISTED]) or "(unprintable names)"
            self.refuse(f"unknown parameter(s): {listed}" + (" ..." if len(self.unknown) > MAX_NAMES_LISTED else ""))
            self.terms.recorded["unknownParameters"] = printable[:MAX_NAMES_LISTED]
            self.terms.recorded["unknownParameterCount"] = len(self.unknown)
        recorded = self.terms.recorded
        if len(json.dumps(recorded, ensure_ascii=False, default=str)) > MAX_RECORDED:
            self.refuse(f"the request's parameters exceed {MAX_RECORDED} characters")
            for key, value in list(recorded.items()):
                if isinstance(value, list):
                    recorded[key] = f"<refused: list of {len(value)} items>"
        return self.terms


def read_terms(
    shape: RouteShape,
    path_args: Mapping[str, str],
    query: Mapping[str, Sequence[str]],
    body: str | None,
) -> RequestTerms:
    """Check a request's terms against its route's declared parameters; what to record and why to refuse."""
    terms = _Terms(shape)
    for name, value in path_args.items():
        terms.put(name, terms.text(name, value))
    for name, values in query.items():
        if name not in shape.query_params:
            terms.unknown_name(name)
        elif len(values) != 1:
            terms.refuse(f"{name}: given {len(values)} times")
            terms.put(name, f"<refused: given {len(values)} times>")
        else:
            terms.put(name, terms.text(name, values[0]))
    terms.body(body)
    return terms.finish()


def checked_parameters(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Terms a route derives from its validated input (e.g. a joined list): bounded as a whole, never cut."""
    derived = dict(parameters)
    if len(json.dumps(derived, ensure_ascii=False, default=str)) > MAX_RECORDED:
        raise ValueError(f"derived audit parameters exceed {MAX_RECORDED} characters")
    return derived
