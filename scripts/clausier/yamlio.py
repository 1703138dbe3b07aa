"""YAML and front matter with positions: every value knows its line and column."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

import yaml as pyyaml

from .errors import ContentError, Finding
from .markdown import FrontMatterError, front_matter
from .yamlhazards import MAX_DEPTH, MAX_DIGITS, PLAIN_DECIMAL, refuse_hazards

Path_ = tuple  # a path into the data: ("fees", "amount"), ("schedule", 0, "when")


@dataclass
class Positions:
    """Where each key and value of a YAML document sits (1-based line and column)."""

    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    start: tuple[int, int] = (1, 1)

    def of(self, path: Path_, prefer_key: bool = False) -> tuple[int, int]:
        """The best place for a path: itself, else its nearest known parent."""
        path = tuple(path)
        while path:
            table = (self.keys, self.values) if prefer_key else (self.values, self.keys)
            for positions in table:
                if path in positions:
                    return positions[path]
            path = path[:-1]
        return self.start


class Document:
    """A parsed YAML document as plain Python data; positions are worked out when first asked.

    Most files are valid, and the position-keeping parser is ten times slower than
    libyaml: so the data comes from libyaml, and the round-trip parse that knows
    every line and column runs only when a problem needs a place.
    """

    def __init__(self, data: Any, positions: Positions | None = None, text: str = "", line_offset: int = 0):
        self.data = data
        self._positions = positions
        self._text, self._offset = text, line_offset

    @property
    def positions(self) -> Positions:
        if self._positions is None:
            self._positions = _round_trip(self._text, "", self._offset).positions
        return self._positions


class LazyPositions:
    """A document's `Positions`, worked out only when a place is first asked for (an error):
    holding an agreement's places costs nothing until then."""

    def __init__(self, document: Document):
        self._document = document

    def of(self, path: Path_, prefer_key: bool = False) -> tuple[int, int]:
        return self._document.positions.of(path, prefer_key)

    def __getattr__(self, name: str) -> Any:  # keys, values, start
        return getattr(self._document.positions, name)


