"""Document parts: an optional cover page before the preamble, and annexes after the closing.

A template's front matter may set both; without them a contract is exactly what it was:

    cover:                                   # the key terms on a page of their own
      title: {en: Key terms, fr: Conditions essentielles}     # optional
      terms: [ip_model, warranty_months]     # the template's `terms:`, in this order
      parties: true                          # the parties' names first (default)
                                             # (rows, tick-boxes, clauses: cover.py)
    annexes:                                 # after the signatures, each on a new page
      style:
        word: {en: Schedule, fr: Annexe}     # what {word} prints
        numbering: "A"                       # A, B… / 1, 2… / I, II…
        heading: "{word} {n} — {title}"      # placeholders: {word} {n} {title}
      parts:
        - {id: sow, title: {en: Statement of Work, fr: Cahier des charges}, clauses: [a, b]}
        - {id: pricing, title: {en: Pricing, fr: Prix}, from_agreement: pricing}

An annex holds its own clauses, numbered within it (A.1, A.2; sub-clauses A.1.1), or the
agreement's text (its `annexes: {pricing: "…"}`). `ref("sow")` prints "Schedule A" as a link,
`ref("cover")` the cover's title.
Page breaks belong to the parts: the Markdown marks the cover (div `cover`) and the annexes
(div `annexes`, headings `{#part-<id>}`), and each format's style breaks the page there
(style.typ, docx_layout.py, contract.css.html); content cannot ask for a break itself.

The models have their own base class (the same settings as models.Strict) so models.py can
import them; the rest is read by planning.py and assemble.py.
"""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import Field, field_validator, model_validator

from .cover import (COVER_ID, Cover, cover_findings, cover_markdown, cover_title,  # noqa: F401
                    printed_clauses)
from .numbering import _fields, _languages, _Strict
from .numbering import localized as _localized

# `meta` below is a models.TemplateMeta (not imported: models.py imports this module).
TemplateMeta = Any

# Words by language; a language a library adds takes the English ones.
ANNEX_WORD = {"fr": "Annexe", "en": "Schedule"}
ANNEX_HEADING = "{word} {n} — {title}"
PART_ANCHOR = "part-"  # the heading id of an annex: style.typ, docx_layout.py and the CSS break before it
_ID = r"^[a-z0-9][a-z0-9-]*$"


