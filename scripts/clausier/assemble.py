"""Assembly: one agreement + its template + the clause library → one Markdown document.

Numbering is decided first (`plan_agreement`), as data, so `ref()` gives the same
article number wherever it is used; the text is rendered after, in a sandbox.
Values from front matter pass through `finalize`, which escapes them into plain text.
"""

from __future__ import annotations

import json
import traceback
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from jinja2 import BaseLoader, TemplateNotFound
from jinja2.exceptions import SecurityError, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .budget import BudgetExceeded, rendering
from .errors import ContentError, Finding
from .hidden_rendered import refuse_hidden_characters
from .literals import refuse_literal_leftovers
from .markdown import Markdown, StructureError, escape_text, jinja_source, number_subclauses
from .parameters import coerce_parameter
from .repository import AgreementFile, Repository, Template
from .sandbox import highlighted, make_environment
from .validation import cannot_omit_unknown

SPECIAL_CONDITIONS = "special-conditions"
ARTICLE_WORD = {"fr": "Article", "en": "Clause"}
SPECIAL_TITLE = {"fr": "Conditions particulières", "en": "Special conditions"}
LANG_TAGS = {"fr": "fr-FR", "en": "en-GB"}


@dataclass(frozen=True)
class Article:
    id: str
    number: int | None  # None for the unnumbered preamble and closing parts
    part: str  # "preamble", "article" or "closing"
    variant: str = "standard"
    title: str = ""


@dataclass
class Plan:
    agreement: AgreementFile
    template: Template
    language: str
    articles: list[Article]
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)
    _index: dict[str, Article] = field(default_factory=dict, repr=False, compare=False)

    def find(self, clause_id: str) -> Article | None:
        if len(self._index) != len(self.articles):
            self._index = {a.id: a for a in self.articles}
        return self._index.get(clause_id)


@dataclass(frozen=True)
class Assembled:
    plan: Plan
    title: str
    markdown: str


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
    known_ids = {s.id for s in slots} | set(meta.preamble) | set(meta.closing)
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

    present = set(order) | set(meta.preamble) | set(meta.closing)
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
    if problems:
        raise ContentError(problems)

    parameters = _resolve_parameters(repo, agreement, template, present, problem)
    if problems:
        raise ContentError(problems)

    def article(clause_id: str, number: int | None, part: str) -> Article:
        if clause_id == SPECIAL_CONDITIONS:
            return Article(clause_id, number, part, "standard", SPECIAL_TITLE[language])
        variant = choices.variants.get(clause_id, "standard")
        text = repo.clauses[clause_id].text(variant, language)
        title = text.front.title or repo.clauses[clause_id].title(language)
        return Article(clause_id, number, part, variant, title)

    articles = [article(c, None, "preamble") for c in meta.preamble]
    articles += [article(c, n, "article") for n, c in enumerate(order, start=1)]
    articles += [article(c, None, "closing") for c in meta.closing]
    return Plan(agreement, template, language, articles, parameters)


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


# ---------------------------------------------------------------- the sandbox


class _RepositoryLoader(BaseLoader):
    """Serves only what the repository loaded: templates/ and clause texts. Nothing else."""

    def __init__(self, repo: Repository):
        self.repo = repo
        self.sources = {t.file_name: t.source for t in repo.templates.values()}
        self.agreements: dict[str, str] = {}  # an agreement's path → its body, as Jinja reads it

    def get_source(self, environment, template):
        if template in self.agreements:  # the special conditions: served while the agreement is
            source = self.agreements[template]
            return source, template, lambda: self.agreements.get(template) == source
        source = self.sources.get(template)
        if source is None and template.startswith("clauses/"):  # "clauses/<id>/<file>": asked of the clause
            clause = self.repo.clauses.get(template.split("/")[1])
            texts = clause.texts.values() if clause is not None else ()
            source = next((text.jinja_source for text in texts if text.path == template), None)
        if source is None:
            raise TemplateNotFound(template)
        return source, template, lambda: True


def _environment(repo: Repository) -> ImmutableSandboxedEnvironment:
    env = getattr(repo, "_environment", None)
    if env is None:  # templates compiled ahead, if any, are used when their source is the same
        env = make_environment(_RepositoryLoader(repo), bytecode_cache=repo.precompiled)
        repo._environment = env  # type: ignore[attr-defined]
    return env


# ---------------------------------------------------------------- rendering