def _plain(node: Any, path: Path_, positions: Positions, offset: int) -> Any:
    """Turn ruamel nodes into plain dicts/lists, recording positions on the way."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar

    if isinstance(node, CommentedMap):
        out = {}
        for key in node:
            kline, kcol = node.lc.key(key)
            positions.keys[path + (key,)] = (kline + 1 + offset, kcol + 1)
            vpos = node.lc.value(key)
            if vpos is not None:
                positions.values[path + (key,)] = (vpos[0] + 1 + offset, vpos[1] + 1)
            out[str(key) if not isinstance(key, str) else key] = _plain(
                node[key], path + (key,), positions, offset
            )
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for index, item in enumerate(node):
            ipos = node.lc.item(index)
            if ipos is not None:
                positions.values[path + (index,)] = (ipos[0] + 1 + offset, ipos[1] + 1)
            items.append(_plain(item, path + (index,), positions, offset))
        return items
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, float):
        # Money must not go through binary floats: keep the shortest exact decimal.
        return Decimal(repr(float(node)))
    if isinstance(node, int):
        return int(node)
    if isinstance(node, dt.datetime):
        return node
    if isinstance(node, dt.date):
        return dt.date(node.year, node.month, node.day)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, TaggedScalar):  # an explicit tag such as !!str: keep the text
        return str(node.value)
    return node


@lru_cache(maxsize=1)
def _constructor() -> type:
    """ruamel's round-trip constructor, but dates stay text: the models parse them, so a bad date gets
    its position. (ruamel is imported only here: most files never need the round-trip parser.)"""
    from ruamel.yaml.constructor import RoundTripConstructor

    class _Constructor(RoundTripConstructor):
        pass

    _Constructor.add_constructor("tag:yaml.org,2002:timestamp", RoundTripConstructor.construct_yaml_str)
    return _Constructor


def parse_yaml(text: str, path: str, line_offset: int = 0) -> Document:
    """Parse one YAML 1.2 document; duplicate keys, syntax errors and what yamlhazards.py refuses
    (anchors, aliases, merge keys, deep nesting, unbounded numbers) become findings with their place."""
    try:
        if _MAY_SHARE.search(text):  # an anchor, alias or merge key may be there: look before building
            refuse_hazards(_fast_events(text), path, line_offset)
        data = _plain_fast(_fast_load(text))
    except _NeedsRoundTrip:
        return _round_trip(text, path, line_offset)
    return Document(data, None, text, line_offset)


_MAY_SHARE = re.compile(r"[&*]|<<")


def _fast_events(text: str):
    try:
        yield from pyyaml.parse(text, Loader=_FastLoader)
    except pyyaml.YAMLError:
        raise _NeedsRoundTrip() from None  # a syntax error: the round-trip parser says where and why


def _round_trip(text: str, path: str, line_offset: int) -> Document:
    from ruamel.yaml import YAML
    from ruamel.yaml.constructor import DuplicateKeyError
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.reader import ReaderError

    yaml = YAML(typ="rt")
    yaml.Constructor = _constructor()
    yaml.allow_duplicate_keys = False
    try:
        refuse_hazards(yaml.parse(text), path, line_offset)  # before anything is built from it
        node = yaml.load(text)
    except DuplicateKeyError as exc:
        mark = exc.problem_mark
        raise ContentError(
            Finding(
                path,
                mark.line + 1 + line_offset,
                mark.column + 1,
                message=f"duplicate key: {_duplicate_key_name(exc)} appears twice in the same mapping; keep one",
                rule="yaml",
            )
        ) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark else 1 + line_offset
        col = mark.column + 1 if mark else 1
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        raise ContentError(Finding(path, line, col, message=f"YAML syntax error: {problem}", rule="yaml")) from None
    except ReaderError as exc:  # a control character YAML does not allow
        line = text.count("\n", 0, exc.position) + 1 + line_offset if exc.position is not None else 1 + line_offset
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1 if exc.position is not None else 1
        raise ContentError(Finding(path, line, col, message=f"character U+{exc.character:04X} is not allowed in "
                                   "YAML; delete it", rule="yaml")) from None
    except YAMLError as exc:
        raise ContentError(Finding(path, 1 + line_offset, 1, message=f"YAML error: {exc}", rule="yaml")) from None
    except (ValueError, TypeError) as exc:  # e.g. a tag ruamel cannot construct
        raise ContentError(Finding(path, 1 + line_offset, 1, message=f"YAML error: {exc}", rule="yaml")) from None
    positions = Positions(start=(1 + line_offset, 1))
    return Document(_plain(node, (), positions, line_offset), positions, text, line_offset)


class _NeedsRoundTrip(Exception):
    """The fast parser met something it must not decide alone: let the full parser speak."""


class _FastLoader(pyyaml.CSafeLoader if hasattr(pyyaml, "CSafeLoader") else pyyaml.SafeLoader):
    """libyaml with YAML 1.2 core-schema scalars (no yes/no booleans, no sexagesimals, dates as text)."""

    yaml_implicit_resolvers: dict = {}


for _tag, _pattern, _first in (
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:int", r"^[-+]?[0-9]+$", "-+0123456789"),
    ("tag:yaml.org,2002:float", r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$", "-+.0123456789"),
    ("tag:yaml.org,2002:float", r"^(?:[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", "-+."),
):
    _FastLoader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))


def _fast_int(loader, node):
    text = loader.construct_scalar(node)
    digits = text.lstrip("+-")
    if len(digits) > 1 and digits.startswith("0") or len(digits) > MAX_DIGITS:
        raise _NeedsRoundTrip()  # an octal in YAML 1.1, or too long: the round-trip path decides and says where
    return int(text)


def _fast_float(loader, node):
    text = loader.construct_scalar(node)
    if not PLAIN_DECIMAL.match(text) or len(text) > MAX_DIGITS + 2:
        raise _NeedsRoundTrip()  # exponent, infinity, NaN or too many digits: refused with its place there
    return float(text)


def _fast_mapping(loader, node):
    loader.flatten_mapping(node)
    keys = [loader.construct_object(key, deep=True) for key, _ in node.value]
    if len(set(map(repr, keys))) != len(keys):
        raise _NeedsRoundTrip()  # duplicate key: the round-trip parser reports it with its place
    return loader.construct_mapping(node, deep=True)


def _refuse(loader, node):
    raise _NeedsRoundTrip()


_FastLoader.add_constructor("tag:yaml.org,2002:int", _fast_int)
_FastLoader.add_constructor("tag:yaml.org,2002:float", _fast_float)
_FastLoader.add_constructor("tag:yaml.org,2002:map", _fast_mapping)
_FastLoader.add_constructor("tag:yaml.org,2002:timestamp", _refuse)
_FastLoader.add_constructor("tag:yaml.org,2002:binary", _refuse)
_FastLoader.add_constructor("tag:yaml.org,2002:set", _refuse)
_FastLoader.add_constructor("tag:yaml.org,2002:omap", _refuse)
_FastLoader.add_constructor("tag:yaml.org,2002:pairs", _refuse)
_FastLoader.add_constructor(None, _refuse)


def _fast_load(text: str) -> Any:
    try:
        return pyyaml.load(text, Loader=_FastLoader)
    except _NeedsRoundTrip:
        raise
    except Exception:  # any syntax error: the round-trip parser gives the message and the place
        raise _NeedsRoundTrip() from None


def _plain_fast(node: Any, depth: int = 0) -> Any:
    if isinstance(node, dict):
        if depth >= MAX_DEPTH:
            raise _NeedsRoundTrip()  # too deep: refused with its place on the round-trip path
        return {str(k) if not isinstance(k, str) else k: _plain_fast(v, depth + 1) for k, v in node.items()}
    if isinstance(node, list):
        if depth >= MAX_DEPTH:
            raise _NeedsRoundTrip()
        return [_plain_fast(v, depth + 1) for v in node]
    if isinstance(node, float):
        return Decimal(repr(node))
    return node


def _duplicate_key_name(exc) -> str:
    problem = exc.problem or ""
    if 'found duplicate key "' in problem:
        return '"' + problem.split('found duplicate key "', 1)[1].split('"', 1)[0] + '"'
    return "a key"


@dataclass
class FrontMatterFile:
    """A Markdown file with YAML front matter."""

    meta: Document
    body: str
    body_line: int  # 1-based line where the body starts


def split_front_matter(text: str, path: str) -> FrontMatterFile:
    """Split `---` front matter from the Markdown body; both keep their line numbers."""
    try:
        front = front_matter(text, required=True)
    except FrontMatterError as exc:
        raise ContentError(Finding(path, exc.line, 1, message=str(exc), rule="yaml")) from None
    document = parse_yaml(front.yaml, path, line_offset=1)
    if document.data is None:
        document.data = {}
    return FrontMatterFile(document, front.body, front.body_line)
