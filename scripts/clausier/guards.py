"""The guards that keep every rendering within its budget (budget.py): a sandbox whose operators,
calls, formats and joins foresee the size of what they make, filters that do the same, and a
rewrite of each parsed template so that loops count their iterations.

Kept apart from sandbox.py (which makes the environment and its filters): this module only bounds.
"""

from __future__ import annotations

import re
from functools import update_wrapper, wraps
from typing import Any

from jinja2 import TemplateSyntaxError, nodes
from jinja2.parser import Parser
from jinja2.runtime import LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEscapeFormatter, SandboxedFormatter
from jinja2.utils import generate_lorem_ipsum
from jinja2.visitor import NodeTransformer
from markupsafe import Markup

from . import budget


class _Budgeted(NodeTransformer):
    """Rewrites a parsed template so that every loop counts its iterations (`_steps`) and every
    `~` joins within the budget (`_concat`). Templates compiled ahead are parsed the same way."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        node = self.generic_visit(node)
        node.iter = nodes.Filter(node.iter, "_steps", [], [], None, None, lineno=node.iter.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        node = self.generic_visit(node)
        items = nodes.List(node.nodes, lineno=node.lineno)
        return nodes.Filter(items, "_concat", [], [], None, None, lineno=node.lineno)


class BudgetedSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with every operator, call and join that can make a large value
    checked against the budget before it is made."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})
    concat = staticmethod(budget.concat)

    def _parse(self, source, name, filename):
        parser = Parser(self, source, name, filename)  # as Environment._parse, keeping the parser for its line
        try:
            tree = parser.parse()
        except RecursionError:
            raise TemplateSyntaxError("expressions nested too deeply", parser.stream.current.lineno, name,
                                      filename) from None
        return _Budgeted().visit(tree)

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        _check_binop(operator, left, right)
        return budget.checked(super().call_binop(context, operator, left, right))

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - Jinja's own signature
        budget.step()
        for value in (*args, *kwargs.values()):
            if type(value) is not str:  # the common case, checked inline: this runs at every call
                budget.text_of(value, "an argument")
        if isinstance(__obj, LoopContext) and args:  # a recursive loop's next level counts its items too
            args = (budget.counted(args[0]), *args[1:])
        owner, name = getattr(__obj, "__self__", None), getattr(__obj, "__name__", "")
        if isinstance(owner, (str, bytes, bytearray)) and name in _TEXT_METHODS:
            args = _TEXT_METHODS[name](owner, args, kwargs)
        elif isinstance(owner, int) and name == "to_bytes":
            budget.length(_int(_arg(args, kwargs, 0, "length", 1)), "bytes")
        return budget.checked(super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value: Any):
        """As Jinja's, with a formatter that bounds widths and the text it makes."""
        if getattr(value, "__name__", None) not in ("format", "format_map") or \
                not isinstance(getattr(value, "__self__", None), str):
            return None
        text = value.__self__
        formatter = _EscapeFormatter(self, escape=text.escape) if isinstance(text, Markup) else _Formatter(self)
        is_map = value.__name__ == "format_map"

        def wrapper(*args: Any, **kwargs: Any) -> str:
            if is_map:
                if kwargs or len(args) != 1:
                    raise TypeError("format_map() takes exactly one argument")
                args, kwargs = (), args[0]
            return type(text)(formatter.vformat(text, args, kwargs))
        return update_wrapper(wrapper, value)


class _BoundedFormat:
    made = 0

    def format_field(self, value: Any, format_spec: str) -> Any:
        _check_spec(format_spec)
        budget.text_of(value, "a formatted value")
        result = super().format_field(value, format_spec)
        self.made += len(result)
        budget.length(self.made, "a formatted text")
        return result


class _Formatter(_BoundedFormat, SandboxedFormatter):
    pass


class _EscapeFormatter(_BoundedFormat, SandboxedEscapeFormatter):
    pass


_NUMBERS = re.compile(r"\d+")
_PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?([a-zA-Z%])")


def _check_spec(spec: str) -> None:
    for digits in _NUMBERS.findall(spec or ""):
        budget.width(int(digits) if len(digits) < 10 else budget.MAX_WIDTH + 1)


def _check_percent(text: str, values: Any) -> None:
    """`text % values`: widths bounded, and the text it can make."""
    if isinstance(values, dict):
        items = list(values.values())
    else:
        items = list(values) if isinstance(values, tuple) else [values]
    largest = max((budget.weight(v) for v in items), default=0)
    size = len(text)
    for match in _PERCENT.finditer(text):
        if match.group(3) == "%":
            continue
        for number in match.group(1, 2):
            if number == "*":
                for value in items:
                    budget.width(value)
            elif number:
                _check_spec(number)
        padding = match.group(1) or ""
        size += largest + (int(padding) if padding.isdigit() else 0)
        budget.length(size, "a formatted text")


def _check_binop(operator: str, left: Any, right: Any) -> None:
    sized = (str, bytes, list, tuple)
    if operator == "*":
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, sized) and isinstance(times, int):
                budget.length(len(seq) * max(times, 0))
                return
        if isinstance(left, int) and isinstance(right, int):
            budget.integer(left.bit_length() + right.bit_length())
    elif operator == "**":
        if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
            budget.integer(left.bit_length() * right)
    elif operator == "+":
        if isinstance(left, sized) and isinstance(right, sized):
            budget.length(len(left) + len(right))
    elif operator == "%" and isinstance(left, str):
        _check_percent(left, right)


