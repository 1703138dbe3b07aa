"""What every generated handbook page shares: the page record, paths and links, Markdown helpers."""

from __future__ import annotations

import posixpath
import textwrap
from dataclasses import dataclass, field
from urllib.parse import quote

from ..models import LANGUAGES
from ..parts import annex_articles, cover_clauses
from ..settings import category_label as label_in

LANGUAGE_NAMES = {"fr": "Français", "en": "English"}


def language_name(language: str) -> str:
    """« Français », "English", or what Babel calls a language a library adds, in itself ("Deutsch")."""
    if language in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[language]
    from babel import Locale

    name = Locale.parse(language.replace("-", "_")).get_display_name(language.replace("-", "_")) or language
    return name[:1].upper() + name[1:]


def in_each(text_of, languages) -> list[str]:
    """A text in each language, once each: ["Signatures"], ["Durée", "Term"]."""
    return list(dict.fromkeys(text_of(language) for language in languages))


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


def clause_page_path(clause) -> str:
    return f"clauses/{clause.meta.category}/{clause.id}.md"


def category_label(category: str, languages=LANGUAGES) -> str:
    return " / ".join(in_each(lambda language: label_in(category, language), languages))


def specimen_path(template: str, language: str, fmt: str) -> str:
    return f"contract-types/specimens/{template}-{language}.{fmt}"


def link(from_page: str, to_page: str) -> str:
    # Quoted: a clause or template name is a file name from content, and must not end the link.
    return quote(posixpath.relpath(to_page, posixpath.dirname(from_page) or "."), safe="/._-~")


def indent(text: str, spaces: int = 4) -> str:
    return textwrap.indent(text, " " * spaces, lambda line: True).replace(" " * spaces + "\n", "\n")


def in_language(markdown: str, language: str) -> str:
    """Markdown in a block marked with its language (lang="fr"), for screen readers, hyphenation
    and spelling. The opening and closing tags stand alone between blank lines, so the Markdown
    between them is converted as usual (content cannot close the block: its `<` is escaped)."""
    return f'<div lang="{language}">\n\n{markdown}\n\n</div>'


def yaml_string(text: str) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def template_rows(meta) -> list[tuple[int | str | None, str, str]]:
    """A template's clauses in the order it prints them: (article number or None, clause id, note).
    The number is the one the template's specimen prints, every optional clause kept; an annex
    clause's is its annex's ("A.1"). The template page and the clause pages both read it here."""
    rows = [(None, clause_id, "cover") for clause_id in cover_clauses(meta)]
    rows += [(None, clause_id, "preamble") for clause_id in meta.preamble]
    rows += [(number, slot.id, "optional" if slot.optional else "")
             for number, slot in enumerate(meta.slots(), start=1)]
    rows += [(None, clause_id, "closing") for clause_id in meta.closing]
    return rows + [(number, clause_id, "") for clause_id, number in annex_articles(meta)]
