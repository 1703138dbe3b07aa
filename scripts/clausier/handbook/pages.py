"""Handbook pages from the loaded library: one pure function, no I/O.

`handbook_pages(repo, last_changed)` returns every generated page (clause pages,
category pages, template pages and their indexes) with the navigation that
lists them. It is `handbook_outline` (the cheap part: navigation, indexes,
category and template pages) followed by `clause_pages` (the costly part: every
clause text rendered with Jinja), which the plugin can run in another process. Agreements are never read here: only clauses, templates and the
specimen sample data.
"""

from __future__ import annotations

import difflib
import posixpath
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import quote

from ..assemble import SPECIAL_CONDITIONS, Session
from ..errors import ContentError
from ..models import CATEGORIES, LANGUAGES, Parameter
from ..rendered_library import rendered_clause, specimen_sessions
from ..repository import Clause, Repository
from ..specimens import usable_templates
from .safetext import code, content, html, plain

LANGUAGE_NAMES = {"fr": "Français", "en": "English"}
GUIDANCE = (
    ("when", "tip", {"fr": "Quand l'utiliser", "en": "When to use it"}),
    ("negotiation", "question", {"fr": "Négociation", "en": "Negotiation"}),
    ("risks", "warning", {"fr": "Risques", "en": "Risks"}),
)
_REF = re.compile(r"\]\(#art-([a-z0-9-]+)\)")
_ARTICLE_HEADING = re.compile(r"^# .*\n+", re.M)
_SUBHEADING = re.compile(r"^## (.+)$", re.M)


@dataclass(frozen=True)
class Page:
    path: str  # relative to docs/, e.g. "clauses/payment/late-payment.md"
    title: str
    content: str | None  # None in an outline: a clause page that `clause_pages` renders


@dataclass
class Handbook:
    pages: list[Page] = field(default_factory=list)
    clauses: list[str] = field(default_factory=list)  # clause ids, in the order of their pages
    nav: list = field(default_factory=list)  # MkDocs nav entries for the generated part
    specimens: list[tuple[str, str]] = field(default_factory=list)  # (template, language) to build


def clause_page_path(clause: Clause) -> str:
    return f"clauses/{clause.meta.category}/{clause.id}.md"


def category_label(category: str) -> str:
    labels = CATEGORIES[category]
    return labels["fr"] if labels["fr"] == labels["en"] else f"{labels['fr']} / {labels['en']}"


def specimen_path(template: str, language: str, fmt: str) -> str:
    return f"contract-types/specimens/{template}-{language}.{fmt}"


def _link(from_page: str, to_page: str) -> str:
    # Quoted: a clause or template name is a file name from content, and must not end the link.
    return quote(posixpath.relpath(to_page, posixpath.dirname(from_page) or "."), safe="/._-~")


def _indent(text: str, spaces: int = 4) -> str:
    return textwrap.indent(text, " " * spaces, lambda line: True).replace(" " * spaces + "\n", "\n")


def _templates_using(repo: Repository, clause_id: str) -> list[str]:
    found = []
    for name, template in sorted(repo.templates.items()):
        meta = template.meta
        if meta and clause_id in ({s.id for s in meta.slots()} | set(meta.preamble) | set(meta.closing)):
            found.append(name)
    return found


def _display_text(markdown: str, page: str, repo: Repository) -> str:
    """An article as the handbook shows it: no article heading, sub-clauses in bold, refs to pages."""
    text = _ARTICLE_HEADING.sub("", markdown, count=1) if markdown.startswith("# ") else markdown
    text = re.sub(r"^::: \{#[a-z0-9-]+\}\n|^:::$", "", text, flags=re.M)
    text = _SUBHEADING.sub(lambda m: f"**{m.group(1)}**", text)
    text = re.sub(r"^# (.+)$", r"**\1**", text, flags=re.M)

    def ref(match: re.Match) -> str:
        target = match.group(1)
        if target in repo.clauses:
            return "](" + _link(page, clause_page_path(repo.clauses[target])) + ")"
        return "](#)" if target != SPECIAL_CONDITIONS else "](#)"

    return _REF.sub(ref, text).strip("\n")


