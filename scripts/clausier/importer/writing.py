"""The found structure as the repository's files: one clause folder per article (and one for the
preamble and one for the closing, when the document has them), the template listing them in
order with the numbering it was written in, and an example agreement that builds.

Texts go in as escaped Markdown; ids are readable slugs of the titles, prefixed with the
template's id when the library already holds a clause of that name.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass, field

from .categories import CategoryMap, choose_category
from .inlines import line_start
from .parts import agreement_lines, part_ids, part_pieces, template_lines
from .structure import Article, Document, Item, Para, Sub

STUB = {"fr": "À traduire", "en": "To translate"}
_SLUG_WORDS = 5


@dataclass
class Planned:
    """What the import writes: repository-relative path → text, and what it decided."""

    files: dict[str, str] = field(default_factory=dict)
    clauses: list[tuple[str, str, str, bool]] = field(default_factory=list)  # id, title, category, guessed
    stubs: list[str] = field(default_factory=list)  # other-language texts written as "to translate"
    prefixed: list[str] = field(default_factory=list)
    titled: list[str] = field(default_factory=list)  # preamble clauses printed under their title


def slug(text: str, fallback: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    words = re.sub(r"[^a-z0-9]+", " ", ascii_text).split()
    return "-".join(words[:_SLUG_WORDS])[:48].strip("-") or fallback


def assign_ids(document: Document, template_id: str, taken: set[str], own: set[str], planned: Planned) -> None:
    """Give each article an id: its title's slug, `<template>-<slug>` when the library has a
    clause of that name that is not this template's own (a re-import with --force), unique."""
    used: set[str] = set()
    for count, article in enumerate(document.articles, start=1):
        article.id = _unique(slug(article.title, f"section-{count}"), template_id, taken, own, used, planned)


def _unique(base: str, template_id: str, taken: set[str], own: set[str], used: set[str], planned: Planned) -> str:
    candidate = base
    if candidate in taken and candidate not in own:
        candidate = f"{template_id}-{base}"
        planned.prefixed.append(base)
    n, root = 2, candidate
    while candidate in used or (candidate in taken and candidate not in own):
        candidate, n = f"{root}-{n}", n + 1
    used.add(candidate)
    return candidate


