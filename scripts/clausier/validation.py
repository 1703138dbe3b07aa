"""Validate plain YAML data against a model; every error becomes a positioned finding."""

from __future__ import annotations

import difflib
import re
import typing
from typing import Any, Sequence, TypeVar

from pydantic import BaseModel, ValidationError

from .errors import Finding
from .yamlio import Document

M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], document: Document, path: str) -> tuple[M | None, list[Finding]]:
    """The model instance, or None and every problem found (never only the first)."""
    data = document.data
    if not isinstance(data, dict):
        line, col = document.positions.start
        kind = "empty" if data is None else type(data).__name__
        return None, [Finding(path, line, col, message=f"expected a mapping of keys, found {kind}")]
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, [_finding(model, error, document, path) for error in exc.errors()]


def _finding(model: type[BaseModel], error: dict[str, Any], document: Document, path: str) -> Finding:
    loc = tuple(part for part in error["loc"] if _is_data_key(part, document, error["loc"]))
    dotted = ".".join(str(part) for part in loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        key = loc[-1] if loc else "?"
        allowed = _allowed_keys(model, loc[:-1])
        hint = difflib.get_close_matches(str(key), allowed, n=1)
        message = f"unknown key '{key}'"
        message += f": did you mean '{hint[0]}'?" if hint else (f"; allowed: {', '.join(allowed)}" if allowed else "")
        line, col = document.positions.of(loc, prefer_key=True)
    elif kind == "missing":
        message = f"missing required field '{loc[-1]}'" if loc else "missing required field"
        line, col = document.positions.of(loc[:-1], prefer_key=True) if loc[:-1] else document.positions.start
    elif kind.startswith("date_") and not isinstance(error.get("input"), (dict, list)):
        message = _date_message(error)
        line, col = document.positions.of(loc)
    else:
        message = error["msg"].removeprefix("Value error, ")
        if "input" in error and kind not in ("value_error",) and not isinstance(error["input"], (dict, list)):
            message += f" (got {_shown(error['input'])})"
        line, col = document.positions.of(loc)
    return Finding(path, line, col, message=message, field=dotted)


_DAY_FIRST = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")
_ISO_SHAPE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}\s*$")
_MONTHS = ("January February March April May June July August September October November December").split()


def _date_message(error: dict[str, Any]) -> str:
    """A date pydantic could not read, with what to write instead: YYYY-MM-DD, and the
    translation of a day-first date (01/12/2026 → 2026-12-01) when it is one."""
    value = error.get("input")
    shown = _shown(value)
    if isinstance(value, str) and _ISO_SHAPE.match(value):
        year, month, day = (int(part) for part in value.strip().split("-"))
        if not 1 <= month <= 12:
            reason = f"there is no month {month}; the month comes second"
        else:
            reason = f"{_MONTHS[month - 1]} {year} has no day {day}"
        return f"{shown} is not a date ({reason}): write an existing date as YYYY-MM-DD, e.g. 2026-12-01"
    day_first = _DAY_FIRST.match(value) if isinstance(value, str) else None
    if day_first:
        day, month, year = (int(g) for g in day_first.groups())
        if 1 <= month <= 12 and 1 <= day <= 31:
            return (f"{shown} is not in the form YYYY-MM-DD: write {year:04d}-{month:02d}-{day:02d} "
                    f"if you mean {day} {_MONTHS[month - 1]} {year}")
    return f"{shown} is not a date: write it as YYYY-MM-DD (year, month, day), e.g. 2026-12-01"


def _is_data_key(part: Any, document: Document, loc: tuple) -> bool:
    """Pydantic adds union branch names and '[key]' to locations; keep only real data keys."""
    if isinstance(part, int):
        return True
    return not (part.startswith("[") or part in ("str", "ClauseSlot", "function-after", "function-before"))


def _allowed_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """Field names of the model found by walking a data path (best effort)."""
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(part, int) or current is None:
            continue
        if isinstance(current, type) and issubclass(current, BaseModel):
            info = current.model_fields.get(str(part))
            current = info.annotation if info else None
        else:
            current = None
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return sorted(current.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    """Optional[X], list[X], Annotated[X, …] → X (the first model inside)."""
    for _ in range(5):
        origin = typing.get_origin(annotation)
        if origin is None:
            return annotation
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        annotation = models[0] if models else (args[0] if args else None)
    return annotation


def _shown(value: Any) -> str:
    """A value as the message shows it: its repr, cut short (a value may be a megabyte of text)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def cannot_omit_unknown(clause_id: str, template: str, slots: list) -> str:
    """The message for `omit` of a clause the template does not have: the closest id, and only
    the clauses that can be omitted (listing required ones would invite the next error)."""
    optional = [s.id for s in slots if s.optional]
    close = difflib.get_close_matches(clause_id, optional, n=1, cutoff=0.6) or \
        difflib.get_close_matches(clause_id, [s.id for s in slots], n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    listed = f"optional clauses: {', '.join(optional)}" if optional else "it has no optional clause"
    return f"cannot omit '{clause_id}': template '{template}' has no such clause{hint}; {listed}"


def localized_findings(instance: BaseModel, document: Document, path: str, languages: Sequence[str],
                       where: tuple = ()) -> list[Finding]:
    """Each text given per language (title, description, labels) in `instance` has one entry for
    each of `languages` and no other: the library's languages, or the template's."""
    from .models import Localized

    findings: list[Finding] = []
    items = (instance.__dict__.items() if isinstance(instance, BaseModel) else
             instance.items() if isinstance(instance, dict) else
             enumerate(instance) if isinstance(instance, (list, tuple)) else ())
    for key, value in items:
        loc = (*where, key)
        if isinstance(value, Localized):
            given = value.languages()
            for language in languages:
                if language not in given:
                    line, col = document.positions.of(loc, prefer_key=True)
                    findings.append(Finding(path, line, col, field=".".join(map(str, loc)), message=(
                        f"no {language!r} text: give one per language ({', '.join(languages)})")))
            for language in given:
                if language not in languages:
                    line, col = document.positions.of((*loc, language), prefer_key=True)
                    findings.append(Finding(path, line, col, field=".".join(map(str, (*loc, language))), message=(
                        f"{language!r} is not one of the languages here: {', '.join(languages)}")))
        elif isinstance(value, (BaseModel, dict, list, tuple)):
            findings += localized_findings(value, document, path, languages, loc)
    return findings
