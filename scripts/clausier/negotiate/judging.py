"""The playbook's decision on each mapped change, and the values read from the returned words.

A parameter inside its `standard:` range is standard; inside `min`/`max` but outside the
standard it needs an approval (`approvals: {parameter: clause.name, …}`, as `check` asks); outside
`min`/`max`, or words that do not read as its type, it is refused. A variant needs the approval
role its clause.yml names (and clausier.yml's `playbook.approvers` says who holds it). A field of
the agreement is the deal itself: valid, it needs the agreement's owner's approval; invalid, it is
refused. Free text goes to a lawyer; the signature block is never changed by the other side.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, Optional

from .changes import Change, Meaning


@dataclass(frozen=True)
class Settings:
    language: str
    playbook: Any  # settings.Playbook
    agreement: Any  # repository.AgreementFile

    @classmethod
    def of(cls, repo, agreement, language: str) -> "Settings":
        from ..settings import Playbook

        config = repo.config
        return cls(language, config.playbook if config is not None else Playbook(), agreement)


# ---------------------------------------------------------------- words → values


def parse(kind: str, text: str, language: str, choices: Any = None) -> Any:
    """A value of type `kind` from the words of a returned text, in the agreement's language:
    « 45 jours », "forty-five days", « 12 000,00 € », "1 December 2026", « 1er décembre 2026 »."""
    text = " ".join(text.split())
    if kind == "int":
        number = _number(text, language)
        if number != number.to_integral_value():
            raise ValueError(f"{text!r} is not a whole number")
        return int(number)
    if kind in ("decimal", "money"):
        return _number(text, language)
    if kind == "duration":
        from ..durations import parse_duration

        match = re.fullmatch(r"(.+?)\s*(\S+)", text)
        if match is None:
            raise ValueError(f"{text!r} is not a duration")
        return parse_duration(f"{_number(match.group(1), language)} {match.group(2)}")
    if kind == "date":
        return _date(text, language)
    if kind == "enum":
        keys = list(choices or [])
        found = [key for key in keys if key.casefold() == text.casefold()]
        if not found:
            raise ValueError(f"{text!r} is not one of {', '.join(keys)}")
        return found[0]
    if kind == "list":
        return [item.strip() for item in re.split(r",\s*|\s+(?:and|et|und|y)\s+", text) if item.strip()]
    return text


def _number(text: str, language: str) -> Decimal:
    """A number in figures (« 12 000,50 € », "€12,000.50", "30 %"), in words (« quarante-cinq »),
    or both ("45 (forty-five)")."""
    bare = " ".join(text.split()).casefold()
    both = re.fullmatch(r"(.+?)\s*\((.+)\)", bare)
    if both:
        for part in both.groups():
            try:
                return _number(part, language)
            except ValueError:
                pass
    words = _number_words(language)
    if bare in words:
        return Decimal(words[bare])
    figures = "".join(c for c in text if not (unicodedata.category(c) == "Sc" or c.isspace() or c == "%"))
    figures = re.sub(r"^[A-Z]{3}|[A-Z]{3}$", "", figures)  # an ISO code: "EUR 1,000"
    if not re.fullmatch(r"\d[\d.,]*", figures) or len(figures) > 24:
        raise ValueError(f"{text!r} is not a number")
    if language == "fr" or (language != "en" and "," in figures and "." not in figures):
        figures = figures.replace(".", "").replace(",", ".") if "," in figures else figures
    else:
        figures = figures.replace(",", "")
    try:
        return Decimal(figures.rstrip("."))
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None


@lru_cache(maxsize=4)
def _number_words(language: str) -> dict[str, int]:
    """Numbers written in words, up to a thousand (« quarante-cinq », "forty-five")."""
    from ..words import LANGUAGES, _spell

    if language not in LANGUAGES:
        return {}
    spelled = {}
    for n in range(1001):
        words = _spell(n, language).casefold()
        spelled[words] = n
        spelled[words.replace("-", " ")] = n
    if language == "fr":
        spelled["une"] = 1
    return spelled


def _date(text: str, language: str) -> dt.date:
    from ..bounds import sane_date

    text = text.strip().rstrip(".")
    try:
        return sane_date(dt.date.fromisoformat(text))
    except ValueError:
        pass
    numeric = re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})", text)
    months = _months(language)
    named = re.fullmatch(r"(\d{1,2})(?:er|st|nd|rd|th)?\s+([^\W\d]+)\.?,?\s+(\d{4})", text, re.IGNORECASE)
    english = re.fullmatch(r"([^\W\d]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", text, re.IGNORECASE)
    try:
        if numeric:
            day, month = int(numeric.group(1)), int(numeric.group(2))
            if language.startswith("en") and language != "en":  # en-US writes the month first
                day, month = month, day
            return sane_date(dt.date(int(numeric.group(3)), month, day))
        if named and named.group(2).casefold() in months:
            return sane_date(dt.date(int(named.group(3)), months[named.group(2).casefold()], int(named.group(1))))
        if english and english.group(1).casefold() in months:
            return sane_date(dt.date(int(english.group(3)), months[english.group(1).casefold()], int(english.group(2))))
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a date ({exc})") from None
    raise ValueError(f"{text!r} is not a date")


@lru_cache(maxsize=4)
def _months(language: str) -> dict[str, int]:
    from babel import Locale

    from ..currencies import LOCALES

    locale = Locale.parse(LOCALES[language])
    names = {}
    for width in ("wide", "abbreviated"):
        for number, name in locale.months["format"][width].items():
            names[name.casefold().rstrip(".")] = number
    return names


# ---------------------------------------------------------------- decisions


def value(change: Change, settings: Settings, clause: Optional[str], target, old_text: str, new_text: str) -> Meaning:
    """A parameter or a field, from the words the client put in its place."""
    typed = target.typed
    kind = typed.type if typed is not None else _kind(target.value)
    base = dict(change=change, kind=target.kind, clause=clause, target=target.name, old_value=target.value)
    try:
        new = parse(kind, new_text, settings.language, getattr(typed, "choices", None))
    except ValueError as exc:
        return Meaning(**base, new_value=new_text, decision="refused",
                       reason=f"«{new_text}» does not read as a {_KINDS.get(kind, kind)} for {target.name}: {exc}")
    if isinstance(new, Decimal):  # 11000 rather than 11000.00, as the agreement would write it
        new = new.quantize(Decimal(1)) if new == new.to_integral_value() else new.normalize()
    if new == target.value:
        return Meaning(**base, new_value=new, decision="standard",
                       reason=f"{target.name}: the same value ({new}), written differently")
    if target.kind == "parameter":
        return _parameter(base, settings, typed, target, new)
    return _field(base, settings, target, new)


_KINDS = {"int": "whole number", "decimal": "number", "money": "amount", "duration": "duration", "date": "date",
          "enum": "choice", "text": "text", "list": "list"}


def _kind(current: Any) -> str:
    from ..durations import Duration

    if isinstance(current, Duration):
        return "duration"
    if isinstance(current, dt.date):
        return "date"
    if isinstance(current, int):
        return "int"
    if isinstance(current, Decimal):
        return "decimal"
    return "text"


def _parameter(base: dict, settings: Settings, parameter, target, new: Any) -> Meaning:
    from ..lint.rules.playbook import outside_standard
    from ..parameters import coerce_parameter

    try:
        new = coerce_parameter(parameter, new, settings.language)
    except ValueError as exc:
        allowed = _allowed(parameter)
        return Meaning(**base, new_value=new, decision="refused",
                       reason=f"{target.name} = {new}: {exc}{f' (allowed: {allowed})' if allowed else ''}")
    how = outside_standard(parameter, new)
    if how is not None and settings.playbook.parameters:
        return Meaning(**base, new_value=new, decision="needs-approval", applicable=True,
                       reason=f"{target.name} {target.value} → {new} is {how}: it needs an approval, "
                              f"`approvals: {{parameter: {target.name}, by: …, on: …}}`")
    where = "within the standard" if parameter.standard is not None else "within the allowed range"
    return Meaning(**base, new_value=new, decision="standard", applicable=True,
                   reason=f"{target.name} {target.value} → {new}: {where}")


def _allowed(parameter) -> str:
    bounds = [f"min {parameter.min}" if parameter.min is not None else "",
              f"max {parameter.max}" if parameter.max is not None else ""]
    return ", ".join(b for b in bounds if b)


def _field(base: dict, settings: Settings, target, new: Any) -> Meaning:
    problem = _field_problem(settings, target, new)
    if problem:
        return Meaning(**base, new_value=new, decision="refused", reason=f"{target.name} = {new}: {problem}")
    return Meaning(**base, new_value=new, decision="needs-approval", applicable=True,
                   reason=f"{target.name} {target.value} → {new}: a term of the deal, which whoever owns the "
                          "agreement accepts or not")


def _field_problem(settings: Settings, target, new: Any) -> Optional[str]:
    """Why the agreement would not be valid with this value, or None."""
    from pydantic import ValidationError

    from ..models import Agreement
    from ..parameters import coerce_parameter

    if target.typed is not None:  # a key term: its own type and bounds
        try:
            coerce_parameter(target.typed, new, settings.language)
        except ValueError as exc:
            return str(exc)
        return None
    data = settings.agreement.model.model_dump(mode="json")
    place = data
    for key in target.path[:-1]:
        place = place[key]
    place[target.path[-1]] = new
    try:
        Agreement.model_validate(data)
    except ValidationError as exc:
        return "; ".join(error["msg"] for error in exc.errors()[:2])
    return None


def variant(change: Change, settings: Settings, clause, name: str, similarity: float) -> Meaning:
    """The article as returned is (closest to) one of the clause's variants."""
    from ..lint.rules.playbook import people_for

    how = "is" if similarity >= 0.999 else f"is closest to (similarity {similarity:.2f})"
    base = dict(change=change, kind="variant", clause=clause.id, target=f"{clause.id}:{name}",
                old_value=settings.agreement.model.clauses.variants.get(clause.id, "standard"), new_value=name,
                applicable=True)
    if name == "standard":
        return Meaning(**base, decision="standard", reason=f"the returned {clause.id} {how} the standard text")
    role = clause.meta.variants[name].approval
    label = clause.meta.variants[name].label
    people = people_for(settings.playbook.approvers, role)
    who = f"{role} ({', '.join(people)})" if people else role
    if not settings.playbook.variants:
        return Meaning(**base, decision="standard", reason=f"the returned {clause.id} {how} variant {name}; "
                       "the playbook does not ask variants for approval")
    label_text = label[settings.language] if settings.language in label.languages() else name
    return Meaning(**base, decision="needs-approval", approvers=(role,),
                   reason=f"the returned {clause.id} {how} variant {name} ({label_text}): it needs the approval "
                          f"of {who}, `approvals: {{variant: {clause.id}/{name}, by: …, on: …}}`")


def free_text(change: Change, clause: Optional[str], why: str = "") -> Meaning:
    where = f"clause {clause}" if clause else "the text before the first article"
    return Meaning(change=change, kind="free-text", decision="legal-review", clause=clause,
                   old_value=change.old_text, new_value=change.new_text,
                   reason=why or f"new or rewritten wording in {where}: a lawyer reviews it")


def structure(change: Change, clause: Optional[str], why: str) -> Meaning:
    return Meaning(change=change, kind="structure", decision="not-applicable", clause=clause,
                   old_value=change.old_text, new_value=change.new_text, reason=f"{why}; listed, never applied")


def signature_block(change: Change, clause: Optional[str]) -> Meaning:
    return Meaning(change=change, kind="structure", decision="refused", clause=clause,
                   old_value=change.old_text, new_value=change.new_text,
                   reason="inside the signature block, which the parties sign as built: never changed by the "
                          "other side's edits")
