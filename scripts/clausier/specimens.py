"""Specimen agreements: sample data (never client data) that shows a template or clause.

The handbook renders its clause pages and specimen files from these, and `check` renders
every clause from the same ones (rendered_library.py): what the handbook shows, `check` has
rendered first. A specimen client is a business or a consumer (`CLIENT_KINDS`): clause text
may differ between them (`{% if client.kind == "consumer" %}`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Sequence

from .models import Agreement, Parameter
from .parts import annex_articles, cover_clauses
from .repository import AgreementFile, Repository
from .yamlio import Positions

SPECIMEN_DATE = dt.date(2027, 1, 4)
CLIENT_KINDS = ("business", "consumer")

_SAMPLE: dict[str, dict[str, Any]] = {
    "fr": {
        "client": {
            "name": "Société Exemple SAS",
            "form": "SAS",
            "registration": {"siren": "904123650", "rcs": "Paris", "vat": "FR23904123650"},
            "address": "10 avenue de l'Exemple, 75011 Paris",
            "representative": {"name": "Camille Exemple", "title": "Présidente"},
            "email": "juridique@societe-exemple.example",
        },
        "consumer": {
            "name": "Dominique Exemple",
            "address": "3 rue de l'Exemple, 69003 Lyon",
            "email": "dominique@particulier.example",
            "kind": "consumer",
        },
        "services": {
            "description": "prestations décrites dans le présent spécimen",
            "tasks": ["analyse des besoins du Client", "réalisation des travaux convenus"],
            "deliverables": ["un rapport de synthèse", "les fichiers sources des travaux"],
            "exclusions": ["hébergement et maintenance"],
            "client_provides": ["documents et accès nécessaires"],
        },
        "schedule": [{"when": "à la signature", "percent": 30}, {"when": "à la livraison", "percent": 70}],
        "place": "Paris",
        "body": "Le présent document est un spécimen : il ne lie aucune partie.",
    },
    "en": {
        "client": {
            "name": "Example Company Ltd",
            "form": "private limited company",
            "registration": {"company_number": "01234567"},
            "address": "10 Example Street, London EC1A 1AA, United Kingdom",
            "representative": {"name": "Sam Example", "title": "Director"},
            "email": "legal@example-company.example",
        },
        "consumer": {
            "name": "Alex Example",
            "address": "3 Example Road, Leeds LS1 1AA, United Kingdom",
            "email": "alex@household.example",
            "kind": "consumer",
        },
        "services": {
            "description": "services described in this specimen",
            "tasks": ["analysis of the Client's needs", "performance of the agreed work"],
            "deliverables": ["a summary report", "the source files of the work"],
            "exclusions": ["hosting and maintenance"],
            "client_provides": ["the documents and access needed"],
        },
        "schedule": [{"when": "on signature", "percent": 30}, {"when": "on delivery", "percent": 70}],
        "place": "London",
        "body": "This document is a specimen: it binds no one.",
    },
}


def sample_value(parameter: Parameter, language: str, languages: Sequence[str] = ()) -> Any:
    """A plausible value for a parameter that has no default. A text's value is its label in
    `language`, else in the first of `languages` (its template's) that has one: a template
    written in one language of a bilingual library labels its key terms in that one only."""
    kind = parameter.type
    if kind == "int":
        return int(parameter.min) if parameter.min is not None else 1
    if kind in ("decimal", "money"):
        return parameter.min if parameter.min is not None else Decimal(1)
    if kind == "date":
        return SPECIMEN_DATE.isoformat()
    if kind == "duration":
        return "1 month"
    if kind == "enum":
        return next(iter(parameter.choices or [""]))  # (a key term's choices may map keys to labels)
    label = next((parameter.label[code] for code in (language, *languages, *parameter.label.languages())
                  if code in parameter.label.languages()), "")
    return [label] if kind == "list" else label


def specimen_terms(repo: Repository, language: str) -> dict[str, Any]:
    """Every template's key terms with their default or a sample value: the handbook renders each
    clause in one specimen agreement, whichever template declares the terms it reads."""
    from .parameters import coerce_parameter

    values: dict[str, Any] = {}
    for name in usable_templates(repo):
        for term_name, term in repo.templates[name].meta.terms.items():
            languages = repo.templates[name].meta.languages or ()
            value = term.default if term.default is not None else sample_value(term, language, languages)
            values.setdefault(term_name, coerce_parameter(term, value))
    return values


def usable_templates(repo: Repository) -> list[str]:
    """The templates whose front matter loaded, by name."""
    return [n for n, t in sorted(repo.templates.items()) if t.meta is not None]


def placed_clauses(meta) -> set[str]:
    """The ids a template places, in any part: its articles (special-conditions too), preamble,
    closing, cover and annex clauses."""
    return {s.id for s in meta.slots()} | {*meta.preamble, *meta.closing, *cover_clauses(meta)} | {
        c for c, _ in annex_articles(meta)}


def specimen_agreement(repo: Repository, template: str, language: str, extra: list[str] = (),
                       kind: str = "business") -> AgreementFile:
    """A complete, valid agreement of `template` built from sample data, with `extra` clauses
    added, for a business client or (`kind="consumer"`) a consumer."""
    sample = _SAMPLE.get(language, _SAMPLE["en"])  # a language a library adds: the English sample data
    meta = repo.templates[template].meta
    annexes = meta.annexes.parts if meta.annexes else ()  # document parts (parts.py): their clauses and texts
    in_template = placed_clauses(meta)
    add = sorted(set(extra) - in_template)
    parameters: dict[str, dict[str, Any]] = {}
    for cid in sorted((in_template | set(add)) & set(repo.clauses)):
        missing = {name: sample_value(p, language) for name, p in repo.clauses[cid].meta.parameters.items()
                   if p.default is None}
        if missing:
            parameters[cid] = missing
    data = {
        "template": template,
        "language": language,
        "status": "draft",
        "reference": "SPECIMEN",
        "client": sample["consumer" if kind == "consumer" else "client"],
        "effective_date": SPECIMEN_DATE,
        "term": {"duration": "12 months", "renewal": {"period": "12 months", "notice": "2 months"}},
        "services": sample["services"],
        "fees": {"model": "fixed", "amount": Decimal(24000), "currency": "EUR"},
        "schedule": sample["schedule"],
        "payment": {"due_days": 30, "methods": ["bank_transfer"]},
        "signature": {"place": sample["place"]},
        "clauses": {"add": add, "parameters": parameters},
        "annexes": {part.from_agreement: sample["body"] for part in annexes if part.from_agreement},
        "terms": {name: sample_value(t, language, meta.languages or ()) for name, t in meta.terms.items()
                  if t.default is None},
    }
    model = Agreement.model_validate(data)
    suffix = "" if kind == "business" else f"-{kind}"
    name = f"specimen-{template}-{language}{suffix}"
    shown = f"(specimen {template}, {language})" if kind == "business" else f"(specimen {template}, {language}, {kind})"
    return AgreementFile(name, shown, model, sample["body"], 1, Positions())
