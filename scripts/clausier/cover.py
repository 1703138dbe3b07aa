"""The cover page: a template's `cover:`, printed before the preamble on a page of its own.

    cover:
      title: {en: Cover Page, fr: Conditions particulières}   # optional (default: Key terms)
      heading: true                        # the title printed above the cover (default); false: it
                                           # only names the cover in ref("cover")
      before: [using-this-mnda]            # library clauses above the table, unnumbered
      header: true                         # the table's "Term | Value" row (default)
      parties: true                        # the parties' names first (default)
      rows: [purpose, effective_date, mnda_term, governing_law]   # key terms and agreement facts
      tick_boxes: [mnda_term]              # enum terms: every choice listed, the chosen one ticked
      clauses: [cover-signing]             # library clauses after the table, unnumbered
      clause_titles: false                 # true: each cover clause under its title; or a list of them

`rows:` mixes the template's key terms (`terms:`) with the agreement's facts in FIELDS; the
older `terms:` (key terms only) still works, one or the other. Cover clauses are clauses like
any other (languages, parity, check, terms, parameters), placed once: on the cover.
`ref("cover")` prints the cover's title as a link to it (the div `cover`, which every style
ends the page after: style.typ, docx_layout.py, contract.css.html). A cover titled as the
document is (the title block above it already says it) prints no heading of its own.
An enum term's value prints as its choice's label (`choices: {key: {en: label}}`), else its key.

A cover without tick-boxes is the pipe table it always was; a tick-box lists its choices one
a line, which only a grid table can hold, so such a cover is a grid table of the same two
equal columns.
"""

from __future__ import annotations

import unicodedata
from typing import Any, Union

from pydantic import Field, field_validator, model_validator

from .numbering import _languages, _Strict
from .numbering import localized as _localized
from .parameters import choice_label

COVER_ID = "cover"  # what ref() takes, and the anchor it links to
COVER_TITLE = {"fr": "Conditions essentielles", "en": "Key terms"}
COVER_HEADER = {"fr": ("Terme", "Valeur"), "en": ("Term", "Value")}
# The agreement's facts a cover may show among its key terms, and their labels.
FIELDS = {
    "effective_date": {"fr": "Date d'effet", "en": "Effective Date"},
    "term": {"fr": "Durée", "en": "Duration"},
}
UNTIL = {"fr": "jusqu'au {date}", "en": "until {date}"}  # a term given by its end date
# A chosen and an unchosen box: Libertinus Serif (PDF) has these, as do the fonts Word and
# browsers fall back to (☐/☒ are missing from Libertinus and would come from another font).
BOXES = {True: "\u25a0", False: "\u25a1"}  # ■ □
_GRID_WIDTH = 38  # a grid column's width: over half of pandoc's 72 columns, so both are 50 %


def _word(words: dict, language: str):
    return words.get(language, words["en"])


class Cover(_Strict):
    title: dict[str, str] = Field(default_factory=dict, description="The cover's heading, per language")
    terms: list[str] = Field(default_factory=list, description="Key terms shown, in order (the template's terms:)")
    rows: list[str] = Field(default_factory=list, description="Key terms and agreement facts (effective_date, "
                            "term) shown, in order; instead of terms:")
    tick_boxes: list[str] = Field(default_factory=list, description="Enum key terms shown as tick-boxes: every "
                                  "choice, the chosen one ticked")
    before: list[str] = Field(default_factory=list, description="Clauses printed above the table, unnumbered")
    clauses: list[str] = Field(default_factory=list, description="Clauses printed after the table, unnumbered")
    header: bool = Field(True, description="The table's header row (Term | Value)")
    heading: bool = Field(True, description="Print the title above the cover (false: it only names the cover "
                          "in ref(\"cover\")); never when it is the document's title")
    clause_titles: Union[bool, list[str]] = Field(False, description="Print each cover clause's title above it "
                                                  "(true), or those of the clauses listed")
    parties: bool = Field(True, description="The parties' names above the terms")

    @field_validator("title")
    @classmethod
    def _title(cls, value: dict) -> dict:
        return _languages(value)

    @model_validator(mode="after")
    def _one_list(self) -> "Cover":
        if self.terms and self.rows:
            raise ValueError("give the cover's `rows:` (key terms and agreement facts) or its older `terms:`, "
                             "not both")
        return self

    def shown(self) -> tuple[str, list[str]]:
        """The key of the list of rows, and its names."""
        return ("rows", self.rows) if self.rows else ("terms", self.terms)

    def clause_ids(self) -> list[str]:
        """Every clause the cover lists, above the table then below it."""
        return [*self.before, *self.clauses]

    def titled(self, clause_id: str) -> bool:
        return self.clause_titles is True or (isinstance(self.clause_titles, list) and clause_id in self.clause_titles)


# ---------------------------------------------------------------- checked when a template loads


