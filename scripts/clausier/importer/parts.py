"""The document's parts: a cover page of key terms before the first section, and the schedules,
annexes or exhibits after the signatures (parts.py of the document model).

- The cover (cover.py) is a page titled like one ("Cover Page", "Key Terms", « Conditions
  particulières »…) or, without such a title, a two-column table before the first section. Its
  rows become key terms (their values go to the example agreement), an "Effective Date" row the
  agreement's own date; the rest of its text a cover clause.
- An annex starts at a heading (or a paragraph on its own) "Schedule A — Pricing", "Annexe 1",
  "EXHIBIT B" after the contract's body; the units from there on are cut off before the body's
  structure is read. An annex with numbered sections keeps them as its clauses (numbered A.1,
  A.2 by the template); one without is text the agreement gives (`from_agreement:`), as a
  statement of work or a price list usually is. "Schedule A" in the text becomes `ref()`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from .cover import bare, find_cover
from .frame import place_signatures, split_preamble
from .inlines import Notes, line_start
from .placeholders import Terms, defined_terms, quote_definitions
from .patterns import article_marker, is_title_like
from .structure import Article, Document, Para, find_structure, has_articles
from .units import Unit

ANNEX = re.compile(r"^(?P<word>schedule|annex|annexe|exhibit|appendix|appendice|attachment)[\s\u00a0]+"
                   r"(?P<n>[A-Z]|\d{1,2}|[IVX]{1,5})\b\.?(?:[\s\u00a0]*(?P<sep>[—–:.-])[\s\u00a0]*(?P<title>.*))?$",
                   re.I)


@dataclass
class Annex:
    word: str
    mark: str
    sep: str
    title: str
    index: int
    articles: list[Article] = field(default_factory=list)  # its own clauses
    text: list[Para] = field(default_factory=list)  # else: the agreement's text
    id: str = ""
    name: str = ""  # the agreement's annexes.<name>


def split_annexes(units: list[Unit]) -> tuple[list[Unit], list[tuple[Unit, re.Match, list[Unit]]]]:
    """The body's units, and each annex: its heading unit, what the heading says, its units."""
    starts, seen_body = [], False
    for i, unit in enumerate(units):
        text = bare(unit.text)
        found = ANNEX.match(text) if unit.kind in ("heading", "para") and len(text.split()) <= 15 else None
        if found and seen_body and (found["title"] is None or is_title_like(found["title"])):
            starts.append((i, found))
        elif unit.kind == "heading" or article_marker(unit.text, False):
            seen_body = True
    if not starts:
        return units, []
    groups = []
    for number, (i, found) in enumerate(starts):
        end = starts[number + 1][0] if number + 1 < len(starts) else len(units)
        groups.append((units[i], found, units[i + 1:end]))
    return units[: starts[0][0]], groups


def read_annexes(groups, notes: Notes) -> list[Annex]:
    annexes = []
    for unit, found, units in groups:
        title = bare(found["title"] or "").rstrip(".")
        if not title and units and (units[0].kind == "heading" or units[0].text.isupper()) \
                and is_title_like(units[0].text) and not article_marker(units[0].text, units[0].kind == "heading"):
            title, units = bare(units[0].text), units[1:]  # "EXHIBIT B" then "SERVICE LEVELS"
        word = found["word"].capitalize() if found["word"].isupper() else found["word"]
        annex = Annex(word, found["n"], found["sep"] or "", title, unit.index)
        if units and has_articles(units):
            part = find_structure(units, title or f"{word} {found['n']}", notes)
            first, last = part.articles[0], part.articles[-1]
            first.blocks[:0] = [Para(p.md if not p.heading else f"**{p.md}**", p.index) for p in part.preamble]
            last.blocks += [Para(p.md if not p.heading else f"**{p.md}**", p.index) for p in part.closing]
            annex.articles = part.articles
        else:
            annex.text = [Para(u.md if u.kind != "heading" else f"**{u.md}**", u.index) for u in units]
        annexes.append(annex)
    return annexes