def agreement_data(repo: Repository, agreement: AgreementFile) -> dict[str, Any]:
    """The agreement's front matter as plain data for templates, with derived values."""
    model = agreement.model
    data = model.model_dump()
    provider = model.provider or (repo.config.organisation if repo.config else None)
    data["provider"] = provider.model_dump() if provider else None
    data["term"]["start"] = model.term.start or model.effective_date
    # model_dump turns dataclasses into dicts; durations stay Duration objects for |duration.
    data["term"]["duration"] = model.term.duration
    if model.term.renewal:
        data["term"]["renewal"] = {"period": model.term.renewal.period, "notice": model.term.renewal.notice}
    total = model.fees.amount
    schedule = []
    for item in model.schedule:
        entry = item.model_dump()
        if item.percent is not None:
            entry["amount"] = (total * item.percent / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        else:
            entry["percent"] = (item.amount * 100 / total).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        schedule.append(entry)
    data["schedule"] = schedule
    data["id"] = agreement.id
    data["reference"] = model.reference or agreement.id
    return data


class DanglingReference(ValueError):
    """ref() to a clause that is not in the agreement."""


class Session:
    """One agreement being rendered: its plan, its data, and the functions templates call."""

    def __init__(self, repo: Repository, agreement: AgreementFile, plan: Plan, highlight: bool = False):
        self.repo, self.agreement, self.plan, self.highlight = repo, agreement, plan, highlight
        self.env = _environment(repo)
        # The special conditions run in the same sandbox as clauses, named by the agreement's path.
        self.env.loader.agreements[agreement.path] = jinja_source(agreement.body, agreement.body_line)
        self.rendered: list[str] = []
        data = agreement_data(repo, agreement)
        self.base = {**data, "agreement": data, "lang": plan.language, "ref": self.ref,
                     "has_clause": self.has_clause}

    def ref(self, clause_id: str) -> Markdown:
        target = self.plan.find(clause_id)
        if target is None or target.number is None:
            if clause_id in self.repo.clauses:
                where = "is not part of this agreement (omitted, or not in its template)"
            else:
                where = f"does not exist; valid clauses: {', '.join(sorted(self.repo.clauses))}"
            raise DanglingReference(f"ref({clause_id!r}): clause {clause_id!r} {where} "
                                    f"(in {self.agreement.path}); guard it with has_clause({clause_id!r})")
        return Markdown(f"[{target.number}](#art-{clause_id})")

    def has_clause(self, clause_id: str) -> bool:
        return self.plan.find(clause_id) is not None

    def clause(self, clause_id: str, variant: str | None = None) -> Markdown:
        target = self.plan.find(clause_id)
        if target is None:
            raise ContentError(Finding(self.plan.template.path, 0, 0,
                                       message=f"clause({clause_id!r}) is not part of this agreement"))
        if variant is not None and variant != target.variant:  # the handbook shows every variant
            text = self.repo.clauses[clause_id].text(variant, self.plan.language)
            target = replace(target, variant=variant, title=text.front.title or target.title)
        self.rendered.append(clause_id)
        params = self.plan.parameters.get(clause_id, {})
        if self.highlight:
            params = {name: highlighted(value) for name, value in params.items()}
        return _render_article(self.repo, self.env, self.plan, target, {**self.base, "params": params})


def assemble(repo: Repository, agreement: AgreementFile) -> Assembled:
    """The complete contract as Markdown, or ContentError naming the file, line and field."""
    plan = plan_agreement(repo, agreement)
    session = Session(repo, agreement, plan)
    language = plan.language
    title = agreement.model.title or plan.template.meta.title[language]
    context = {
        **session.base,
        "title": title,
        "clause": session.clause,
        "articles": [a for a in plan.articles if a.part == "article"],
        "preamble": [a.id for a in plan.articles if a.part == "preamble"],
        "closing": [a.id for a in plan.articles if a.part == "closing"],
    }
    body = _render(session.env, plan.template.file_name, context, plan.template.path)
    _check_every_article_placed(plan, session.rendered)
    refuse_hidden_characters(body, session, context)  # what Jinja printed: hidden characters
    refuse_literal_leftovers(body, session, context, _special(session, plan))  # and markup left as text
    header = "---\n" + f"title: {json.dumps(escape_text(title), ensure_ascii=False)}\n" + \
        f"lang: {LANG_TAGS[language]}\n---\n\n"
    return Assembled(plan, title, header + _tidy(body))


def _special(session: Session, plan: Plan):
    """For literals.py: the special conditions' name and context, when the agreement has them."""
    if plan.find(SPECIAL_CONDITIONS) is None:
        return None
    return lambda: (plan.agreement.path, {**session.base, "params": {}})


def open_session(repo: Repository, agreement: AgreementFile, highlight: bool = False) -> Session:
    """Plan an agreement once, then render any of its articles alone with `session.clause(id, variant)`.

    The handbook shows clauses this way; with `highlight`, parameter values come out
    marked `==value==` wherever they are printed.
    """
    return Session(repo, agreement, plan_agreement(repo, agreement), highlight)


def _render_article(repo, env, plan: Plan, article: Article, context: dict) -> Markdown:
    language = plan.language
    if article.id == SPECIAL_CONDITIONS:
        source_path = plan.agreement.path
        body = _render(env, source_path, context, source_path)
    else:
        text = repo.clauses[article.id].text(article.variant, language)
        source_path = text.path
        body = _render(env, text.path, context, text.path)
    body = body.strip("\n")
    if article.part != "article":
        # pandoc moves a div's id onto a heading that opens it; keep the heading outside.
        heading = ""
        first, _, rest = body.partition("\n")
        if first.startswith("#"):
            heading, body = first + "\n\n", rest.strip("\n")
        return Markdown(f"{heading}::: {{#{article.id}}}\n{body}\n:::")
    try:
        numbered, _ = number_subclauses(body, str(article.number))
    except StructureError as exc:
        line = exc.line + plan.agreement.body_line - 1 if article.id == SPECIAL_CONDITIONS else 0
        raise ContentError(Finding(source_path, line, 1 if line else 0, message=str(exc), rule="structure")) from None
    heading = f"# {ARTICLE_WORD[language]} {article.number} — {escape_text(article.title)} {{#art-{article.id}}}"
    return Markdown(f"{heading}\n\n{numbered}")


def _render(env, name: str, context: dict, shown: str) -> str:
    try:
        with rendering():  # every rendering of a template or clause text runs under budget.py's limits
            return env.get_template(name).render(context)
    except ContentError:
        raise
    except (BudgetExceeded, MemoryError, RecursionError, OverflowError) as exc:  # OverflowError: range() too big
        where, line = _template_frame(exc, shown)
        reason = {MemoryError: "ran out of its memory budget",
                  RecursionError: "recursion too deep (a template, include or macro that calls itself, or "
                                  "expressions nested too deeply)"}.get(type(exc), str(exc))
        raise ContentError(Finding(where, line, 1 if line else 0, message=f"over the rendering budget: {reason}",
                                   rule="budget")) from None
    except TemplateSyntaxError as exc:
        raise ContentError(Finding(exc.filename or shown, exc.lineno or 0, 1, message=f"template syntax: {exc.message}",
                                   rule="template")) from None
    except TemplateNotFound as exc:
        raise ContentError(Finding(shown, 0, 0, message=f"template {exc.name!r} not found in templates/",
                                   rule="template")) from None
    except (UndefinedError, SecurityError, TemplateError, ValueError, TypeError, ArithmeticError) as exc:
        where, line = _template_frame(exc, shown)
        if isinstance(exc, DanglingReference):
            raise ContentError(Finding(where, line, 1 if line else 0, message=str(exc),
                                       rule="cross-reference")) from None
        kind = {UndefinedError: "undefined variable", SecurityError: "refused by the sandbox"}.get(type(exc), "error")
        raise ContentError(Finding(where, line, 1 if line else 0, message=f"{kind}: {exc}", rule="template")) from None


def _template_frame(exc: BaseException, default: str) -> tuple[str, int]:
    """The innermost template file and line in a Jinja traceback."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        filename = frame.filename
        if filename.startswith("clauses/"):
            return filename, frame.lineno or 0
        if filename.endswith(".md.j2"):
            return "templates/" + filename, frame.lineno or 0
        if filename == default:  # the special conditions: the agreement's own file
            return filename, frame.lineno or 0
    return default, 0


def _check_every_article_placed(plan: Plan, rendered: list[str]) -> None:
    missing = [a.id for a in plan.articles if a.id not in rendered]
    twice = sorted({c for c in rendered if rendered.count(c) > 1})
    if missing or twice:
        parts = []
        if missing:
            parts.append(f"never places {', '.join(missing)}")
        if twice:
            parts.append(f"places {', '.join(twice)} more than once")
        raise ContentError(Finding(plan.template.path, 0, 0, message=f"template {' and '.join(parts)}; "
                                   "numbering would not match the text", rule="template"))


def _tidy(text: str) -> str:
    """Collapse runs of blank lines so the assembled Markdown diffs cleanly."""
    lines, blank = [], 0
    for line in text.strip("\n").split("\n"):
        blank = blank + 1 if not line.strip() else 0
        if blank <= 1:
            lines.append(line.rstrip())
    return "\n".join(lines) + "\n"
