"""The cover page of key terms before the first section (parts.py reads the rest of the parts).

The cover is a page titled like one ("Cover Page", "Key Terms", « Conditions particulières »…)
or, without such a title, a two-column table before the first section. Each row becomes a key
term named after its label cell's first paragraph (a second paragraph, "How Confidential
Information may be used", is the term's `help:`); an "Effective Date" row is the agreement's
own date; the rest of the page's text a cover clause.

A row whose label cell is empty continues the row above ("Governing Law & Jurisdiction" over
two rows): when each of the group's values opens with its own name ("Governing Law: […]",
"Jurisdiction: […]"), each is a row named so; else the continuation is a row of its own,
"<label above> (2)". Either way the report says so: no row is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .inlines import Notes
from .structure import Document, Item, Para, Sub

COVER_TITLE = re.compile(r"^(?:cover page|cover sheet|key terms|order form|particulars|key details|"
                         r"conditions particulières|conditions essentielles|page de garde|principales conditions|"
                         r"conditions générales particulières)$", re.I)
_HEADER_WORDS = {"term", "terms", "value", "details", "terme", "valeur", "détail", "key term", ""}
_EFFECTIVE = re.compile(r"^(?:effective date|date d['’]effet|date d['’]entrée en vigueur)$", re.I)
_CELL = re.compile(r"(?<!\\)\|")
# "Governing Law: […]": a value that opens with its own short name, before a colon
_LEAD = re.compile(r"^\s*(?:\*\*)?(?P<lead>[^\W\d_][^:*\[\]\\|]{0,38}?)\s*(?:\*\*)?\s*:\s*(?:\*\*)?\s*(?P<rest>\S.*)$",
                   re.S)


@dataclass
class CoverPart:
    how: str
    index: int
    title: str = ""
    rows: list[str] = field(default_factory=list)  # key term names, or effective_date
    tick_boxes: list[str] = field(default_factory=list)
    blocks: list[Para] = field(default_factory=list)  # its other text: a cover clause
    clause_id: str = ""
    effective: str = ""  # what the "Effective Date" row said (the agreement's effective_date)


def bare(text: str) -> str:
    return " ".join(text.replace("*", "").split()).strip()


def grid(block: Para) -> list[list[list[str]]] | None:
    """A table's rows of cells (each cell its paragraphs' Markdown), header row first: the one
    units.py kept, else read back from a pipe table's lines; None when the block is no table."""
    if getattr(block, "cells", None) is not None:
        return block.cells
    lines = block.md.split("\n")
    if len(lines) < 2 or not all(line.startswith("|") for line in lines):
        return None
    rows = [[cell.strip() for cell in _CELL.split(line.strip()[1:-1])] for line in lines]
    return [[[cell] if cell else [] for cell in row] for row in rows[:1] + rows[2:]]


_SIGN_WORDS = {"signature", "signatures", "signed", "signed by", "by", "name", "print name", "printed name",
               "full name", "title", "position", "date", "company", "notice address", "address", "email",
               "signature and stamp", "nom", "prénom", "nom et prénom", "nom et qualité", "qualité", "fonction",
               "fait à", "lieu", "société", "adresse", "signé", "signé par", "par", "le", "cachet"}


def is_signature_table(block: Para) -> bool:
    """A table of two or more columns whose first column names at least three signature lines,
    one of them the signature itself."""
    table = grid(block) if not block.heading else None
    if not table or min(len(row) for row in table) < 2:
        return False
    first = [bare(" ".join(row[0])).replace("\\", "").lower().rstrip(":").strip() for row in table]
    hits = [word for word in first if word in _SIGN_WORDS]
    return len(hits) >= 3 and any(word.startswith(("signature", "signed", "signé")) for word in hits)


def _rows(block: Para) -> list[tuple[list[str], str]] | None:
    """A two-column table's rows (label paragraphs, value Markdown); the header too when it is
    not "Term | Value". None when the block is no such table."""
    table = grid(block)
    if table is None or any(len(row) != 2 for row in table):
        return None
    header, body = table[0], table[1:]
    if not all(bare(" ".join(cell)).lower().replace("\\", "") in _HEADER_WORDS for cell in header):
        body = [header] + body
    return [(label, " ".join(value)) for label, value in body]


def _name(label: list[str]) -> str:
    return bare(label[0]).replace("\\", "").rstrip(":").strip() if label else ""