def _arg(args: tuple, kwargs: dict, index: int, name: str, default: Any = None) -> Any:
    return args[index] if len(args) > index else kwargs.get(name, default)


def _int(value: Any) -> int:
    return value if isinstance(value, int) else 0


def _replaced_size(text: Any, old: Any, new: Any, count: Any) -> int:
    text, old, new = str(text), str(old), str(new)
    found = len(text) + 1 if not old else text.count(old)
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    return len(text) + found * len(new)


def _joined(separator: Any, items: list) -> None:
    size = sum(budget.weight(item) for item in items) + len(str(separator)) * max(len(items) - 1, 0)
    budget.length(size, "a joined text")


def _method_join(text, args, kwargs):
    items = list(budget.counted(args[0])) if args else []
    _joined(text, items)
    return (items, *args[1:])


def _method_width(text, args, kwargs):
    budget.length(_int(_arg(args, kwargs, 0, "width", 0)))
    return args


def _method_replace(text, args, kwargs):
    budget.length(_replaced_size(text, _arg(args, kwargs, 0, "old", ""), _arg(args, kwargs, 1, "new", ""),
                                 _arg(args, kwargs, 2, "count", -1)))
    return args


def _method_expandtabs(text, args, kwargs):
    budget.length(len(text) + text.count("\t" if isinstance(text, str) else b"\t")
                  * _int(_arg(args, kwargs, 0, "tabsize", 8)))
    return args


def _method_translate(text, args, kwargs):
    table = _arg(args, kwargs, 0, "table")
    longest = max((len(v) for v in table.values() if isinstance(v, (str, bytes))), default=1) \
        if isinstance(table, dict) else 1
    budget.length(len(text) * longest)
    return args


_TEXT_METHODS = {"join": _method_join, "replace": _method_replace, "expandtabs": _method_expandtabs,
                 "translate": _method_translate, **dict.fromkeys(("center", "ljust", "rjust", "zfill"), _method_width)}


def _filter_join(value, *args, **kwargs):
    items = list(budget.counted(value))
    _joined(_arg(args, kwargs, 0, "d", ""), items)
    return (items, *args), kwargs


def _filter_replace(value, *args, **kwargs):
    budget.length(_replaced_size(value, _arg(args, kwargs, 0, "old", ""), _arg(args, kwargs, 1, "new", ""),
                                 _arg(args, kwargs, 2, "count")))
    return (value, *args), kwargs


def _filter_center(value, *args, **kwargs):
    budget.length(_int(_arg(args, kwargs, 0, "width", 80)))
    return (value, *args), kwargs


def _filter_indent(value, *args, **kwargs):
    indent = _arg(args, kwargs, 0, "width", 4)
    each = len(indent) if isinstance(indent, str) else _int(indent)
    budget.length(len(str(value)) + (str(value).count("\n") + 1) * each)
    return (value, *args), kwargs


def _filter_wordwrap(value, *args, **kwargs):
    wrap = _arg(args, kwargs, 2, "wrapstring") or "\n"
    lines = len(str(value)) // max(_int(_arg(args, kwargs, 0, "width", 79)), 1) + 1
    budget.length(len(str(value)) + lines * len(str(wrap)))
    return (value, *args), kwargs


def _filter_format(value, *args, **kwargs):
    _check_percent(str(value), kwargs or args)
    return (value, *args), kwargs


def _filter_count(index: int, name: str):
    def check(value, *args, **kwargs):
        budget.length(_int(_arg(args, kwargs, index, name, 0)))
        return (value, *args), kwargs
    return check


def _filter_sum(value, *args, **kwargs):
    if isinstance(_arg(args, kwargs, 1, "start", 0), (str, bytes, list, tuple)):
        items = list(budget.counted(value))
        budget.length(sum(budget.weight(item) for item in items), "a sum")
        value = items
    return (value, *args), kwargs


_FILTER_CHECKS = {"join": _filter_join, "replace": _filter_replace, "center": _filter_center,
                  "indent": _filter_indent, "wordwrap": _filter_wordwrap, "format": _filter_format,
                  "batch": _filter_count(0, "linecount"), "slice": _filter_count(0, "slices"), "sum": _filter_sum}


def guarded_filters(filters: dict) -> dict:
    """Every filter guarded, and the two the rewritten templates use (`_steps`, `_concat`)."""
    guarded = {name: _guarded_filter(name, function) for name, function in filters.items()}
    return {**guarded, "_steps": budget.counted, "_concat": _bounded_join}


def _guarded_filter(name: str, function):
    """A filter that takes a step, refuses values too large to become text, foresees what it
    makes where it can (_FILTER_CHECKS), and checks the size of what it made."""
    passes = getattr(function, "jinja_pass_arg", None) is not None
    before = _FILTER_CHECKS.get(name)

    @wraps(function)
    def guarded(*args, **kwargs):
        budget.step()
        head, (value, *rest) = (args[:1], args[1:]) if passes else ((), args)
        for item in (value, *rest, *kwargs.values()):
            budget.text_of(item, "a filter's value")
        if before is not None:
            (value, *rest), kwargs = before(value, *rest, **kwargs)
        return budget.checked(function(*head, value, *rest, **kwargs))
    return guarded


def _bounded_join(items: list) -> str:
    budget.length(sum(budget.weight(item) for item in items), "a text joined with ~")
    return "".join(map(str, items))


def lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:  # noqa: A002 - Jinja's names
    budget.length(_int(n) * _int(max) * 12, "placeholder text")
    return generate_lorem_ipsum(n, html, min, max)
