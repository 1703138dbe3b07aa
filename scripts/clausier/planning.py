"""Planning one agreement: which articles, in which order, with which variant, number and
parameters, worked out as data before any text is rendered (so `ref()` gives the same number
in every output). Split from assemble.py, which renders the plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import ContentError, Finding
from .parameters import coerce_parameter, resolve_terms
from .cover import agreement_findings as cover_findings
from .parts import annex_articles, cover_clauses, part_targets
from .repository import AgreementFile, Repository, Template
from .validation import cannot_omit_unknown

SPECIAL_CONDITIONS = "special-conditions"


class _English(dict):
    """Words by language: a language a library adds (clausier.yml `languages:`) takes English."""

    def __missing__(self, language: str) -> str:
        return self["en"]


class _Tags(dict):
    """Lang tags of the outputs: a language a library adds is its own tag ("de", "pt-BR")."""

    def __missing__(self, language: str) -> str:
        return language


ARTICLE_WORD = _English({"fr": "Article", "en": "Clause"})
SPECIAL_TITLE = _English({"fr": "Conditions particulières", "en": "Special conditions"})
LANG_TAGS = _Tags({"fr": "fr-FR", "en": "en-GB"})


@dataclass(frozen=True)
class Article:
    id: str
    number: int | str | None  # None for the unnumbered preamble and closing parts; "A.1" in an annex
    part: str  # "cover", "preamble", "article", "closing" or "annex"
    variant: str = "standard"
    title: str = ""


@dataclass
class Plan:
    agreement: AgreementFile
    template: Template
    language: str
    articles: list[Article]
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)
    terms: dict[str, Any] = field(default_factory=dict)  # the template's key terms, resolved
    parts: dict[str, str] = field(default_factory=dict)  # annex id, "cover" → what ref() prints ("Schedule A")
    _index: dict[str, Article] = field(default_factory=dict, repr=False, compare=False)

    def find(self, clause_id: str) -> Article | None:
        if len(self._index) != len(self.articles):
            self._index = {a.id: a for a in self.articles}
        return self._index.get(clause_id)


# ---------------------------------------------------------------- planning


def plan_agreement(repo: Repository, agreement: AgreementFile) -> Plan:
    """Which clauses, in which order, numbered how, with which variant and parameters."""
    model = agreement.model
    problems: list[Finding] = []

    def problem(path: tuple, message: str, field_name: str) -> None:
        line, col = agreement.positions.of(path)
        problems.append(Finding(agreement.path, line, col, message=message, field=field_name))

    config_language = repo.config.language if repo.config else "fr"
    language = model.language or config_language
    template = repo.templates.get(model.template)
    if template is None or template.meta is None:
        valid = sorted(n for n, t in repo.templates.items() if t.meta is not None)
        reason = "has errors (see above)" if model.template in repo.broken else "is unknown"
        problem(("template",), f"template {model.template!r} {reason}; valid templates: {', '.join(valid)}", "template")
        raise ContentError(problems)
    meta = template.meta
    slots = meta.slots()
    annexed = annex_articles(meta)  # (clause id, "A.1"): the annexes' own clauses
    covered = cover_clauses(meta)  # printed on the cover, unnumbered
    known_ids = {s.id for s in slots} | {*meta.preamble, *meta.closing, *covered} | {c for c, _ in annexed}
    choices = model.clauses

    for index, clause_id in enumerate(choices.omit):
        slot = next((s for s in slots if s.id == clause_id), None)
        if slot is None:
            problem(("clauses", "omit", index), cannot_omit_unknown(clause_id, model.template, slots),
                    f"clauses.omit.{index}")
        elif not slot.optional:
            optional = [s.id for s in slots if s.optional]
            problem(("clauses", "omit", index), f"clause {clause_id!r} is required by template {model.template!r} "
                    f"and cannot be omitted; optional clauses: {', '.join(optional) or 'none'}", f"clauses.omit.{index}")
    for index, clause_id in enumerate(choices.add):
        if clause_id in known_ids:
            problem(("clauses", "add", index), f"clause {clause_id!r} is already in template {model.template!r}",
                    f"clauses.add.{index}")
        elif clause_id not in repo.clauses:
            problem(("clauses", "add", index), _unknown_clause(repo, clause_id), f"clauses.add.{index}")

    order = [s.id for s in slots if s.id not in choices.omit]
    extra = [c for c in choices.add if c not in known_ids]
    insert_at = order.index(SPECIAL_CONDITIONS) if SPECIAL_CONDITIONS in order else len(order)
    order[insert_at:insert_at] = extra
    has_body = bool(agreement.body.strip())
    if SPECIAL_CONDITIONS in order and not has_body:
        order.remove(SPECIAL_CONDITIONS)
    elif SPECIAL_CONDITIONS not in order and has_body:
        order.append(SPECIAL_CONDITIONS)

    present = set(order) | {*meta.preamble, *meta.closing, *covered} | {c for c, _ in annexed}
    for clause_id in sorted(present - {SPECIAL_CONDITIONS}):
        if clause_id not in repo.clauses:
            problems.append(Finding(agreement.path, 0, 0, message=f"template {model.template!r} uses clause "
                                    f"{clause_id!r}, which " + ("has errors (see above)" if clause_id in repo.broken
                                    else "does not exist in clauses/")))
    for clause_id, variant in choices.variants.items():
        path = ("clauses", "variants", clause_id)
        if clause_id not in present:
            problem(path, f"variant chosen for {clause_id!r}, which is not in this agreement", f"clauses.variants.{clause_id}")
        elif clause_id in repo.clauses and variant not in repo.clauses[clause_id].variants():
            valid = ", ".join(repo.clauses[clause_id].variants())
            problem(path, f"clause {clause_id!r} has no variant {variant!r}; valid variants: {valid}",
                    f"clauses.variants.{clause_id}")
    wanted = [p.from_agreement for p in (meta.annexes.parts if meta.annexes else ()) if p.from_agreement]
    for name in model.annexes:
        if name not in wanted:
            problem(("annexes", name), f"template {model.template!r} takes no annex text {name!r} from the agreement; "
                    f"the texts it takes: {', '.join(wanted) or 'none'}", f"annexes.{name}")
    for name in wanted:
        if not model.annexes.get(name, "").strip():
            problem(("annexes",), f"template {model.template!r} has an annex whose text this agreement gives: set "
                    f"annexes.{name}", f"annexes.{name}")
    for path, message, field_name in cover_findings(meta, model):  # what the cover shows, the agreement lacks
        problem(path, message, field_name)
    if problems:
        raise ContentError(problems)

    parameters = _resolve_parameters(repo, agreement, template, present, problem)
    terms = resolve_terms(model.template, meta.terms, model.terms, problem, language)
    if problems:
        raise ContentError(problems)

    def article(clause_id: str, number: int | None, part: str) -> Article:
        if clause_id == SPECIAL_CONDITIONS:
            return Article(clause_id, number, part, "standard", SPECIAL_TITLE[language])
        variant = choices.variants.get(clause_id, "standard")
        text = repo.clauses[clause_id].text(variant, language)
        title = text.front.title or repo.clauses[clause_id].title(language)
        return Article(clause_id, number, part, variant, title)

    articles = [article(c, None, "cover") for c in covered]
    articles += [article(c, None, "preamble") for c in meta.preamble]
    articles += [article(c, n, "article") for n, c in enumerate(order, start=1)]
    articles += [article(c, None, "closing") for c in meta.closing]
    articles += [article(c, n, "annex") for c, n in annexed]
    return Plan(agreement, template, language, articles, parameters, terms, part_targets(meta, language))


def _unknown_clause(repo: Repository, clause_id: str) -> str:
    return f"unknown clause {clause_id!r}; valid clauses: {', '.join(sorted(repo.clauses))}"


def _resolve_parameters(repo, agreement, template, present, problem) -> dict[str, dict[str, Any]]:
    """Clause defaults, then the template's values, then the agreement's."""
    given = agreement.model.clauses.parameters
    for clause_id in given:
        if clause_id not in present:
            problem(("clauses", "parameters", clause_id), f"parameters given for {clause_id!r}, which is not in "
                    "this agreement", f"clauses.parameters.{clause_id}")
    resolved: dict[str, dict[str, Any]] = {}
    for clause_id in sorted(present - {SPECIAL_CONDITIONS}):
        declared = repo.clauses[clause_id].meta.parameters
        values = {name: p.default for name, p in declared.items()}
        layers = [(template.meta.parameters.get(clause_id, {}), template.path, False),
                  (given.get(clause_id, {}), agreement.path, True)]
        for layer, source, positioned in layers:
            for name, value in layer.items():
                path = ("clauses", "parameters", clause_id, name)
                where = f"clauses.parameters.{clause_id}.{name}"
                if name not in declared:
                    message = (f"clause {clause_id!r} has no parameter {name!r}; "
                               f"its parameters: {', '.join(declared) or 'none'}")
                    if positioned:
                        problem(path, message, where)
                    else:
                        problem((), f"{source}: {message}", where)
                    continue
                values[name] = value
        out = {}
        for name, value in values.items():
            if value is None:
                problem(("clauses",), f"clause {clause_id!r} needs a value for parameter {name!r}: set "
                        f"clauses.parameters.{clause_id}.{name}", f"clauses.parameters.{clause_id}.{name}")
                continue
            try:
                out[name] = coerce_parameter(declared[name], value)
            except ValueError as exc:
                problem(("clauses", "parameters", clause_id, name), f"parameter {name!r} of clause {clause_id!r}: {exc}",
                        f"clauses.parameters.{clause_id}.{name}")
        resolved[clause_id] = out
    return resolved
