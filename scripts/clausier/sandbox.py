"""The sandbox clause texts and templates run in: Jinja's immutable sandboxed environment, the
`finalize` that turns every printed value into plain text, the filters, and values marked for
the handbook's highlighting.

Kept apart from assemble.py (which needs the repository and its models) so that a building
process can compile templates ahead in the same environment without loading the library.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jinja2 import BaseLoader, BytecodeCache, StrictUndefined, pass_context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from . import budget
from .blocklines import BlankLinesKept
from .durations import Duration
from .guards import BudgetedSandbox, guarded_filters, lipsum
from .markdown import Markdown, escape_text


@pass_context
def _finalize(context, value: Any) -> str:
    """Every `{{ value }}` goes through here: data becomes plain text, never markup."""
    language = context.get("lang", "fr")
    if isinstance(value, Highlighted):
        plain = _finalize_plain(value, language)
        shown = Markdown(f"=={plain}==")
    elif isinstance(value, Markdown):
        shown = value
    else:
        budget.text_of(value, "a printed value")
        shown = _finalize_plain(value, language)
    budget.printed(len(shown))
    return shown


def _formatting():
    """Babel, imported at the first value formatted: a building process that only
    compiles templates ahead (precompile.py) does not need them."""
    from . import formatting

    return formatting


def _finalize_plain(value: Any, language: str) -> str:
    if value is None:
        raise ValueError("a value printed here is empty (None); test it with {% if … %} first")
    if isinstance(value, bool):
        raise ValueError("a true/false value cannot be printed; use it in {% if … %}")
    if isinstance(value, (list, tuple, dict)):
        raise ValueError("a list or mapping cannot be printed directly; use |and_list or a {% for %} loop")
    if isinstance(value, dt.date):
        value = _formatting().long_date(value, language)
    elif isinstance(value, Duration):
        value = _formatting().duration(value, language)
    return escape_text(value)


def _currency(context, currency: str | None) -> str:
    if currency or context.get("fees"):
        return currency or context["fees"]["currency"]
    raise ValueError("this agreement has no fees: give the currency, e.g. |money(\"EUR\")")


@pass_context
def _money(context, value, currency=None, whole=False):
    return _formatting().money(value, _currency(context, currency), context["lang"], whole=whole)


@pass_context
def _words(context, value, currency=None):
    return _formatting().words(value, _currency(context, currency), context["lang"])


def _with_language(name: str):
    """The formatting function `name`, given the text's language."""
    @pass_context
    def apply(context, value):
        return getattr(_formatting(), name)(value, context["lang"])
    return apply


def _registration_number(kind: str):
    def apply(value):
        return _formatting().registration_number(value, kind)
    return apply


def make_environment(loader: BaseLoader | None = None, bytecode_cache: BytecodeCache | None = None,
                     ) -> ImmutableSandboxedEnvironment:
    """The one Jinja environment clause texts and templates run in. Every option here shapes the
    code Jinja compiles a text into, so templates compiled ahead (precompile.py) come from an
    environment made by this same function."""
    env = BudgetedSandbox(
        loader=loader,
        bytecode_cache=bytecode_cache,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        finalize=_finalize,
        # Jinja's optimiser folds constants at compile time: little to fold in clause texts, and
        # compiling is most of a worker's first agreement (about a sixth less without it).
        optimized=False,
        extensions=[BlankLinesKept],  # a tag ending a line of text keeps its line break (blocklines.py)
    )
    filters = dict(
        money=_money,
        words=_words,
        date=_with_language("long_date"),
        duration=_with_language("duration"),
        number=_with_language("number"),
        percent=_with_language("percent"),
        and_list=_with_language("and_list"),
        siren=_registration_number("siren"),
        siret=_registration_number("siret"),
        iban=_registration_number("iban"),
    )
    env.filters.update({name: _keeping_highlight(f) for name, f in filters.items()})
    env.filters = guarded_filters(env.filters)
    env.globals["lipsum"] = lipsum
    return env


def _keeping_highlight(function):
    """A filter applied to a highlighted parameter gives highlighted text."""
    if getattr(function, "jinja_pass_arg", None) is not None:
        @pass_context
        def wrapped(context, value, *args, **kwargs):
            result = function(context, value, *args, **kwargs)
            return _HStr(result) if isinstance(value, Highlighted) else result
    else:
        def wrapped(value, *args, **kwargs):
            result = function(value, *args, **kwargs)
            return _HStr(result) if isinstance(value, Highlighted) else result
    return wrapped


class KeyTerms(dict):
    """An agreement's key terms as its texts read them (`terms.<name>`): a name its template does
    not declare is an error that says so, not an undefined value."""

    def __missing__(self, name):
        from jinja2.exceptions import UndefinedError

        raise UndefinedError(f"terms.{name} is not a key term of this agreement's template (`terms:` in its "
                             f"front matter); its terms: {', '.join(self) or 'none'}")


# ---------------------------------------------------------------- highlighted parameters


class Highlighted:
    """A parameter value the handbook wants to see marked in the text."""


class _HStr(Highlighted, str):
    pass


class _HInt(Highlighted, int):
    pass


class _HDecimal(Highlighted, Decimal):
    pass


class _HDate(Highlighted, dt.date):
    pass


@dataclass(frozen=True, order=True)
class _HDuration(Highlighted, Duration):
    pass


def highlighted(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return _HInt(value)
    if isinstance(value, Decimal):
        return _HDecimal(value)
    if isinstance(value, dt.date):
        return _HDate(value.year, value.month, value.day)
    if isinstance(value, Duration):
        return _HDuration(value.amount, value.unit)
    if isinstance(value, str):
        marked = _HStr(value)
        if hasattr(value, "label"):  # an enum key term's choice (parameters.Choice): terms.x.label
            marked.label = _HStr(value.label)
        return marked
    if isinstance(value, list):
        return [highlighted(v) for v in value]
    return value