def _word_diff(old: str, new: str) -> str:
    """The new text with CriticMarkup insertions and deletions against the old, paragraph by paragraph."""
    old_blocks, new_blocks = old.split("\n\n"), new.split("\n\n")
    out: list[str] = []
    matcher = difflib.SequenceMatcher(a=old_blocks, b=new_blocks, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out.extend(new_blocks[b1:b2])
        elif op == "insert":
            out.extend(f"{{++{block}++}}" if "\n" not in block else block for block in new_blocks[b1:b2])
        elif op == "delete":
            out.extend(f"{{--{block}--}}" if "\n" not in block else "" for block in old_blocks[a1:a2])
        else:
            old_words = " ".join(old_blocks[a1:a2]).split(" ")
            new_words = " ".join(new_blocks[b1:b2]).split(" ")
            words = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
            parts = []
            for wop, w1, w2, v1, v2 in words.get_opcodes():
                if wop == "equal":
                    parts.append(" ".join(new_words[v1:v2]))
                if wop in ("delete", "replace"):
                    parts.append("{--" + " ".join(old_words[w1:w2]) + "--}")
                if wop in ("insert", "replace"):
                    parts.append("{++" + " ".join(new_words[v1:v2]) + "++}")
            out.append(" ".join(p for p in parts if p))
    return "\n\n".join(b for b in out if b)


def _parameter_row(name: str, parameter: Parameter) -> str:
    bounds = []
    if parameter.min is not None:
        bounds.append(f"≥ {plain(parameter.min)}")
    if parameter.max is not None:
        bounds.append(f"≤ {plain(parameter.max)}")
    if parameter.choices:
        bounds.append(" · ".join(code(c) for c in parameter.choices))
    default = "—" if parameter.default is None else code(parameter.default)
    return (f"| {code(name)} | {plain(parameter.type)} | {default} | {', '.join(bounds) or '—'} | "
            f"{plain(parameter.label.fr)} | {plain(parameter.label.en)} |")


def clause_page(repo: Repository, clause: Clause, last_changed: str | None,
                sessions: dict[str, Session] | None = None) -> Page:
    path = clause_page_path(clause)
    users = _templates_using(repo, clause.id)
    sessions = specimen_sessions(repo) if sessions is None else sessions
    texts, findings = rendered_clause(clause, sessions)  # the same path as `check` (rule `renders`)
    if findings:
        raise ContentError(findings)
    shown = {key: content(_display_text(text, path, repo)) for key, text in texts.items()}
    fr, en = clause.title("fr"), clause.title("en")
    lines = [
        "---",
        f"title: {_yaml_string(html(fr if fr == en else f'{fr} · {en}'))}",
        "tags:",
        f"  - {_yaml_string(category_label(clause.meta.category))}",
        "---",
        "",
        f"# {plain(fr)}" + (f" <small>{plain(en)}</small>" if en != fr else ""),
        "",
        f"**Catégorie / Category:** [{category_label(clause.meta.category)}](index.md) · "
        f"**Version:** {clause.meta.version} · **Dernière modification / Last change:** {last_changed or '—'}",
        "",
    ]
    if users:
        links = ", ".join(f"[{plain(repo.templates[t].meta.title.fr)}]({_link(path, f'contract-types/{t}.md')})"
                          for t in users)
        lines += [f"**Modèles / Templates:** {links}", ""]
    else:
        lines += ["**Modèles / Templates:** none yet (an agreement can add it with `clauses: add`)", ""]
    lines += ["## Texte / Text", ""]
    for language in LANGUAGES:
        text = clause.text("standard", language)
        lines += [f'=== "{LANGUAGE_NAMES[language]}"', ""]
        lines += [_indent(f"*{content(text.front.summary)}*"), ""]
        lines += [_indent(shown[("standard", language)]), ""]
        for key, kind, label in GUIDANCE:
            lines += [_indent(f'!!! {kind} "{label[language]}"'), "",
                      _indent(content(getattr(text.front.guidance, key)), 8), ""]
    if clause.meta.variants:
        lines += ["## Variantes / Variants", "",
                  "Insertions and deletions are shown against the standard text.", ""]
        for variant, info in clause.meta.variants.items():
            lines += [f"### {plain(variant)} — {plain(info.label.fr)}"
                      + (f" · {plain(info.label.en)}" if info.label.en != info.label.fr else ""),
                      "", f"**Approbation requise / Approval required:** {plain(info.approval)}", ""]
            for language in LANGUAGES:
                front = clause.text(variant, language).front
                diff = _word_diff(shown[("standard", language)], shown[(variant, language)])
                lines += [f'=== "{LANGUAGE_NAMES[language]}"', "", _indent(f"*{content(front.summary)}*"), "",
                          _indent(diff), "",
                          _indent(f'!!! tip "{GUIDANCE[0][2][language]}"'), "",
                          _indent(content(front.guidance.when), 8), ""]
    lines += ["## Paramètres / Parameters", ""]
    if clause.meta.parameters:
        lines += ["| Name | Type | Default | Bounds | Libellé | Label |", "|---|---|---|---|---|---|"]
        lines += [_parameter_row(name, p) for name, p in clause.meta.parameters.items()]
        lines += ["", "Highlighted values in the text are parameters, shown with their default."]
    else:
        lines += ["This clause has no parameters."]
    return Page(path, fr, "\n".join(lines) + "\n")


def _yaml_string(text: str) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def category_page(repo: Repository, category: str, clauses: list[Clause]) -> Page:
    path = f"clauses/{category}/index.md"
    label = category_label(category)
    lines = ["---", f"title: {_yaml_string(label)}", "---", "", f"# {label}", "",
             "| Clause | Résumé | Summary | Variants |", "|---|---|---|---|"]
    for clause in clauses:
        variants = ", ".join(plain(v) for v in clause.meta.variants) or "—"
        lines.append(f"| [{plain(clause.title('fr'))}]({_link(path, clause_page_path(clause))}) | "
                     f"{plain(clause.text('standard', 'fr').front.summary)} | "
                     f"{plain(clause.text('standard', 'en').front.summary)} | {variants} |")
    return Page(path, label, "\n".join(lines) + "\n")


def template_page(repo: Repository, name: str, with_specimens: bool) -> Page:
    template = repo.templates[name]
    meta = template.meta
    path = f"contract-types/{name}.md"
    lines = ["---", f"title: {_yaml_string(html(meta.title.fr))}", "---", "",
             f"# {plain(meta.title.fr)} <small>{plain(meta.title.en)}</small>", "",
             f"{plain(meta.description.fr)}", "", f"*{plain(meta.description.en)}*", "", "## Structure", "",
             "| N° | Clause | Catégorie / Category | |", "|---|---|---|---|"]

    def row(number: str, clause_id: str, note: str) -> str:
        if clause_id == SPECIAL_CONDITIONS:
            return f"| {number} | Conditions particulières / Special conditions | — | agreement body, when present |"
        clause = repo.clauses.get(clause_id)
        if clause is None:
            return f"| {number} | {code(clause_id)} (missing) | — | {note} |"
        link = _link(path, clause_page_path(clause))
        return f"| {number} | [{plain(clause.title('fr'))}]({link}) | {category_label(clause.meta.category)} | {note} |"

    for clause_id in meta.preamble:
        lines.append(row("—", clause_id, "preamble"))
    for number, slot in enumerate(meta.slots(), start=1):
        lines.append(row(str(number), slot.id, "**optional**" if slot.optional else ""))
    for clause_id in meta.closing:
        lines.append(row("—", clause_id, "closing"))
    lines += ["", "Optional clauses can be left out by an agreement (`clauses: omit`); numbering follows.", "",
              "## Catégories requises / Required categories", ""]
    lines += [f"- {category_label(c)}" for c in meta.requires]
    if with_specimens:
        lines += ["", "## Spécimens / Specimens", "",
                  "Built from sample data (never from client agreements).", ""]
        for language in LANGUAGES:
            for fmt in ("pdf", "docx"):
                target = _link(path, specimen_path(name, language, fmt))
                filename = html(posixpath.basename(specimen_path(name, language, fmt)))
                lines.append(f'[{LANGUAGE_NAMES[language]} — {fmt.upper()}]({target}){{ .md-button download="{filename}" }}')
            lines.append("")
    return Page(path, meta.title.fr, "\n".join(lines) + "\n")


NAV_BUCKET = 15


def _buckets(clauses: list[Clause], paths: list[str]) -> list:
    """Large categories are split into alphabetical groups, so that a pruned navigation stays
    small on every page: Material then renders only the open group, and the site's build time
    grows linearly with the library instead of with its square."""
    if len(paths) <= NAV_BUCKET:
        return paths
    groups = []
    for start in range(0, len(paths), NAV_BUCKET):
        chunk = clauses[start : start + NAV_BUCKET]
        label = html(f"{_short(chunk[0].title('fr'))} … {_short(chunk[-1].title('fr'))}")
        groups.append({label: paths[start : start + NAV_BUCKET]})
    return groups


def _short(title: str, limit: int = 22) -> str:
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def handbook_outline(repo: Repository, with_specimens: bool = True) -> Handbook:
    """Every generated page and the navigation, except the clause pages' content (left None).

    Cheap: nothing is rendered with Jinja here. `clause_pages` renders the rest, possibly
    in another process while MkDocs starts up.
    """
    book = Handbook()
    by_category: dict[str, list[Clause]] = {}
    for clause in sorted(repo.clauses.values(), key=lambda c: (c.title("fr").lower(), c.id)):
        by_category.setdefault(clause.meta.category, []).append(clause)
    clause_nav: list = ["clauses/index.md"]
    index = ["---", "title: Clauses", "---", "", "# Bibliothèque de clauses <small>Clause library</small>", ""]
    for category in CATEGORIES:
        clauses = by_category.get(category)
        if not clauses:
            continue
        page = category_page(repo, category, clauses)
        book.pages.append(page)
        paths = []
        for clause in clauses:
            path = clause_page_path(clause)
            book.pages.append(Page(path, clause.title("fr"), None))
            book.clauses.append(clause.id)
            paths.append(path)
        clause_nav.append({category_label(category): [page.path, *_buckets(clauses, paths)]})
        index.append(f"- [{category_label(category)}]({category}/index.md) — {len(clauses)} "
                     + ("clause" if len(clauses) == 1 else "clauses"))
    book.pages.append(Page("clauses/index.md", "Clauses", "\n".join(index) + "\n"))
    template_nav: list = ["contract-types/index.md"]
    tindex = ["---", "title: Modèles", "---", "", "# Modèles de contrat <small>Contract types</small>", "",
              "| Modèle | Template | Articles |", "|---|---|---|"]
    for name in usable_templates(repo):
        page = template_page(repo, name, with_specimens)
        book.pages.append(page)
        template_nav.append(page.path)
        meta = repo.templates[name].meta
        tindex.append(f"| [{plain(meta.title.fr)}]({_link('contract-types/index.md', page.path)}) | "
                      f"{plain(meta.title.en)} | {len(meta.clauses)} |")
        if with_specimens:
            book.specimens += [(name, language) for language in LANGUAGES]
    book.pages.append(Page("contract-types/index.md", "Modèles", "\n".join(tindex) + "\n"))
    book.nav = [{"Clauses": clause_nav}, {"Modèles / Templates": template_nav}]
    return book


def clause_pages(repo: Repository, clause_ids: list[str], last_changed: dict[str, str]) -> Iterator[Page]:
    """The clause pages, one at a time in the order given (the specimen plan is made once)."""
    sessions = specimen_sessions(repo)
    for clause_id in clause_ids:
        yield clause_page(repo, repo.clauses[clause_id], last_changed.get(clause_id), sessions)


def handbook_pages(repo: Repository, last_changed: dict[str, str] | None = None,
                   with_specimens: bool = True) -> Handbook:
    """Every generated page, rendered, and the navigation that lists them."""
    book = handbook_outline(repo, with_specimens)
    rendered = {page.path: page for page in clause_pages(repo, book.clauses, last_changed or {})}
    book.pages = [rendered.get(page.path, page) for page in book.pages]
    return book
