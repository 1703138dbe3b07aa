"""Assembly: one agreement + its template + the clause library → one Markdown document.

Numbering is decided first (`plan_agreement`), as data, so `ref()` gives the same
article number wherever it is used; the text is rendered after, in a sandbox.
Values from front matter pass through `finalize`, which escapes them into plain text.
"""

from __future__ import annotations

import difflib

import json
import traceback
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from jinja2 import BaseLoader, TemplateNotFound
from jinja2.exceptions import SecurityError, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .budget import BudgetExceeded, rendering
from .errors import ContentError, Finding
from .hidden_rendered import refuse_hidden_characters
from .literals import refuse_literal_leftovers
from .markdown import Markdown, StructureError, escape_text, jinja_source
from .numbering import article_heading, join
from .outline import LABEL, Target, number_body
from .parts import COVER_ID, annex_heading, cover_clauses, cover_markdown, part_anchor
from .repository import AgreementFile, Repository
from .agreement_places import render_annex_text, unset_field
from .frame import footer_note, framed, roles_for
from .sandbox import KeyTerms, highlighted, make_environment

from .planning import (  # noqa: F401 - the plan's names, still imported from here by callers
    ARTICLE_WORD, LANG_TAGS, SPECIAL_CONDITIONS, SPECIAL_TITLE, Article, Plan, plan_agreement,
)