def link_annexes(document: Document) -> int:
    """"Schedule A", « Annexe 1 » in the text → ref() to the annex (which prints them); the word
    written as the annexes' headings write it, else left alone. The count made."""
    if not document.annexes:
        return 0
    word = document.annexes[0].word
    by_mark = {annex.mark.upper(): annex.id for annex in document.annexes}
    pattern = re.compile(rf"(?<![\w-]){re.escape(word)}[\s\u00a0]+(?P<n>[A-Z]|\d{{1,2}}|[IVX]{{1,5}})(?![\w-])")
    made = 0

    def replace(match: re.Match) -> str:
        nonlocal made
        target = by_mark.get(match["n"].upper())
        if target is None:
            return match.group(0)
        made += 1
        return f'{{{{ ref("{target}") }}}}'

    for block in _text_blocks(document):
        block.md = pattern.sub(replace, block.md)
    return made


def _text_blocks(document: Document):
    """Every paragraph and item that holds text, wherever it is (not the titles)."""
    from .structure import Item

    for block in document.preamble + [b for _, blocks, _ in document.preamble_titled for b in blocks] + document.closing:
        yield block
    for article in document.articles + [a for annex in document.annexes for a in annex.articles]:
        yield from (b for b in article.blocks if isinstance(b, (Para, Item)))
    for annex in document.annexes:
        yield from annex.text
    if document.cover is not None:
        yield from document.cover.blocks


def rewrite_placeholders(document: Document, terms) -> None:
    """Placeholders → `{{ terms.x }}` everywhere; the closing's blanks stay (a signature's lines)."""
    closing = {id(block) for block in document.closing}
    for block in _text_blocks(document):
        block.md = terms.rewrite(block.md, block.index, blanks=id(block) not in closing)


def assign_part_ids(document: Document, unique) -> None:
    """Ids for the cover clause, each annex and its clauses: `unique(title, fallback)` makes a
    readable id of a title, unique (writing.py)."""
    if document.cover is not None and document.cover.blocks:
        document.cover.clause_id = unique("cover text", "cover-text")
    names: set[str] = set()
    for annex in document.annexes:
        annex.id = unique(f"{annex.word} {annex.mark}", "annex")
        for count, article in enumerate(annex.articles, start=1):
            article.id = unique(article.title, f"{annex.id}-{count}")
        if not annex.articles:
            name = re.sub(r"[^a-z0-9]+", "_", annex.id).strip("_")
            name = name if name[:1].isalpha() else "annex_" + name
            while name in names:
                name += "_2"
            annex.name = name
            names.add(name)


# ---------------------------------------------------------------- the files


def _yaml(text) -> str:
    return json.dumps(text, ensure_ascii=False, default=str)


HELP = {"en": "Written {source} in the source (paragraph {index}).",
        "fr": "Écrit {source} dans le document d'origine (paragraphe {index})."}


