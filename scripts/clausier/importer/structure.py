"""The document's structure found in its units: preamble, articles (each with its sub-clauses,
(a)/(i) items and paragraphs), closing; and the numbering style it was written in.

Articles are found, in this order of trust: headings that carry a typed number ("Section 5.
Fees", "Article 5 — Prix", "5. Fees"); paragraphs that do ("5.\tFees", "Section 5." in bold);
an outer numbered list whose items open with a bold title ("1. **Introduction**. …"); else the
shallowest heading level used more than once (Word's automatic heading numbers are not in the
text). Before the first article is the preamble, after the last one (from the first heading
that is not an article) the closing: parties and signature block.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from .inlines import Notes, markdown, plain
from .patterns import (DASHES, DEEP, ITEM, SUB, Marker, article_marker, clean_title, footnotes, is_title_like,
                       item_marker, lead_title, strip_chars)
from .units import Unit

_DEFINES = re.compile(r"^(?:means|mean|shall mean|has the meaning|désigne|désignent|s['’]entend)\b")
LIST_ITEM_STYLES = {("LowerAlpha", "TwoParens"): "(a)", ("LowerRoman", "TwoParens"): "(i)",
                    ("UpperAlpha", "TwoParens"): "(A)", ("UpperRoman", "TwoParens"): "(I)",
                    ("Decimal", "TwoParens"): "(1)", ("LowerAlpha", "OneParen"): "a)",
                    ("LowerRoman", "OneParen"): "i)", ("Decimal", "OneParen"): "1)",
                    ("LowerAlpha", "Period"): "a.", ("LowerRoman", "Period"): "i.", ("Decimal", "Period"): "1."}


@dataclass
class Sub:
    number: str  # as the source numbers it ("2.1"), or as counted
    title: str  # Markdown; "" when untitled
    index: int
    label: str | None = None


@dataclass
class Item:
    level: int
    number: str  # "a", "iv"
    md: str
    index: int
    label: str | None = None


@dataclass
class Para:
    md: str
    index: int
    heading: int = 0  # a heading's level, in a preamble or closing
    cells: list | None = None  # a table's rows of cells (units.Unit.cells)


@dataclass
class Article:
    number: str
    title: str  # plain text
    index: int
    blocks: list = field(default_factory=list)
    id: str = ""


@dataclass
class Style:
    word: str = ""
    heading: str = "{n}. {title}"
    sub_title: str = "heading"
    items: list[str] = field(default_factory=list)
    guesses: list[str] = field(default_factory=list)


@dataclass
class Document:
    title: str
    preamble: list = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)
    closing: list = field(default_factory=list)
    style: Style = field(default_factory=Style)
    cover: object = None  # cover.CoverPart: the key terms' page before the first section
    annexes: list = field(default_factory=list)  # parts.Annex: after the signatures
    terms: object = None  # placeholders.Terms: the key terms its placeholders became
    preamble_titled: list = field(default_factory=list)  # (title, blocks, paragraph): frame.split_preamble
    between: list[str] = field(default_factory=list)  # headings: the template's text before the sections
    library_closing: str = ""  # the library's clause that closes it (its signatures), none of its own
    frame_report: list[str] = field(default_factory=list)  # frame.py's decisions, for the report's Parts


def _marked(units: list[Unit]) -> tuple[dict[int, Marker], str]:
    """The units that open an article (position → its typed number) and how they were found."""
    headings = {i: m for i, u in enumerate(units) if u.kind == "heading" and (m := article_marker(u.text, True))}
    if headings:
        level = Counter(units[i].level for i in headings).most_common(1)[0][0]
        return {i: m for i, m in headings.items() if units[i].level == level}, "numbered headings"
    paragraphs = {}
    for i, unit in enumerate(units):
        if unit.kind == "para" and unit.depth < 0 and (m := article_marker(unit.text, False)):
            lead = lead_title(strip_chars(unit.inlines, len(unit.text) - len(m.rest)))
            short = len(m.rest.split()) <= 8 and not m.rest.rstrip().endswith((".", ";", ":", ","))
            if m.word or lead or (is_title_like(m.rest) and (_all_bold(unit) or short)):
                paragraphs[i] = m
    if len(paragraphs) >= 2:
        return paragraphs, "numbers typed at the start of paragraphs"
    listed = {i: Marker("", str(u.ordinal), ". ", u.text) for i, u in enumerate(units)
              if u.kind == "para" and u.depth == 0 and u.opens_item and u.style in ("Decimal", "DefaultStyle")
              and (lead_title(u.inlines) or is_title_like(u.text))}
    if len(listed) >= 2:
        return listed, "a numbered list used as sections"
    levels = Counter(u.level for u in units if u.kind == "heading")
    repeated = sorted(level for level, count in levels.items() if count > 1)
    if repeated:
        return ({i: Marker("", "", "", u.text) for i, u in enumerate(units)
                 if u.kind == "heading" and u.level == repeated[0]}, "headings (numbers not typed)")
    return {}, "nothing: no headings, numbered paragraphs or numbered list"


def _run_in(inlines: list):
    """A bold run-in title opening a sub-clause, unless the bold is a term its sentence defines
    ("**Business Day** means …": a definition, not a title)."""
    lead = lead_title(inlines)
    if lead and not lead[0].endswith((".", ":")) and _DEFINES.match(plain(lead[1]).lstrip()):
        return None
    return lead


def has_articles(units: list[Unit]) -> bool:
    """Whether the units number sections of their own (an annex's), by any of the ways above."""
    return bool(_marked(units)[0])


def _all_bold(unit: Unit) -> bool:
    content = [n for n in unit.inlines if n.get("t") not in ("Space", "SoftBreak")]
    return bool(content) and all(n.get("t") == "Strong" for n in content[-1:]) and content[0].get("t") in ("Strong", "Str")


def find_structure(units: list[Unit], title: str, notes: Notes) -> Document:
    document = Document(title)
    starts, how = _marked(units)
    style = document.style
    style.guesses.append(f"articles found from {how}")
    if not starts:
        notes.note("no article found: the whole text became one clause")
        starts = {0: Marker("", "1", ". ", title)} if units else {}
    first, last = min(starts, default=0), max(starts, default=0)
    article_level = units[first].level if starts and units[first].kind == "heading" else 0
    article_depth = units[first].depth if starts else -1
    closing_at = len(units)
    for i in range(last + 1, len(units)):
        if units[i].kind == "heading" and (not article_level or units[i].level <= article_level) and i not in starts:
            closing_at = i
            break
    document.preamble = [_plain_block(u, notes) for u in units[:first]]
    document.closing = [_plain_block(u, notes) for u in units[closing_at:]]
    builder = _Articles(document, notes, article_level, article_depth)
    for i in range(first, closing_at):
        if i in starts:
            builder.open(units[i], starts[i])
        else:
            builder.add(units[i])
    builder.flush()
    builder.report()
    _style(document, starts, units, builder)
    return document


def _plain_block(unit: Unit, notes: Notes) -> Para:
    """A preamble's or closing's paragraph; a list item keeps its number as text (no numbering there)."""
    md = unit.md
    if unit.kind == "para" and unit.opens_item and unit.depth >= 0:
        style = LIST_ITEM_STYLES.get((unit.style, unit.delim), "1." if unit.style in ("Decimal", "DefaultStyle")
                                     else "(a)")
        from ..numbering import marker

        md = f"{marker(style, unit.ordinal)} {md}"
    return Para(md, unit.index, heading=unit.level if unit.kind == "heading" else 0, cells=unit.cells)


class _Articles:
    def __init__(self, document: Document, notes: Notes, level: int, depth: int):
        self.document, self.notes, self.level, self.depth = document, notes, level, depth
        self.article: Article | None = None
        self.subs = 0
        self.previous: dict[int, str] = {}  # last item number per kind, for "(i)" after "(h)"
        self.item_styles: dict[int, Counter] = {}  # level → styles seen
        self.sub_kinds: Counter = Counter()
        self.typed = Counter()  # (word, separator) of typed article numbers
        self.carry = ""  # Markdown for the start of the next paragraph: a title's footnote, a level-3 title
        self.run_in: list[tuple[int, str]] = []  # (paragraph, "1. Introduction.") of the run-in article titles
        self.deep: list[int] = []  # paragraphs of the level-3 titles ("5.3.1 …")
        self.sub_level = 0  # the heading level of the sub-clauses, once one is seen

    def text(self, md: str, index: int, cells: list | None = None) -> None:
        """A paragraph of the article, after what `carry` holds (a table gets it as a paragraph above)."""
        if self.carry and cells is None and not md.startswith(("|", "- ")):
            md, self.carry = f"{self.carry} {md}", ""
        self.flush()
        self.article.blocks.append(Para(md, index, cells=cells))

    def flush(self) -> None:
        """What `carry` holds as a paragraph of its own (no paragraph came after it)."""
        if self.carry and self.article is not None:
            self.article.blocks.append(Para(self.carry, self.article.blocks[-1].index if self.article.blocks
                                            else self.article.index))
        self.carry = ""

    def report(self) -> None:
        """Once for the document: the titles it had to print otherwise than written."""
        if self.run_in:
            self.notes.paragraph, first = self.run_in[0]
            self.notes.note(f"run-in titles printed as headings: {len(self.run_in)} section(s) open with their title "
                            f"in bold (“{first} …”); a section's title is a heading in the model, its text starts "
                            "below")
        if self.deep:
            self.notes.paragraph = self.deep[0]
            self.notes.note(f"{len(self.deep)} level-3 title(s) (“5.3.1 …”) printed as a bold run-in title of the "
                            "paragraph after them, without their number: the model numbers two levels "
                            "(sections, sub-clauses)")

    def open(self, unit: Unit, marker: Marker) -> None:
        self.flush()
        count = len(self.document.articles) + 1
        inlines = strip_chars(unit.inlines, len(unit.text) - len(marker.rest)) if marker.n else unit.inlines
        rest: list = []
        lead = lead_title(inlines) if unit.kind == "para" else None
        if lead:
            title, rest = lead
        elif unit.kind == "heading" or is_title_like(marker.rest):
            title = marker.rest if marker.n else unit.text
            rest = footnotes(inlines)  # the title is plain text: its footnotes go to the text
        else:
            title, rest = "", inlines
        title = clean_title(title)
        if not title:
            title = f"{marker.word or 'Section'} {marker.n or count}"
            self.notes.paragraph = unit.index
            self.notes.note(f"article {marker.n or count} has no title: named {title!r}")
        if marker.n:
            self.typed[(marker.word, marker.sep)] += 1
        self.article = Article(marker.n if marker.n.isdigit() else str(count), title, unit.index)
        self.document.articles.append(self.article)
        self.subs, self.previous = 0, {}
        if lead and any(node.get("t") not in ("Space", "SoftBreak", "Note") for node in rest):
            self.run_in.append((unit.index, f"{self.article.number}. {lead[0]}"))
        if rest:
            self.notes.paragraph = unit.index
            md = markdown(rest, self.notes).strip()
            if all(node.get("t") in ("Space", "SoftBreak", "Note") for node in rest):
                self.carry = md  # only footnotes: they open the first paragraph
            else:
                self.article.blocks.append(Para(md, unit.index))

    def add(self, unit: Unit) -> None:
        if unit.kind == "block":
            self.text(unit.md, unit.index, cells=unit.cells)
            return
        self.notes.paragraph = unit.index
        deep = DEEP.match(unit.text)
        if deep or (unit.kind == "heading" and self.sub_level and unit.level > self.sub_level):
            self._deep(unit, deep)
            return
        if unit.kind == "heading":
            found = SUB.match(unit.text)
            title = found["rest"] if found else unit.text
            inlines = strip_chars(unit.inlines, len(unit.text) - len(title)) if found else unit.inlines
            self._sub(found["a"] + "." + found["n"] if found else "", markdown(inlines, self.notes), unit.index)
            self.sub_kinds["heading"] += 1
            self.sub_level = self.sub_level or unit.level
            return
        if unit.depth > self.depth and unit.opens_item:
            self._listed(unit)
            return
        found = SUB.match(unit.text)
        if found:
            inlines = strip_chars(unit.inlines, len(unit.text) - len(found["rest"]))
            lead = _run_in(inlines)
            if lead and lead[0]:
                self._sub(found["a"] + "." + found["n"], markdown_title(lead[0]), unit.index)
                self.sub_kinds["run-in"] += 1
                inlines = lead[1]
            elif not inlines or (is_title_like(found["rest"]) and _all_bold(unit)):
                self._sub(found["a"] + "." + found["n"], markdown(inlines, self.notes).strip("* "), unit.index)
                self.sub_kinds["heading"] += 1
                return
            else:
                self._sub(found["a"] + "." + found["n"], "", unit.index)
            if inlines:
                self.text(markdown(inlines, self.notes).strip(), unit.index)
            return
        item = item_marker(unit.text, self.previous)
        if item:
            kind, number, style = item
            inlines = strip_chars(unit.inlines, len(unit.text) - len(ITEM.match(unit.text)["rest"]))
            self._item(kind, number, style, markdown(inlines, self.notes), unit.index)
            return
        self.text(unit.md, unit.index)

    def _deep(self, unit: Unit, deep) -> None:
        """A third level ("5.3.1 Title", or a heading two levels below the sections'): its typed
        number dropped; a title becomes the bold run-in title of the next paragraph, a sentence
        stays a paragraph."""
        inlines = strip_chars(unit.inlines, len(unit.text) - len(deep["rest"])) if deep else unit.inlines
        rest = deep["rest"] if deep else unit.text
        self.deep.append(unit.index)
        if not inlines:
            return
        lead = _run_in(inlines)
        if unit.kind == "heading" or (not lead and is_title_like(rest) and len(rest.split()) <= 10
                                      and not rest.rstrip().endswith((".", ";", ":"))):
            self.flush()
            title = markdown(inlines, self.notes).strip().strip("*").strip()
            self.carry = f"**{title.rstrip('.')}.**"
            return
        self.text(markdown(inlines, self.notes).strip(), unit.index)

    def _listed(self, unit: Unit) -> None:
        """A paragraph opening a Word list item inside an article: a sub-clause (decimal, one
        level below the articles' list) or an item."""
        relative = unit.depth - self.depth
        if unit.style in ("Decimal", "DefaultStyle") and relative == 1 and self.depth >= 0 \
                and unit.delim != "TwoParens":
            lead = _run_in(unit.inlines)
            number = f"{self.article.number}.{unit.ordinal}"
            if lead:
                self._sub(number, markdown_title(lead[0]), unit.index)
                self.sub_kinds["run-in"] += 1
                if lead[1]:
                    self.text(markdown(lead[1], self.notes).strip(), unit.index)
            else:
                self._sub(number, "", unit.index)
                self.text(unit.md, unit.index)
            return
        style = LIST_ITEM_STYLES.get((unit.style, unit.delim), "(a)")
        kind = {"LowerRoman": 1, "UpperRoman": 1, "Decimal": 2}.get(unit.style, 0)
        counter = _counter(style, unit.ordinal)
        self._item(kind, counter, style, unit.md, unit.index, level_hint=relative - (2 if self.depth >= 0 else 1))

    def _sub(self, number: str, title: str, index: int) -> None:
        self.flush()
        self.subs += 1
        self.previous = {}
        self.article.blocks.append(Sub(number or f"{self.article.number}.{self.subs}", title, index))

    def _item(self, kind: int, number: str, style: str, md: str, index: int, level_hint: int = -1) -> None:
        order = self.item_styles
        level = next((lvl for lvl, seen in order.items() if style in seen), None)
        if level is None:
            level = max(level_hint, 0) if level_hint >= 0 else (1 if kind == 1 and order else 0)
            level = min(level, len(order))
        order.setdefault(level, Counter())[style] += 1
        self.flush()
        self.previous[kind] = number
        self.article.blocks.append(Item(level, number, md.replace("\\\n", " ").strip(), index))


def markdown_title(title: str) -> str:
    """A run-in title as Markdown: the numbering adds the final '.' back."""
    from .inlines import escape

    return escape(" ".join(title.split()).rstrip(".").strip())


def _counter(style: str, n: int) -> str:
    from ..numbering import counter

    return counter(style if style in LIST_ITEM_STYLES.values() else "(a)", n)


def _style(document: Document, starts: dict, units: list[Unit], builder: _Articles) -> None:
    style = document.style
    if builder.typed:
        (word, sep), _ = builder.typed.most_common(1)[0]
        sep_clean = sep.strip()
        style.word = word.rstrip(".").capitalize() if word.isupper() else word.rstrip(".")
        number = "{word} {n}" if word else "{n}"
        if sep_clean in ("", ):
            style.heading = f"{number} {{title}}"
        elif sep_clean in DASHES:
            style.heading = f"{number} {sep_clean} {{title}}"
        else:
            style.heading = f"{number}{sep_clean} {{title}}"
        style.guesses.append(f"article headings read as {style.heading!r}"
                             + (f", word {style.word!r}" if style.word else ""))
        if len(builder.typed) > 1:
            style.guesses.append(f"articles are numbered in {len(builder.typed)} ways; the commonest was kept")
    else:
        style.guesses.append(f"article numbers were not typed in the text: headings set to {style.heading!r}")
    if builder.sub_kinds:
        style.sub_title = "run-in" if builder.sub_kinds["run-in"] > builder.sub_kinds["heading"] else "heading"
        style.guesses.append(f"sub-clause titles: {style.sub_title}")
    for level in sorted(builder.item_styles):
        style.items.append(builder.item_styles[level].most_common(1)[0][0])
    if style.items:
        style.guesses.append(f"items numbered {', '.join(style.items)}")
        # at least the default's two levels: the library's check renders every clause in one template's style
        style.items += ["(a)", "(i)"][len(style.items):]