class AnnexStyle(_Strict):
    word: dict[str, str] = Field(default_factory=dict, description="What {word} prints, per language")
    numbering: Literal["A", "1", "I"] = Field("A", description="A, B… / 1, 2… / I, II…")
    heading: str = Field(ANNEX_HEADING, description="An annex's heading: {word}, {n}, {title}")

    @field_validator("word")
    @classmethod
    def _words(cls, value: dict) -> dict:
        return _languages(value)

    @field_validator("heading")
    @classmethod
    def _heading(cls, value: str) -> str:
        return _fields(value, {"word", "n", "title"}, {"n"}, "annexes.style.heading")

    def mark(self, index: int) -> str:
        """The annex's number: index 0 → "A", "1" or "I"."""
        n = index + 1
        if self.numbering == "1":
            return str(n)
        if self.numbering == "I":
            out = ""
            for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                                   (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
                while n >= value:
                    out, n = out + letters, n - value
            return out
        out = ""
        while n:
            n, rest = divmod(n - 1, 26)
            out = chr(ord("A") + rest) + out
        return out

    def label(self, index: int, language: str) -> str:
        """What ref() prints: "Schedule A"."""
        words = self.word or ANNEX_WORD
        return f"{_localized(words, language)}\u00a0{self.mark(index)}"


class AnnexPart(_Strict):
    id: str = Field(pattern=_ID, description="The part's name for ref()")
    title: dict[str, str] = Field(description="The part's title, per language")
    clauses: list[str] = Field(default_factory=list, description="Its clauses, numbered within it")
    from_agreement: Optional[str] = Field(None, pattern=r"^[a-z][a-z0-9_]*$",
                                          description="Its text is the agreement's annexes.<name>")

    @field_validator("title")
    @classmethod
    def _title(cls, value: dict) -> dict:
        if not value:
            raise ValueError("an annex needs its title, per language")
        return _languages(value)

    @model_validator(mode="after")
    def _one_source(self) -> "AnnexPart":
        if bool(self.clauses) == (self.from_agreement is not None):
            raise ValueError("an annex holds either `clauses:` or `from_agreement:` (one of them)")
        return self


class Annexes(_Strict):
    style: AnnexStyle = Field(default_factory=AnnexStyle)
    parts: list[AnnexPart] = Field(min_length=1)


# ---------------------------------------------------------------- checked when a template loads


def part_findings(clauses, meta: TemplateMeta, document, shown: str) -> list:
    """The cover's rows and clauses (cover.py), annex clauses that exist and are placed once, part
    ids that are unique and no clause's: each at its line in the template."""
    from .errors import Finding

    findings = []

    def problem(path: tuple, message: str) -> None:
        line, col = document.positions.of(path)
        findings.append(Finding(shown, line, col, field=".".join(map(str, path)), message=message, rule="template"))

    placed = {*meta.preamble, *(slot.id for slot in meta.slots()), *meta.closing}
    if meta.cover is not None:
        cover_findings(clauses, meta, placed, problem)
    if meta.annexes is None:
        return findings
    ids: set[str] = set()
    for index, part in enumerate(meta.annexes.parts):
        if part.id in ids:
            problem(("annexes", "parts", index, "id"), f"annex id {part.id!r} is used twice; give each part its own")
        elif part.id in placed or part.id in clauses:
            problem(("annexes", "parts", index, "id"), f"annex id {part.id!r} is a clause's id too; ref() would "
                    "not know which one is meant: rename the annex")
        ids.add(part.id)
        for number, clause_id in enumerate(part.clauses):
            where = ("annexes", "parts", index, "clauses", number)
            if clause_id not in clauses:
                problem(where, f"annex {part.id!r}: unknown clause {clause_id!r}; valid clauses: "
                        f"{', '.join(sorted(clauses))}")
            elif clause_id in placed:
                problem(where, f"annex {part.id!r}: clause {clause_id!r} is already placed in this template")
            placed.add(clause_id)
    return findings


# ---------------------------------------------------------------- the parts' Markdown


def annex_articles(meta: TemplateMeta) -> list[tuple[str, str]]:
    """(clause id, number) of every annex clause, in order: ("sla", "A.1")."""
    annexes = meta.annexes
    if annexes is None:
        return []
    return [(clause_id, f"{annexes.style.mark(index)}.{n}") for index, part in enumerate(annexes.parts)
            for n, clause_id in enumerate(part.clauses, start=1)]


def part_targets(meta: TemplateMeta, language: str) -> dict[str, str]:
    """Part id → what ref() prints for it: the cover's title, "Schedule A"."""
    annexes = meta.annexes
    out = {COVER_ID: cover_title(meta, language)} if meta.cover is not None else {}
    if annexes is None:
        return out
    return out | {part.id: annexes.style.label(index, language) for index, part in enumerate(annexes.parts)}


def part_anchor(part_id: str) -> str:
    """Where ref() to a part links: the cover's div, an annex's heading."""
    return COVER_ID if part_id == COVER_ID else f"{PART_ANCHOR}{part_id}"


def cover_clauses(meta: TemplateMeta) -> list[str]:
    """The clauses printed on the cover, in order; one the template places elsewhere too stays
    there (its error is at the template's line, cover_findings)."""
    return printed_clauses(meta) if meta.cover is not None else []


def annex_heading(meta: TemplateMeta, index: int, language: str) -> str:
    """`# Schedule A — Statement of Work {#part-sow}`."""
    import string

    from .markdown import escape_text

    annexes = meta.annexes
    part = annexes.parts[index]
    title = _localized(part.title, language)
    values = {"word": _localized(annexes.style.word or ANNEX_WORD, language), "n": annexes.style.mark(index),
              "title": title}
    out = []
    for literal, name, _, _ in string.Formatter().parse(annexes.style.heading):
        out.append(literal)
        if name is not None:
            out.append(values[name])
    return f"# {escape_text(''.join(out))} {{#{PART_ANCHOR}{part.id}}}"