def template_lines(document: Document, language: str, terms) -> list[str]:
    """The template's `terms:`, `cover:` and `annexes:`."""
    lines = []
    if terms is not None and terms.terms():
        lines.append("terms:")
        for term in terms.terms():
            lines.append(f"  {term.name}:")
            lines.append(f"    type: {term.type}")
            if term.choices:
                lines.append(f"    choices: [{', '.join(_yaml(c) for c in term.choices)}]")
            lines.append(f"    label: {{{language}: {_yaml(term.label)}}}")
            shown = HELP.get(language, HELP["en"]).format(source=f"“{term.source}”", index=term.uses[0])
            if term.hint:  # what the source's label cell says to write, then where it came from
                shown = term.hint.rstrip(".") + ". " + shown
            lines.append(f"    help: {{{language}: {_yaml(shown)}}}")
    cover = document.cover
    if cover is not None:
        lines.append("cover:")
        if cover.title:
            lines.append(f"  title: {{{language}: {_yaml(cover.title)}}}")
        lines.append(f"  rows: [{', '.join(cover.rows)}]")
        if cover.tick_boxes:
            lines.append(f"  tick_boxes: [{', '.join(cover.tick_boxes)}]")
        if cover.clause_id:
            lines += ["  clauses:", f"    - {cover.clause_id}"]
        lines.append("  parties: false")
    if document.annexes:
        first = document.annexes[0]
        numbering = "1" if all(a.mark.isdigit() for a in document.annexes) else \
            "I" if all(re.fullmatch(r"[IVX]+", a.mark.upper()) for a in document.annexes) and \
            any(len(a.mark) > 1 for a in document.annexes) else "A"
        titled = any(a.title for a in document.annexes)
        sep = first.sep if first.sep in ":." else f" {first.sep or '—'}"
        heading = f"{{word}} {{n}}{sep} {{title}}" if titled else "{word} {n}"
        lines += ["annexes:", "  style:", f"    word: {{{language}: {_yaml(first.word)}}}",
                  f"    numbering: {_yaml(numbering)}", f"    heading: {_yaml(heading)}", "  parts:"]
        for annex in document.annexes:
            lines += [f"    - id: {annex.id}",
                      f"      title: {{{language}: {_yaml(annex.title or f'{annex.word} {annex.mark}')}}}"]
            if annex.articles:
                lines += ["      clauses:"] + [f"        - {a.id}" for a in annex.articles]
            else:
                lines.append(f"      from_agreement: {annex.name}")
    return lines


def agreement_lines(document: Document, terms) -> list[str]:
    """The example agreement's `terms:` (each marked to fill) and its annexes' texts."""
    lines = []
    if terms is not None and terms.terms():
        lines.append("terms:                                # key terms found in the source: to fill")
        for term in terms.terms():
            value = term.value.isoformat() if hasattr(term.value, "isoformat") else \
                str(term.value) if term.type in ("money", "decimal") else _yaml(term.value)
            kind = term.type + (f", {term.currency}" if term.currency else "")
            lines.append(f"  {term.name}: {value}    # to fill ({kind}): {term.label}")
    texts = [annex for annex in document.annexes if not annex.articles]
    if texts:
        lines.append("annexes:                              # the text of each schedule: to fill")
        for annex in texts:
            body = "\n\n".join(line_start(block.md) for block in annex.text) or f"{annex.word} {annex.mark}"
            lines.append(f"  {annex.name}: |")
            lines += [f"    {line}".rstrip() for line in body.split("\n")]
    return lines


def part_ids(document: Document) -> set[str]:
    ids = {document.cover.clause_id} if document.cover is not None and document.cover.clause_id else set()
    return ids | {a.id for annex in document.annexes for a in annex.articles}


def part_pieces(document: Document, language: str, choose, article_body, loose_body) -> list[tuple]:
    """(part, id, title, category, body, paragraph) of the cover clause and the annexes' clauses,
    as writing.plan_files writes them (with its article_body and loose_body); `choose(title, id)`
    gives (category, how it was chosen)."""
    pieces = []
    cover = document.cover
    if cover is not None and cover.clause_id:
        title = cover.title or {"fr": "Conditions particulières"}.get(language, "Cover Page")
        pieces.append(("cover", cover.clause_id, title, "general", loose_body(cover.blocks), cover.index))
    for annex in document.annexes:
        for article in annex.articles:
            category, _ = choose(article.title, article.id)
            pieces.append(("annexes", article.id, article.title, category, article_body(article), article.index))
    return pieces


# ---------------------------------------------------------------- the steps run.py calls


def open_parts(document: Document, groups, language: str, notes: Notes, today, library_has_signatures: bool = False):
    """After the body's structure: the annexes read, the cover taken out; the key terms started
    (the cover's rows first, so a placeholder of the same name in the text is the same term);
    the signature table to the closing, the preamble's headings placed (frame.py)."""
    document.terms = Terms(language, notes, today)
    document.annexes = read_annexes(groups, notes)
    find_cover(document, document.terms, notes)
    place_signatures(document, library_has_signatures)
    split_preamble(document)
    return document.terms