def _yaml(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def article_body(article: Article) -> str:
    out: list[str] = []
    previous_item = False
    for block in article.blocks:
        if isinstance(block, Sub):
            label = f' {{{{ label("{block.label}") }}}}' if block.label else ""
            line = f"## {block.title}{label}".rstrip() if block.title or label else "##"
            out.append(("\n\n" if out else "") + line.replace("##  ", "## "))
            previous_item = False
        elif isinstance(block, Item):
            # the clause text writes "(a)" on every item: the template's `items:` numbers and styles them
            label = f'{{{{ label("{block.label}") }}}} ' if block.label else ""
            line = "    " * block.level + "(a) " + label + block.md
            out.append(("\n" if previous_item else "\n\n" if out else "") + line)
            previous_item = True
        else:
            out.append(("\n\n" if out else "") + (block.md if block.md.startswith(("|", "- ")) else line_start(block.md)))
            previous_item = False
    return "".join(out).strip("\n") + "\n"


def loose_body(blocks: list[Para]) -> str:
    parts = []
    for block in blocks:
        if block.heading:  # '#' is an article's: a clause another template numbers must not hold one
            parts.append("#" * min(max(block.heading, 2), 6) + " " + block.md)
        else:
            parts.append(block.md if block.md.startswith(("|", "- ")) else line_start(block.md))
    return "\n\n".join(parts) + "\n"


def _text_file(title: str, summary: str, body: str) -> str:
    todo = "To be written (imported text)."
    return (f"---\ntitle: {_yaml(title)}\nsummary: {_yaml(summary)}\nguidance:\n  when: {_yaml(todo)}\n"
            f"  negotiation: {_yaml(todo)}\n  risks: {_yaml(todo)}\n---\n{body}")


def _stub(language: str, source_language: str, shown: str) -> str:
    """A text in another of the library's languages: marked `translate: true` (check warns, an
    agreement in that language is refused), no copied wording, no invented title."""
    return (f"---\n# {STUB.get(language, STUB['en'])}: imported from {shown} in {source_language} "
            f"({source_language}.md); write the {language} text here, then remove `translate: true`.\n"
            "translate: true\n---\n")


def plan_files(document: Document, *, template_id: str, language: str, languages: tuple[str, ...],
               categories: tuple[str, ...], shown: str, numbering: dict, taken: set[str], own: set[str],
               planned: Planned, today: dt.date, category_map: CategoryMap | None = None) -> None:
    """Fill `planned.files` (paths relative to the repository)."""
    used = {a.id for a in document.articles} | part_ids(document)
    parts: dict[str, list[str]] = {"preamble": [], "clauses": [], "closing": [], "cover": [], "annexes": []}
    pieces = []
    if document.preamble:
        cid = _unique("preamble", template_id, taken, own, used, planned)
        pieces.append(("preamble", cid, "Preamble", "parties", loose_body(document.preamble), 0))
    for title, blocks, index in document.preamble_titled:  # a heading and its text (frame.py)
        cid = _unique(slug(title, "preamble"), template_id, taken, own, used, planned)
        pieces.append(("preamble", cid, title, "parties", loose_body(blocks), index))
        planned.titled.append(cid)
    for article in document.articles:
        category, guessed = choose_category(article.title, article.id, language, categories, category_map)
        pieces.append(("clauses", article.id, article.title, category, article_body(article),
                       article.index))
        planned.clauses.append((article.id, article.title, category, guessed))
    if document.closing:
        first = document.closing[0]
        name = first.md if first.heading else "Signatures"
        cid = _unique(slug(name, "closing"), template_id, taken, own, used, planned)
        pieces.append(("closing", cid, name.replace("\\", ""), "signatures", loose_body(document.closing), 0))
    elif document.library_closing:  # the library's signatures clause (frame.py): no file of ours
        parts["closing"].append(document.library_closing)
    for piece in part_pieces(document, language, lambda title, cid: choose_category(title, cid, language, categories,
                                                                                    category_map),
                             article_body, loose_body):
        pieces.append(piece)
        if piece[0] == "annexes":
            planned.clauses.append((piece[1], piece[2], piece[3], "an annex's clause; category guessed from the title"))
    for part, cid, title, category, body, index in pieces:
        category = (category_map.pick(title, cid) if category_map and part != "clauses" else None) or category
        if category not in categories:
            category = "general" if "general" in categories else categories[0]
        parts[part].append(cid)
        where = f" (paragraph {index})" if index else ""
        planned.files[f"clauses/{cid}/clause.yml"] = (f"# Imported from {shown}{where} by `clausier import`.\n"
                                                      f"category: {category}\nversion: 1.0.0\n")
        summary = f"Imported from {shown}{where}."
        planned.files[f"clauses/{cid}/{language}.md"] = _text_file(title, summary, body)
        for other in languages:
            if other != language:
                planned.files[f"clauses/{cid}/{other}.md"] = _stub(other, language, shown)
                planned.stubs.append(f"clauses/{cid}/{other}.md")
    planned.files[f"templates/{template_id}.md.j2"] = _template(document, template_id, language, shown, numbering,
                                                               parts, today, planned.titled)
    client, address = STUB_CLIENT.get(language, STUB_CLIENT["en"])
    planned.files[f"agreements/{template_id}-example.md"] = (
        f"---\ntemplate: {template_id}\nlanguage: {language}\nstatus: draft\nclient:\n"
        f"  name: {_yaml(client)}\n  address: {_yaml(address)}\neffective_date: {today.isoformat()}\n"
        + "".join(line + "\n" for line in agreement_lines(document, document.terms)) + "---\n")


STUB_CLIENT = {"en": ("Client to be named", "Address to be given"), "fr": ("Client à nommer", "Adresse à indiquer")}

_PREAMBLE = """{% for id in preamble %}
{{ clause(id) }}

{% endfor %}
"""
_BODY = """{% for article in articles %}
{{ clause(article.id) }}

{% endfor %}
{% for id in closing %}
{{ clause(id) }}

{% endfor %}
"""


def _template(document: Document, template_id: str, language: str, shown: str, numbering: dict,
              parts: dict[str, list[str]], today: dt.date, titled: list[str]) -> str:
    lines = ["---", f"title: {{{language}: {_yaml(document.title)}}}",
             f"description: {{{language}: {_yaml(f'Imported from {shown} on {today.isoformat()}.')}}}",
             f"languages: [{language}]", "needs: []", "numbering:", "  article:"]
    if numbering.get("word"):
        lines.append(f"    word: {{{language}: {_yaml(numbering['word'])}}}")
    lines.append(f"    heading: {_yaml(numbering['heading'])}")
    lines += ["  subclause:", '    number: "{article}.{n}"', f"    title: {numbering['sub_title']}"]
    if numbering.get("items"):
        lines.append(f"  items: [{', '.join(_yaml(s) for s in numbering['items'])}]")
    if numbering.get("refer"):
        lines.append(f"  refer: {{{language}: [{', '.join(_yaml(w) for w in numbering['refer'])}]}}")
    for part in ("preamble", "clauses", "closing"):
        if part == "clauses":
            lines.append("clauses:")
            lines += [f"  - {cid}" for cid in parts[part]]
        elif parts[part]:
            lines.append(f"{part}: [{', '.join(parts[part])}]")
    if titled:
        lines.append(f"titled: [{', '.join(titled)}]")
    lines += template_lines(document, language, document.terms)  # terms:, cover:, annexes: (parts.py)
    between = "".join(f"# {heading}\n\n" for heading in document.between)  # headings of no section (frame.py)
    return "\n".join(lines) + "\n---\n" + _PREAMBLE + between + _BODY