def cover_findings(clauses, meta: Any, placed: set[str], problem) -> None:
    """Each row a key term or a fact, each tick-box an enum row, each cover clause known and
    placed once; `problem(path, message)` reports at the template's line."""
    cover = meta.cover
    if COVER_ID in placed:
        problem(("cover",), f"this template places a clause named {COVER_ID!r}: ref({COVER_ID!r}) would not know "
                "whether the clause or the cover page is meant; rename the clause")
    key, names = cover.shown()
    valid = [*meta.terms, *(f for f in FIELDS if f not in meta.terms)] if key == "rows" else list(meta.terms)
    for index, name in enumerate(names):
        if name in meta.terms or (key == "rows" and name in FIELDS):
            continue
        if key == "terms":
            problem(("cover", "terms", index), f"the cover shows key term {name!r}, which this template does not "
                    f"declare; its terms: {', '.join(meta.terms) or 'none (add them under terms:)'}")
        else:
            problem(("cover", "rows", index), f"the cover shows {name!r}, which is neither a key term of this "
                    f"template nor an agreement field; valid rows: {', '.join(valid)}")
    for index, name in enumerate(cover.tick_boxes):
        term = meta.terms.get(name)
        if name not in names:
            problem(("cover", "tick_boxes", index), f"tick-boxes for {name!r}, which is not on the cover; add it "
                    f"to `{key}:` (on the cover: {', '.join(names) or 'none'})")
        elif term is None or term.type != "enum":
            problem(("cover", "tick_boxes", index), f"tick-boxes for {name!r}, which has no choices: only an "
                    "enum key term (type: enum, choices: […]) can be ticked")
    for key, ids in (("before", cover.before), ("clauses", cover.clauses)):
        for index, clause_id in enumerate(ids):
            if clause_id not in clauses:
                problem(("cover", key, index), f"cover: unknown clause {clause_id!r}; valid clauses: "
                        f"{', '.join(sorted(clauses))}")
            elif clause_id in placed:
                problem(("cover", key, index), f"cover: clause {clause_id!r} is already placed in this template")
            placed.add(clause_id)
    for index, clause_id in enumerate(cover.clause_titles if isinstance(cover.clause_titles, list) else ()):
        if clause_id not in cover.clause_ids():
            problem(("cover", "clause_titles", index), f"cover: a title for {clause_id!r}, which is not one of the "
                    f"cover's clauses ({', '.join(cover.clause_ids()) or 'none'}); list it under `before:` or "
                    "`clauses:`")


def agreement_findings(meta: Any, model: Any) -> list[tuple[tuple, str, str]]:
    """(path, message, field) of what an agreement lacks for its cover: its term's length."""
    cover = meta.cover
    if cover is None or "term" not in cover.rows or "term" in meta.terms:
        return []
    if model.term is None or (model.term.duration is None and model.term.end is None):
        return [(("term",), "the cover of this agreement's template shows its term: set term.duration "
                 "(e.g. 1 year) or term.end", "term")]
    return []


# ---------------------------------------------------------------- the cover's Markdown


def cover_markdown(meta: Any, language: str, provider: str | None, client: str, terms: dict,
                   currency: str | None, model: Any = None, clauses: list[tuple[str, str]] = ()) -> str:
    """The cover: its heading, then in the div `cover` its clauses above the table, a table of
    the parties' names, the key terms' values (as a clause prints them, an enum's by its label)
    and the agreement's facts, then its clauses below; `clauses` are (title, Markdown) in the
    order parts.cover_clauses gives (those above first)."""
    from .markdown import escape_text

    cover = meta.cover
    rows = []
    if cover.parties:
        from .frame import party_words  # (frame.py imports parts.py, which imports this module)

        words = party_words(meta, language)  # the template's roles:, else frame.PARTY_WORDS
        rows += [(words[0], escape_text(provider))] if provider else []
        rows.append((words[1], escape_text(client)))
    for name in cover.shown()[1]:
        term = meta.terms.get(name)
        if term is not None:
            boxes = name in cover.tick_boxes and term.type == "enum"  # (else: reported as the template loads)
            value = _boxes(term, terms[name], language) if boxes else _term_value(term, terms[name], currency,
                                                                                     language)
            rows.append((term.label[language], value))
        elif name in FIELDS:  # (an unknown one: reported as the template loads)
            rows.append((_word(FIELDS[name], language), _fact(name, model, language)))
    title = _localized(cover.title or COVER_TITLE, language)
    header = tuple(escape_text(w) for w in _word(COVER_HEADER, language)) if cover.header else None
    body = [(escape_text(label), shown) for label, shown in rows]  # (escape_text escapes a |)
    if any("\n" in shown for _, shown in body):
        lines = _grid(header, body)
    elif body or header:  # a pipe table needs a header line: blank cells make it a table without one
        top = f"| {header[0]} | {header[1]} |" if header else "| | |"
        lines = [top, "|:--|:--|"] + [f"| {label} | {shown} |" for label, shown in body]
    else:  # nothing to tabulate: the cover is its clauses
        lines = []
    table = "\n".join(lines)

    ids = printed_clauses(meta)
    blocks = [f"## {escape_text(clause_title)}\n\n{markdown}" if cover.titled(clause_id) else markdown
              for clause_id, (clause_title, markdown) in zip(ids, clauses)]  # a title: a heading under the cover's
    above = len([clause_id for clause_id in ids if clause_id in cover.before])  # (listed first)
    pieces = [*blocks[:above], *([table] if table else []), *blocks[above:]]
    if pieces and pieces[0].startswith("#"):  # pandoc would move the div's id onto a heading first in
        pieces[0] = f"::: {{.{COVER_ID}-lead}}\n\n{pieces[0]}\n:::"  # it, and lose the div: a div around it
    opening = f"::: {{#{COVER_ID}}}\n" + ("\n" if above or not table else "")
    shown = cover.heading and not _is_document_title(title, meta, model, language)
    heading = f"# {escape_text(title)}\n\n" if shown else ""
    return heading + opening + "\n\n".join(pieces) + "\n:::\n\n"