@dataclass(frozen=True)
class Assembled:
    plan: Plan
    title: str
    markdown: str


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
    total = model.fees.amount if model.fees else None  # no fees: a template that does not need them
    schedule = []
    for item in model.schedule:
        entry = item.model_dump()
        if total is None:
            pass
        elif item.percent is not None:
            entry["amount"] = (total * item.percent / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        else:
            entry["percent"] = (item.amount * 100 / total).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        schedule.append(entry)
    data["schedule"] = schedule
    data["id"] = agreement.id
    data["reference"] = model.reference or agreement.id
    return data


class DanglingReference(ValueError):
    """ref() to a clause that is not in the agreement, or to a label no clause carries."""


class Session:
    """One agreement being rendered: its plan, its data, and the functions templates call."""

    def __init__(self, repo: Repository, agreement: AgreementFile, plan: Plan, highlight: bool = False):
        self.repo, self.agreement, self.plan, self.highlight = repo, agreement, plan, highlight
        self.env = _environment(repo)
        # The special conditions run in the same sandbox as clauses, named by the agreement's path.
        self.env.loader.agreements[agreement.path] = jinja_source(agreement.body, agreement.body_line)
        self.rendered: list[str] = []
        self.labels: dict[str, dict[str, Target]] = {}  # clause id → its labels, once numbered
        self.probing = False  # numbering a clause ahead, for a reference that comes before it
        data = agreement_data(repo, agreement)
        data["terms"] = KeyTerms({name: highlighted(v) if highlight else v for name, v in plan.terms.items()})
        self.base = {**data, "agreement": data, "lang": plan.language, "ref": self.ref, "refs": self.refs,
                     "label": label, "has_clause": self.has_clause,
                     "roles": roles_for(plan.template.meta, plan.language)}  # roles.provider (frame.py)

    def ref(self, key: str) -> Markdown:
        """`ref("fees")` → the article's number; `ref("liability.cap")`, `ref("liability.cap.fees")`
        → a labelled sub-clause's or item's ("12.2", "12.2(a)"); linked to it in every output."""
        number, anchor = self._target(str(key))
        return Markdown(f"[{number}](#{anchor})")

    def refs(self, *keys) -> Markdown:
        """`refs("fees", "liability.cap")` → "Clauses 5 and 12.2" / « articles 5 et 12.2 »."""
        if len(keys) == 1 and isinstance(keys[0], (list, tuple)):
            keys = tuple(keys[0])
        if not keys:
            raise ValueError("refs() needs at least one clause or label")
        numbers = join([self.ref(key) for key in keys], self.plan.language)
        annexes = [str(key) for key in keys if str(key) in self.plan.parts]
        if annexes:  # "Schedule A" carries its own word: no "Clauses" in front of it
            if len(annexes) < len(keys):
                raise ValueError(f"refs() lists clauses or annexes, not both: write ref({annexes[0]!r}) apart")
            return Markdown(numbers)
        one, many = self.plan.template.meta.numbering.refer_words(self.plan.language)
        word = one if len(keys) == 1 else many
        return Markdown(f"{escape_text(word)}\u00a0{numbers}" if word else numbers)

    def _target(self, key: str) -> tuple[str, str]:
        if key in self.plan.parts:  # an annex: "Schedule A"; the cover: its title
            return escape_text(self.plan.parts[key]), part_anchor(key)
        clause_id, _, label = key.partition(".")
        target = self.plan.find(clause_id)
        if target is None or target.number is None:
            if annexes := [part for part in self.plan.parts if part != COVER_ID]:
                where = f"is neither a clause of this agreement nor an annex; its annexes: {', '.join(annexes)}"
            elif clause_id in self.repo.clauses:
                where = "is not part of this agreement (omitted, or not in its template)"
            else:  # a typo: the closest ids, not the whole library
                close = difflib.get_close_matches(clause_id, sorted(self.repo.clauses), n=3, cutoff=0.6)
                where = (f"does not exist; did you mean {', '.join(repr(c) for c in close)}?" if close
                         else "does not exist in clauses/")
                raise DanglingReference(f"ref({key!r}): clause {clause_id!r} {where} (in {self.agreement.path})")
            raise DanglingReference(f"ref({key!r}): clause {clause_id!r} {where} "
                                    f"(in {self.agreement.path}); guard it with has_clause({clause_id!r})")
        if not label:
            return str(target.number), f"art-{clause_id}"
        labels = self.labels.get(clause_id)
        if labels is None:
            if self.probing:  # numbers do not depend on what a reference prints
                return "0", f"art-{clause_id}"
            labels = self._number_ahead(target)
        found = labels.get(label)
        if found is None:
            known = ", ".join(f"{clause_id}.{name}" for name in labels) or "none"
            raise DanglingReference(f"ref({key!r}): clause {clause_id!r} has no label {label!r} in this "
                                    f"agreement; its labels: {known} (in {self.agreement.path})")
        return found.number, found.anchor

    def _number_ahead(self, target: Article) -> dict[str, Target]:
        """The labels of a clause not rendered yet: render it once, its own references left blank."""
        self.probing = True
        try:
            self._render(target)
        finally:
            self.probing = False
        return self.labels[target.id]

    def _render(self, target: Article, params: dict | None = None) -> Markdown:
        params = self.plan.parameters.get(target.id, {}) if params is None else params
        markdown, labels = _render_article(self.repo, self.env, self.plan, target, {**self.base, "params": params})
        if target == self.plan.find(target.id):  # the agreement's own variant (the handbook shows others)
            self.labels[target.id] = labels
        return markdown

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
        return self._render(target, params)


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
    body = _render(session.env, plan.template.file_name, context, plan.template.path, agreement)
    meta = plan.template.meta
    if meta.cover is not None or meta.annexes is not None:  # document parts (parts.py)
        body = _cover(session, context) + body + _annexes(session, context)
    _check_every_article_placed(plan, session.rendered)
    refuse_hidden_characters(body, session, context)  # what Jinja printed: hidden characters
    refuse_literal_leftovers(body, session, context, _special(session, plan))  # and markup left as text
    header = "---\n" + f"title: {json.dumps(escape_text(title), ensure_ascii=False)}\n" + \
        f"lang: {LANG_TAGS[language]}\n---\n\n"
    return Assembled(plan, title, header + _tidy(body + footer_note(meta, language)))  # text, after the checks


def _cover(session: Session, context: dict) -> str:
    """The cover page's Markdown: the parties' names, key terms and facts, then its clauses (cover.py)."""
    plan, model, meta = session.plan, session.agreement.model, session.plan.template.meta
    if meta.cover is None:
        return ""
    provider = context["provider"]["name"] if context.get("provider") else None
    clauses = [(plan.find(c).title, session.clause(c)) for c in cover_clauses(meta)]  # unnumbered, as the preamble's
    return cover_markdown(meta, plan.language, provider, model.client.name, plan.terms,
                          model.fees.currency if model.fees else None, model, clauses)


def _annexes(session: Session, context: dict) -> str:
    """Each annex under its heading ("Schedule A — …"), its clauses or the agreement's text, in a
    div the styles break pages in."""
    meta, agreement = session.plan.template.meta, session.agreement
    if meta.annexes is None:
        return ""
    out = ["\n\n::: {#annexes}"]
    for index, part in enumerate(meta.annexes.parts):
        out.append(annex_heading(meta, index, session.plan.language))
        if part.from_agreement:  # the agreement's text, read as its special conditions are
            text = render_annex_text(_render, session.env, agreement, part.from_agreement, {**context, "params": {}})
            out.append(text.strip("\n"))  # (its errors at its line in the front matter: agreement_places.py)
        out += [session.clause(clause_id) for clause_id in part.clauses]
    return "\n\n".join(out) + "\n\n:::\n"


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


def _render_article(repo, env, plan: Plan, article: Article, context: dict) -> tuple[Markdown, dict[str, Target]]:
    """The article's Markdown, and its labels (name → where a reference leads)."""
    language = plan.language
    if article.id == SPECIAL_CONDITIONS:
        source_path, source, first = plan.agreement.path, plan.agreement.body, plan.agreement.body_line
        body = _render(env, source_path, context, source_path, plan.agreement)
    else:
        text = repo.clauses[article.id].text(article.variant, language)
        source_path, source, first = text.path, text.body, text.body_line
        body = _render(env, text.path, context, text.path, plan.agreement)
    body = body.strip("\n")
    if article.part not in ("article", "annex"):  # unnumbered, in its div (frame.py)
        return Markdown(framed(article.id, article.title, body, article.id in plan.template.meta.titled)), {}
    numbering = plan.template.meta.numbering
    try:
        numbered, labels = number_body(body, str(article.number), article.id, numbering)
    except StructureError as exc:
        label = getattr(exc, "label", None)
        if label is not None:  # a label: found in the file (the rendered text has other lines)
            line = _label_line(source, first, label, exc.repeated)
            rule = "cross-reference"
        else:
            line = exc.line + plan.agreement.body_line - 1 if article.id == SPECIAL_CONDITIONS else 0
            rule = "structure"
        raise ContentError(Finding(source_path, line, 1 if line else 0, message=str(exc), rule=rule)) from None
    heading = f"# {article_heading(numbering, language, article.number, article.title)} {{#art-{article.id}}}"
    return Markdown(f"{heading}\n\n{numbered}"), labels


def label(name: str) -> Markdown:
    """`{{ label("cap") }}` after a `##` heading or an item's marker names it for ref(); it prints
    the attribute `{#cap}` that outline.py reads (a clause text cannot write `{#`: Jinja's comment)."""
    if not isinstance(name, str) or not LABEL.match(name):
        raise ValueError(f"label({name!r}): a label is lower-case letters, digits and dashes, starting with a "
                         "letter or digit (e.g. label(\"cure-period\"))")
    return Markdown("{#" + name + "}")


def _label_line(source: str, first: int, label: str, repeated: bool) -> int:
    """The line of `label("…")` in a clause file (its second one for a label used twice)."""
    calls = (f'label("{label}")', f"label('{label}')")
    lines = [n for n, line in enumerate(source.split("\n"), start=first) if any(c in line for c in calls)]
    if not lines:
        return 0
    return lines[1] if repeated and len(lines) > 1 else lines[0]


def _render(env, name: str, context: dict, shown: str, agreement: AgreementFile | None = None) -> str:
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
        if agreement and isinstance(exc, UndefinedError) and (unset := unset_field(exc, env, context, agreement)):
            raise ContentError(unset) from None  # `client.representative.name`, no representative: at the agreement
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
