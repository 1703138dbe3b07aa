"""Handbook pages from the loaded library: one pure function, no I/O.

`handbook_pages(repo, last_changed)` returns every generated page (clause pages,
category pages, template pages and their indexes) with the navigation that
lists them. It is `handbook_outline` (the cheap part: navigation, indexes,
category and template pages) followed by `clause_pages` (the costly part: every
clause text rendered with Jinja, one page each by clausepage.py), which the plugin can run
in another process. Agreements are never read here: only clauses, templates and the
specimen sample data.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from ..assemble import SPECIAL_CONDITIONS
from ..planning import SPECIAL_TITLE
from ..rendered_library import specimen_sessions
from ..repository import Clause, Repository
from ..specimens import usable_templates
from .clausepage import GUIDANCE, clause_page, template_articles  # noqa: F401 - the page functions, in one place
from .clausepage import _parameter_row, parameter_header
from .layout import (Handbook, Page, category_label, clause_page_path, in_each, language_name, link,
                     specimen_path, template_rows, yaml_string)
from .safetext import code, html, plain
from .words import article_word, heading, number_word, prose_word, say, sentence, word

SUMMARY_WORD = {"fr": "Résumé", "en": "Summary"}  # a column per language of the library

__all__ = ["GUIDANCE", "Handbook", "Page", "category_label", "clause_page", "clause_page_path", "clause_pages",
           "handbook_outline", "handbook_pages", "specimen_path", "template_articles"]


def category_page(repo: Repository, category: str, clauses: list[Clause]) -> Page:
    path = f"clauses/{category}/index.md"
    languages = repo.languages
    label = category_label(category, languages)
    lines = ["---", f"title: {yaml_string(label)}", "---", "", f"# {label}", "",
             "| Clause | " + " | ".join(SUMMARY_WORD.get(lang, language_name(lang)) for lang in languages)
             + f" | {prose_word('variants', languages)} |", "|---|" + "---|" * len(languages) + "---|"]
    for clause in clauses:
        variants = ", ".join(plain(v) for v in clause.meta.variants) or "—"
        fronts = {lang: clause.text("standard", lang).front for lang in languages}  # to translate: said so
        summaries = "".join(f"{plain(word('to_translate', lang) if f.translate else f.summary)} | " for lang, f in fronts.items())
        lines.append(f"| [{plain(clause.title(languages[0]))}]({link(path, clause_page_path(clause))}) | "
                     f"{summaries}{variants} |")
    return Page(path, label, "\n".join(lines) + "\n")


def template_page(repo: Repository, name: str, with_specimens: bool) -> Page:
    template = repo.templates[name]
    meta = template.meta
    path = f"contract-types/{name}.md"
    languages = repo.template_languages(template)  # its own: a template may be written in fewer
    first, *others = languages
    lines = ["---", f"title: {yaml_string(html(meta.title[first]))}", "---", "",
             f"# {plain(meta.title[first])}" + "".join(f" <small>{plain(meta.title[lang])}</small>" for lang in others),
             "", f"{plain(meta.description[first])}", "",
             *(line for lang in others for line in (f"*{plain(meta.description[lang])}*", "")), "## Structure", "",
             f"| {number_word(repo.languages)} | Clause | {say('category', repo.languages)} | |", "|---|---|---|---|"]
    special = " / ".join(in_each(SPECIAL_TITLE.__getitem__, repo.languages))

    def row(number: str, clause_id: str, note: str) -> str:
        if clause_id == SPECIAL_CONDITIONS:
            return f"| {number} | {special} | — | {sentence('agreement_body', repo.languages)} |"
        clause = repo.clauses.get(clause_id)
        if clause is None:
            return f"| {number} | {sentence('missing', repo.languages, clause=code(clause_id))} | — | {note} |"
        target = link(path, clause_page_path(clause))
        category = category_label(clause.meta.category, repo.languages)
        return f"| {number} | [{plain(clause.title(first))}]({target}) | {category} | {note} |"

    for number, clause_id, note in template_rows(meta):  # the numbers the clause pages give too
        shown = prose_word(note, repo.languages) if note else note
        shown = f"**{shown}**" if note == "optional" else shown
        lines.append(row("—" if number is None else str(number), clause_id, shown))
    lines += ["", sentence("omit", repo.languages), ""]
    if meta.terms:  # set once by an agreement (`terms:`), read by its clauses as terms.<name>
        lines += [f"## {say('key_terms', repo.languages)}", "", parameter_header(repo.languages, languages),
                  "|---|---|---|---|" + "---|" * len(languages),
                  *(_parameter_row(n, t, languages) for n, t in meta.terms.items()), "",
                  sentence("sets_terms", repo.languages), ""]
    lines += [f"## {say('categories_required', repo.languages)}", ""]
    lines += [f"- {category_label(c, repo.languages)}" for c in meta.requires]
    if with_specimens:
        lines += ["", f"## {say('specimens', repo.languages)}", "",
                  sentence("sample_data", repo.languages), ""]
        for language in languages:  # the template's languages only
            for fmt in ("pdf", "docx"):
                target = link(path, specimen_path(name, language, fmt))
                filename = html(posixpath.basename(specimen_path(name, language, fmt)))
                lines.append(f'[{language_name(language)} — {fmt.upper()}]({target})'
                             f'{{ .md-button download="{filename}" }}')
            lines.append("")
    return Page(path, meta.title[first], "\n".join(lines) + "\n")


NAV_BUCKET = 15


def _buckets(clauses: list[Clause], paths: list[str], language: str) -> list:
    """Large categories are split into alphabetical groups, so that a pruned navigation stays
    small on every page: Material then renders only the open group, and the site's build time
    grows linearly with the library instead of with its square."""
    if len(paths) <= NAV_BUCKET:
        return paths
    groups = []
    for start in range(0, len(paths), NAV_BUCKET):
        chunk = clauses[start : start + NAV_BUCKET]
        label = html(f"{_short(chunk[0].title(language))} … {_short(chunk[-1].title(language))}")
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
    first = repo.languages[0]
    by_category: dict[str, list[Clause]] = {}
    for clause in sorted(repo.clauses.values(), key=lambda c: (c.title(first).lower(), c.id)):
        by_category.setdefault(clause.meta.category, []).append(clause)
    clause_nav: list = ["clauses/index.md"]
    index = ["---", "title: Clauses", "---", "", f"# {heading('clause_library', repo.languages)}", ""]
    for category in repo.categories:
        clauses = by_category.get(category)
        if not clauses:
            continue
        page = category_page(repo, category, clauses)
        book.pages.append(page)
        paths = []
        for clause in clauses:
            path = clause_page_path(clause)
            book.pages.append(Page(path, clause.title(first), None))
            book.clauses.append(clause.id)
            paths.append(path)
        label = category_label(category, repo.languages)
        clause_nav.append({label: [page.path, *_buckets(clauses, paths, first)]})
        index.append(f"- [{label}]({category}/index.md) — {len(clauses)} "
                     + ("clause" if len(clauses) == 1 else "clauses"))
    book.pages.append(Page("clauses/index.md", "Clauses", "\n".join(index) + "\n"))
    template_nav: list = ["contract-types/index.md"]
    templates_title = word("templates", first)
    several = len(repo.languages) > 1  # a column for the titles in the other languages
    columns = [word("template", first), *([say("template", repo.languages[1:], " · ")] if several else []),
               article_word([t.meta for t in repo.templates.values()], first, plural=True)]
    tindex = ["---", f"title: {templates_title}", "---", "", f"# {heading('contract_types', repo.languages)}", "",
              "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for name in usable_templates(repo):
        page = template_page(repo, name, with_specimens)
        book.pages.append(page)
        template_nav.append(page.path)
        meta = repo.templates[name].meta
        first_title, *other_titles = [meta.title[lang] for lang in repo.template_languages(repo.templates[name])]
        others = f"{plain(' · '.join(other_titles))} | " if several else ""
        tindex.append(f"| [{plain(first_title)}]({link('contract-types/index.md', page.path)}) | "
                      f"{others}{len(meta.clauses)} |")
        if with_specimens:
            book.specimens += [(name, language) for language in repo.template_languages(repo.templates[name])]
    book.pages.append(Page("contract-types/index.md", templates_title, "\n".join(tindex) + "\n"))
    book.nav = [{"Clauses": clause_nav}, {say("templates", repo.languages): template_nav}]
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