def link_parts(document: Document, unique, language: str) -> None:
    """Before the references are linked: ids for the parts, "Schedule A" → ref(), placeholders →
    key terms, a bold term defined without quotes ("**Affiliate** means") put in quotes, which is
    what the defined-terms check reads as a definition."""
    assign_part_ids(document, unique)
    document.annex_refs = link_annexes(document)
    rewrite_placeholders(document, document.terms)
    document.quoted_definitions = sum(quote_definitions(block, language) for block in _text_blocks(document))


def parts_report(document: Document) -> list[str]:
    """The report's sections on key terms, defined terms and parts: each guess, with its place."""
    out = ["", "## Key terms", ""]
    terms = document.terms.terms() if document.terms is not None else []
    for term in terms:
        kind = term.type + (f" {term.currency}" if term.currency else "") + \
            (f" ({' / '.join(term.choices)})" if term.choices else "")
        places = ", ".join(str(i) for i in dict.fromkeys(term.uses))
        out.append(f"- `{term.name}` ({kind}, guessed from {term.why}): “{term.source}”, paragraph(s) {places}")
    if not terms:
        out.append("- no placeholder found")
    else:
        out.append("- each is `{{ terms.<name> }}` in the text; the example agreement sets it (marked “to fill”)")
    for index, text in document.terms.left if document.terms is not None else []:
        out.append(f"- paragraph {index}: bracketed text left as written: “{text}”")
    by_name = {term.name: term for term in terms}
    for index, name, blanks in document.terms.unbracketed if document.terms is not None else []:
        out.append(f"- paragraph {index}: the blank(s) {', '.join(f'“{b}”' for b in blanks)} inside the cover row "
                   f"“{by_name[name].label}” are part of its value, without brackets (`{name}`: “{by_name[name].value}”): "
                   "a cover row prints one value; make a blank a term of its own if a clause needs it")
    if document.terms is not None and document.terms.kept_blanks:
        out.append(f"- {document.terms.kept_blanks} blank(s) of the signature block kept as lines to fill by hand")
    out += ["", "## Defined terms", ""]
    found = defined_terms(list(_text_blocks(document)))
    out.append(f"- {len(found)} defined: " + ", ".join(f"“{t}”" for t in found) if found else "- none found")
    if getattr(document, "quoted_definitions", 0):
        out.append(f"- {document.quoted_definitions} bold term(s) defined without quotes (“**Affiliate** means”) put "
                   "in quotes, as `clausier check` reads a definition")
    out += ["", "## Parts", ""]
    cover = document.cover
    if cover is not None:
        out.append(f"- cover page (paragraph {cover.index}), found from {cover.how}: rows {', '.join(cover.rows)}"
                   + (f"; tick-boxes {', '.join(cover.tick_boxes)}" if cover.tick_boxes else "")
                   + (f"; its other text is the cover clause `{cover.clause_id}`" if cover.clause_id else ""))
        if cover.effective:
            out.append(f"- the cover's “Effective Date” row (“{cover.effective}”) is the agreement's own "
                       "`effective_date`: the example agreement sets it")
    for annex in document.annexes:
        what = (f"{len(annex.articles)} clause(s) of its own: {', '.join(a.id for a in annex.articles)}"
                if annex.articles else f"no numbered sections: its text is the agreement's `annexes.{annex.name}`")
        out.append(f"- {annex.word} {annex.mark}" + (f" — {annex.title}" if annex.title else "")
                   + f" (paragraph {annex.index}): annex `{annex.id}`, {what}")
    if getattr(document, "annex_refs", 0):
        out.append(f"- {document.annex_refs} reference(s) to an annex turned into ref()")
    out += [f"- {line}" for line in document.frame_report]
    if cover is None and not document.annexes and not document.frame_report:
        out.append("- no cover page or annex found")
    return out
