"""What content YAML may not hold, refused from the parser's events before anything is built:
anchors, aliases and merge keys (a few hundred bytes of aliases expand to gigabytes: contracts do
not need them), nesting deeper than MAX_DEPTH, and numbers that are not plain digits (exponents,
infinities, NaN) or longer than MAX_DIGITS.

Works on the events of either parser (libyaml's and ruamel's have the same shape), so both paths
of yamlio.py refuse the same things with the same messages, at their line and column.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from .errors import ContentError, Finding

MAX_DEPTH = 50  # levels of nested mappings and lists (an agreement uses 4)
MAX_DIGITS = 30  # digits of a number written in YAML (a SIRET has 14, an amount a dozen)

PLAIN_DECIMAL = re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")
_EXPONENT = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$")
_SPECIAL = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$")
_NUMBER = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+|0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+)$")
_MERGE_TAG = "tag:yaml.org,2002:merge"


def refuse_hazards(events: Iterable[Any], path: str, line_offset: int = 0) -> None:
    """Go through a document's events; ContentError at the first hazard."""
    stack: list[list] = []  # per open collection: [is a mapping, children seen]
    for event in events:
        kind = type(event).__name__
        if kind in ("MappingEndEvent", "SequenceEndEvent"):
            stack.pop()
            continue
        if kind not in ("ScalarEvent", "AliasEvent", "MappingStartEvent", "SequenceStartEvent"):
            continue
        is_key = bool(stack) and stack[-1][0] and stack[-1][1] % 2 == 0
        if stack:
            stack[-1][1] += 1
        problem = _problem(event, kind, is_key)
        if problem is None and kind.endswith("StartEvent"):
            stack.append([kind == "MappingStartEvent", 0])
            if len(stack) > MAX_DEPTH:
                problem = f"nesting deeper than {MAX_DEPTH} levels; contract data is never this deep"
        if problem is not None:
            mark = event.start_mark
            raise ContentError(Finding(path, mark.line + 1 + line_offset, mark.column + 1, message=problem,
                                       rule="yaml"))


def _problem(event: Any, kind: str, is_key: bool) -> str | None:
    if kind == "AliasEvent":
        return (f"alias *{event.anchor} is not allowed: content YAML has no anchors, aliases or merge keys; "
                "write the value out")
    if getattr(event, "anchor", None):
        return (f"anchor &{event.anchor} is not allowed: content YAML has no anchors, aliases or merge keys; "
                "write the value out")
    if kind != "ScalarEvent":
        return None
    if str(getattr(event, "tag", None)) in (_MERGE_TAG, "!!merge"):
        return "merge key is not allowed: content YAML has no anchors, aliases or merge keys; write the keys out"
    if event.style:  # quoted or block text (plain is None in ruamel, "" in libyaml): never a number here (the models check text amounts)
        return None
    value = event.value
    if is_key and value == "<<":
        return "merge key << is not allowed: content YAML has no anchors, aliases or merge keys; write the keys out"
    if _EXPONENT.match(value):
        return f"number {_shown(value)} is in exponent notation: write it in plain digits, e.g. 12000.50"
    if _SPECIAL.match(value):
        return f"{value} is not a number a contract can use: write a number in plain digits"
    if _NUMBER.match(value):
        digits = sum(c.isalnum() for c in value) - ("x" in value or "o" in value or "b" in value)
        if digits > MAX_DIGITS:
            return (f"number of {digits} digits: numbers have at most {MAX_DIGITS} digits "
                    "(quote it if it is text, e.g. an account number)")
    return None


def _shown(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:37] + "…")
