"""Typed values: clause parameters and the template's key terms (`terms:`) — coerce a written
value, check its bounds; which terms a text reads."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from typing import Any, Callable, Iterator, Optional, Protocol

from .durations import parse_duration
from .bounds import bounded_decimal, sane_date


class Typed(Protocol):
    """What a value's type is declared with: a clause parameter or a key term (models.py, which
    imports this module to check a term's default where it is declared)."""

    type: str
    choices: Optional[list[str] | dict[str, Any]]  # a key term's: each key to its labels (or None)
    min: Any
    max: Any


def coerce_parameter(parameter: Typed, value: Any, language: str = "en") -> Any:
    """The value in its type, or ValueError saying what is expected (an enum's choices with
    their labels in `language`)."""
    kind = parameter.type
    if kind == "int":
        number = bounded_decimal(value) if not isinstance(value, (bool, str)) else None
        if number is None or number != number.to_integral_value():
            raise ValueError(f"expected a whole number, got {_shown(value)}")
        result: Any = int(number)
    elif kind in ("decimal", "money"):
        result = bounded_decimal(value)  # plain digits, finite, at most bounds.MAX_NUMBER
    elif kind == "date":
        if isinstance(value, dt.date):
            result = value
        else:
            try:
                result = dt.date.fromisoformat(str(value)[:40])
            except ValueError:
                raise ValueError(f"expected a date YYYY-MM-DD, got {_shown(value)}") from None
        result = sane_date(result)
    elif kind == "duration":
        result = parse_duration(value)
    elif kind == "enum":
        if str(value) not in (parameter.choices or []):
            raise ValueError(f"expected one of {_choices_shown(parameter, language)}, got {_shown(value)}"
                             + _label_given(parameter, value))
        result = str(value)
    elif kind == "text":
        if not isinstance(value, str):
            raise ValueError(f"expected text, got {_shown(value)}")
        result = value
    else:  # list
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"expected a list of texts, got {_shown(value)}")
        result = list(value)
    if kind in ("int", "decimal", "money"):
        if parameter.min is not None and result < parameter.min:
            raise ValueError(f"{result} is below the minimum {parameter.min}")
        if parameter.max is not None and result > parameter.max:
            raise ValueError(f"{result} is above the maximum {parameter.max}")
    return result


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


# ---------------------------------------------------------------- enum choices with labels


class Choice(str):
    """An enum key term's value: its key, which `==` compares and `{{ … }}` prints, carrying
    the choice's label in the agreement's language (`{{ terms.ip_model.label }}`)."""

    label: str

    def __new__(cls, key: str, label: str | None = None) -> "Choice":  # (copy and pickle pass the key only)
        choice = super().__new__(cls, key)
        choice.label = key if label is None else label
        return choice


def choice_keys(value: Any) -> Any:
    """A key term's `choices:` as a list of keys is its mapping without labels (models.KeyTerm):
    one shape for both forms, and a mistake in a label reported at the label's own line."""
    if isinstance(value, list):
        if not all(isinstance(key, str) for key in value):
            raise ValueError("choices: a list of texts, or a mapping of each key to its label per language "
                             "({assigned: {en: Assigned to the Client}})")
        return dict.fromkeys(value)
    return value


def every_label_or_none(choices: dict[str, Any]) -> None:
    unlabelled = [key for key, label in choices.items() if label is None]
    if unlabelled and len(unlabelled) < len(choices):
        raise ValueError(f"choice {unlabelled[0]!r} has no label: give every choice its label, or none "
                         "(a list of keys)")


def choice_label(parameter: Typed, key: str, language: str) -> str:
    """A choice's label in the language (else English, else its first); the key itself when
    the choices have no labels."""
    texts = parameter.choices.get(key) if isinstance(parameter.choices, dict) else None
    return key if texts is None else in_language(texts, language)


def has_labels(parameter: Typed) -> bool:
    return isinstance(parameter.choices, dict) and any(parameter.choices.values())


def in_language(texts: Any, language: str) -> str:
    """A Localized text in the language, else its English one, else its first."""
    languages = texts.languages()
    return texts[language if language in languages else "en" if "en" in languages else languages[0]]


def _choices_shown(parameter: Typed, language: str) -> str:
    """`assigned, licensed`, or with labels `assigned (Assigned to the Client), …`."""
    if not has_labels(parameter):
        return ", ".join(parameter.choices or [])
    return ", ".join(f"{key} ({choice_label(parameter, key, language)})" for key in parameter.choices)


def _label_given(parameter: Typed, value: Any) -> str:
    """A hint when the value is one choice's label (in any language) rather than its key."""
    for key, texts in (parameter.choices.items() if has_labels(parameter) else ()):
        if str(value).strip().casefold() in {texts[code].casefold() for code in texts.languages()}:
            return f" (that is the label of {key!r}: write its key)"
    return ""


# ---------------------------------------------------------------- key terms

# The agreement's own fields a misplaced `terms:` entry most likely meant (`term:` is the duration).
_DURATION_WORDS = {"start", "end", "duration", "renewal"}


def resolve_terms(template: str, declared: dict[str, Any], given: dict[str, Any],
                  problem: Callable[[tuple, str, str], None], language: str = "en") -> dict[str, Any]:
    """Each declared term's value: the agreement's, else the template's default, in its type.
    `problem(path, message, field)` reports at the agreement's line, with the term's help."""
    for name in given:
        if name not in declared:
            close = difflib.get_close_matches(str(name), list(declared), n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            if not close and name in _DURATION_WORDS:
                hint = f" (the contract's duration is `term: {{{name}: …}}`, without s)"
            listed = f"its terms: {', '.join(declared)}" if declared else "it declares none"
            problem(("terms", name), f"template {template!r} has no term {name!r}{hint}; {listed}", f"terms.{name}")
    values = {}
    for name, term in declared.items():
        value = given.get(name, term.default)
        if value is None:
            problem(("terms",) if given else ("template",), f"template {template!r} needs a value for term "
                    f"{name!r} ({term.label.en or name}): set `terms: {{{name}: …}}`{term_help(term, language)}",
                    f"terms.{name}")
            continue
        try:
            values[name] = coerce_parameter(term, value, language)
            if term.type == "enum":  # the key, with its label for the cover and `terms.x.label`
                values[name] = Choice(values[name], choice_label(term, values[name], language))
        except ValueError as exc:
            problem(("terms", name), f"term {name!r}: {exc}{term_help(term, language)}", f"terms.{name}")
    return values


def term_help(term: Any, language: str, lead: str = " — ") -> str:
    """A key term's `help:` in the language (else English, else its first), after `lead`; or ""."""
    texts = getattr(term, "help", None)
    if texts is None:
        return ""
    return lead + " ".join(in_language(texts, language).split())


# `terms.name` or `terms["name"]` inside `{{ … }}` or `{% … %}`: what a clause or template reads.
_JINJA_SPAN = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")
_TERM_USE = re.compile(r"\bterms\s*(?:\.\s*([A-Za-z_]\w*)|\[\s*[\"']([^\"']*)[\"']\s*\])")


def terms_read(source: str, first_line: int = 1) -> Iterator[tuple[str, int, int]]:
    """(term name, line, column) for each use of a key term in a Jinja text."""
    for lineno, line in enumerate(source.split("\n"), start=first_line):
        if "terms" not in line:
            continue
        for span in _JINJA_SPAN.finditer(line):
            for use in _TERM_USE.finditer(span.group(0)):
                yield use.group(1) or use.group(2), lineno, span.start() + use.start() + 1