def find_cover(document: Document, terms, notes: Notes) -> None:
    """Take the cover out of the preamble (or out of the first article, when the document's
    sections are headings and the cover's title is the first of them) into document.cover."""
    blocks, how, title, index = None, "", "", 0
    preamble = document.preamble
    for i, block in enumerate(preamble):
        if COVER_TITLE.match(bare(block.md).rstrip(".:")) and (block.heading or block.md.startswith("**")):
            end = next((j for j in range(i + 1, len(preamble)) if preamble[j].heading), len(preamble))
            blocks, title, index = preamble[i + 1:end], bare(block.md).rstrip(".:"), block.index
            del preamble[i:end]
            how = f"a page titled {title!r}"
            break
    if blocks is None and document.articles and COVER_TITLE.match(document.articles[0].title):
        article = document.articles.pop(0)
        blocks, title, index = _flat(article, notes), article.title, article.index
        how = f"a section titled {title!r}"
    if blocks is None:
        for i, block in enumerate(preamble):
            rows = _rows(block) if not is_signature_table(block) else None
            if rows and len(rows) >= 2 and all(len(bare(" ".join(label)).split()) <= 8 for label, _ in rows):
                blocks, index, how = [preamble.pop(i)], block.index, "a two-column table before the first section"
                break
    if blocks is None:
        return
    cover = CoverPart(how, index, title.replace("\\", ""))
    for block in blocks:
        rows = _rows(block) if not is_signature_table(block) else None  # frame.py moves a signature table
        if rows is None:
            cover.blocks.append(block)
        else:
            notes.paragraph = block.index
            for label, hint, value in _named_rows(rows, notes):
                _row(cover, terms, notes, label, hint, value, block.index)
    if not cover.rows:
        notes.note("a cover page without rows of terms was left in the preamble")
        document.preamble[0:0] = blocks
        return
    document.cover = cover


def _flat(article, notes: Notes) -> list[Para]:
    """A cover section's blocks as paragraphs: a sub-clause's title in bold, an item with its
    number written out (the cover page is unnumbered text)."""
    out, changed = [], False
    for block in article.blocks:
        if isinstance(block, Sub):
            changed = True
            if block.title:
                out.append(Para(f"**{block.title}**", block.index))
        elif isinstance(block, Item):
            changed = True
            out.append(Para(f"({block.number}) {block.md}", block.index))
        else:
            out.append(block)
    if changed:
        notes.paragraph = article.index
        notes.note("the cover page's sub-clauses and items kept as paragraphs (the cover is not numbered): "
                   "their numbers are gone, their titles in bold")
    return out


def _named_rows(rows: list[tuple[list[str], str]], notes: Notes) -> list[tuple[str, str, str]]:
    """(label, help, value) per row, a row with an empty label cell joined to the one above."""
    groups: list[tuple[str, str, list[str]]] = []
    for label, value in rows:
        name = _name(label)
        if name:
            groups.append((name, " ".join(bare(p).replace("\\", "") for p in label[1:]), [value]))
        elif bare(value):
            if groups:
                groups[-1][2].append(value)
            else:
                groups.append(("", "", [value]))
        # a row empty in both cells holds nothing
    out = []
    for name, hint, values in groups:
        if len(values) == 1 and name:
            out.append((name, hint, values[0]))
            continue
        leads = [_LEAD.match(value) for value in values]
        if all(leads) and len({bare(m["lead"]).lower() for m in leads}) == len(leads):
            named = [(bare(m["lead"]).replace("\\", ""), m["rest"]) for m in leads]
            why = "each named by the words before its colon"
        else:
            first = name or (bare(leads[0]["lead"]) if leads[0] else "Row")
            named = [(first, leads[0]["rest"] if leads[0] and not name else values[0])]
            named += [(bare(m["lead"]).replace("\\", "") if m else f"{first} ({n})", m["rest"] if m else value)
                      for n, (m, value) in enumerate(zip(leads[1:], values[1:]), start=2)]
            why = "named by the words before its colon, else after the row above"
        shown = " / ".join(label for label, _ in named)
        notes.note(f"the cover row {name or '(no label)'!r} spans {len(values)} rows of the table (a label cell left "
                   f"empty): made {len(named)} rows, {why}: {shown}; check the names")
        out += [(label, hint if n == 0 else "", value) for n, (label, value) in enumerate(named)]
    return out


def _row(cover: CoverPart, terms, notes: Notes, label: str, hint: str, value: str, index: int) -> None:
    if _EFFECTIVE.match(label) and "effective_date" not in cover.rows:
        cover.rows.append("effective_date")
        cover.effective = bare(value).replace("\\", "")
        return
    term = terms.add_row(label, value, index, hint)
    if term.name in cover.rows:
        notes.note(f"the cover row {label!r} repeats a row above: its value {bare(value)[:60]!r} is not the term "
                   f"`{term.name}`'s; give it in the agreement or rename the row")
        return
    cover.rows.append(term.name)
    if term.type == "enum" and term.why == "tick-boxes":
        cover.tick_boxes.append(term.name)