def printed_clauses(meta: Any) -> list[str]:
    """The clauses the cover prints, in order (those above the table first), each once; one the
    template places elsewhere too stays there (its error: cover_findings)."""
    placed = {*meta.preamble, *(slot.id for slot in meta.slots()), *meta.closing}
    return [clause_id for clause_id in dict.fromkeys(meta.cover.clause_ids()) if clause_id not in placed]


def _is_document_title(title: str, meta: Any, model: Any, language: str) -> bool:
    """The cover's title is the document's (the agreement's `title:`, else its template's),
    which the title block above the cover already prints: no second heading saying it again."""
    if model is None:
        return False
    document = model.title or meta.title[language]
    return " ".join(title.split()).casefold() == " ".join(document.split()).casefold()


def cover_title(meta: Any, language: str) -> str:
    """What ref("cover") prints."""
    return _localized(meta.cover.title or COVER_TITLE, language)


def _term_value(term: Any, value, currency: str | None, language: str) -> str:
    from . import formatting
    from .markdown import escape_text
    from .sandbox import _finalize_plain

    kind = term.type
    if kind == "enum":  # its label (the key when the choices are a plain list)
        return escape_text(choice_label(term, str(value), language))
    if kind == "money":
        return escape_text(formatting.money(value, currency or "EUR", language))
    if kind == "list":
        return escape_text(formatting.and_list([str(v) for v in value], language))
    return _finalize_plain(value, language)


def _boxes(term: Any, value, language: str) -> str:
    """Every choice on its line, by its label, the chosen one's box filled."""
    from .markdown import escape_text

    return "\n".join(f"{BOXES[str(key) == str(value)]} {escape_text(choice_label(term, str(key), language))}"
                     for key in term.choices)


def _fact(name: str, model: Any, language: str) -> str:
    from .markdown import escape_text
    from .sandbox import _finalize_plain

    if name == "effective_date":
        return _finalize_plain(model.effective_date, language)
    if model.term.duration is not None:  # `term` (agreement_findings made sure it has one of them)
        return _finalize_plain(model.term.duration, language)
    date = _finalize_plain(model.term.end, language)
    return escape_text(_word(UNTIL, language).format(date=date))


def _grid(header: tuple[str, str] | None, rows: list[tuple[str, str]]) -> list[str]:
    """A grid table of two equal columns, left aligned; a cell's lines end in hard breaks, and
    long ones wrap (as pandoc joins them again). Without a header, the alignment goes on the
    top line (pandoc's rule for a grid table without one)."""
    cells = []
    for row in [header, *rows] if header else rows:
        cells.append([])
        for text in row:
            lines = text.split("\n")
            cells[-1].append([piece for n, line in enumerate(lines)
                              for piece in _wrap(line + ("\\" if n < len(lines) - 1 else ""))])
    width = max(_GRID_WIDTH, 2 + max(_width(line) for row in cells for lines in row for line in lines))
    rule = "+" + "-" * width + "+" + "-" * width + "+"
    out = [rule if header else "+:" + "-" * (width - 1) + "+:" + "-" * (width - 1) + "+"]
    for index, row in enumerate(cells):
        for n in range(max(len(lines) for lines in row)):
            parts = [lines[n] if n < len(lines) else "" for lines in row]
            out.append("|" + "|".join(f" {part}{' ' * (width - 1 - _width(part))}" for part in parts) + "|")
        out.append("+:" + "=" * (width - 1) + "+:" + "=" * (width - 1) + "+" if index == 0 and header else rule)
    return out


def _wrap(line: str) -> list[str]:
    """A cell's line cut at spaces to fit the column. A piece only ever starts with a letter or
    digit: a line of `-` or `=`, a `#` or a `>` would be markup there; a word is never cut."""
    pieces = [""]
    for word in line.split(" "):
        if pieces[-1] and word[:1].isalnum() and _width(pieces[-1]) + 1 + _width(word) > _GRID_WIDTH - 2:
            pieces.append(word)
        else:
            pieces[-1] = f"{pieces[-1]} {word}" if pieces[-1] else word
    return pieces


def _width(text: str) -> int:
    """Columns a line takes as pandoc counts them: wide characters two, combining marks none."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
