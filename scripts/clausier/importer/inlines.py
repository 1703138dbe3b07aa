"""pandoc inlines and tables as the Markdown a clause text is written in: never raw HTML.

Text is escaped so that it reads back as itself (pandoc's inline marks, and the braces Jinja
would read); bold, italics, footnotes and web links are kept; internal links (a reference to
"Clause 2" in a Word file built by Clausier) keep their text only, for the cross-reference step
to find. What has no place in a clause (images, raw markup) is recorded in `Notes`, with the
paragraph it sits in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# pandoc Markdown's inline marks, braces (Jinja) and '=' (==highlight==): each escaped.
_SPECIAL = re.compile(r"[\\`*_\[\]<>#!|~^$@&{}=]|(?<=-)-|-(?=-)")
_LINE_START = re.compile(r"^([-+:%(>]|\d+[.)](?=\s|$))")
_QUOTES = {"SingleQuote": ("\u2018", "\u2019"), "DoubleQuote": ("\u201c", "\u201d")}
_WEB = ("http://", "https://", "mailto:")


@dataclass
class Notes:
    """What the import could not map, each with the source paragraph (1-based) it sits in."""

    unmapped: list[tuple[int, str]] = field(default_factory=list)
    images: list[tuple[int, str]] = field(default_factory=list)
    paragraph: int = 0  # the paragraph being read

    def note(self, message: str) -> None:
        self.unmapped.append((self.paragraph, message))


def escape(text: str) -> str:
    return _SPECIAL.sub(r"\\\g<0>", text)


def line_start(markdown: str) -> str:
    """A line's Markdown with a start pandoc (or the numbering) would read as a list or an item
    escaped: "(see …" and "1. …" stay text."""
    return "\n".join(_LINE_START.sub(lambda m: "\\" + m.group(1) if len(m.group(1)) == 1 else
                                     m.group(1)[:-1] + "\\" + m.group(1)[-1], line)
                     for line in markdown.split("\n"))


def plain(inlines: list) -> str:
    """The text of inlines, as a reader sees it (no marks, footnotes left out)."""
    out = []
    for node in inlines:
        kind = node.get("t")
        if kind == "Str":
            out.append(node["c"])
        elif kind in ("Space", "SoftBreak"):
            out.append(" ")
        elif kind == "LineBreak":
            out.append("\n")
        elif kind == "Quoted":
            opening, closing = _QUOTES[node["c"][0]["t"]]
            out.append(opening + plain(node["c"][1]) + closing)
        elif kind in ("Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript", "SmallCaps"):
            out.append(plain(node["c"]))
        elif kind in ("Link", "Span"):
            out.append(plain(node["c"][1]))
        elif kind == "Cite":
            out.append(plain(node["c"][1]))
        elif kind in ("Code", "Math"):
            out.append(node["c"][1])
    return "".join(out)


def markdown(inlines: list, notes: Notes) -> str:
    """Inlines as clause Markdown (one line per hard line break)."""
    out = []
    for node in inlines:
        kind, content = node.get("t"), node.get("c")
        if kind == "Str":
            out.append(escape(content))
        elif kind in ("Space", "SoftBreak"):
            out.append(" ")
        elif kind == "LineBreak":
            out.append("\\\n")
        elif kind == "Strong":
            out.append(_wrapped("**", markdown(content, notes)))
        elif kind == "Emph":
            out.append(_wrapped("*", markdown(content, notes)))
        elif kind == "Superscript":
            out.append("^" + markdown(content, notes).replace(" ", "\\ ") + "^")
        elif kind == "Subscript":
            out.append("~" + markdown(content, notes).replace(" ", "\\ ") + "~")
        elif kind == "Strikeout":
            out.append(markdown(content, notes))
            notes.note(f"struck-out text kept as plain text: {plain(content)[:60]!r}")
        elif kind in ("Underline", "SmallCaps"):
            out.append(markdown(content, notes))
        elif kind == "Quoted":
            opening, closing = _QUOTES[content[0]["t"]]
            out.append(opening + markdown(content[1], notes) + closing)
        elif kind in ("Span", "Cite"):
            out.append(markdown(content[1] if kind == "Span" else content[1], notes))
        elif kind == "Link":
            text, url = markdown(content[1], notes), content[2][0]
            web = url.startswith(_WEB) and ">" not in url and text
            if not web and url and not url.startswith("#"):  # a link inside the document keeps its words
                notes.note(f"a link to {url[:60]!r} kept as its text only")
            out.append(f"[{text}](<{url}>)" if web else text)
        elif kind in ("Code", "Math"):
            out.append(escape(content[1]))
        elif kind == "Note":
            out.append("^[" + " ".join(_note_paragraphs(content, notes)) + "]")
        elif kind == "Image":
            notes.images.append((notes.paragraph, content[2][0] or plain(content[1]) or "an image"))
        elif kind == "RawInline":
            notes.note(f"raw {content[0]} left out: {content[1][:60]!r}")
    return "".join(out)


def _wrapped(mark: str, inner: str) -> str:
    """`**text**` with the spaces Word leaves inside a bold run moved outside (else no bold)."""
    stripped = inner.strip(" ")
    if not stripped:
        return inner
    lead, trail = inner[: len(inner) - len(inner.lstrip(" "))], inner[len(inner.rstrip(" ")):]
    return f"{lead}{mark}{stripped}{mark}{trail}"


def _note_paragraphs(blocks: list, notes: Notes) -> list[str]:
    out = []
    for block in blocks:
        if block.get("t") in ("Para", "Plain"):
            out.append(markdown(block["c"], notes).replace("\\\n", " "))
        else:
            notes.note(f"a {block.get('t')} inside a footnote kept as its text only")
            out.append(escape(_block_text(block)))
    return out


def _block_text(block) -> str:
    if isinstance(block, dict):
        if block.get("t") in ("Para", "Plain", "Header"):
            return plain(block["c"][-1] if block["t"] == "Header" else block["c"])
        return _block_text(block.get("c"))
    if isinstance(block, list):
        return " ".join(filter(None, (_block_text(b) for b in block)))
    return ""


# ---------------------------------------------------------------- tables

_ALIGN = {"AlignLeft": ":---", "AlignRight": "---:", "AlignCenter": ":---:", "AlignDefault": "---"}


Grid = list  # rows (the header first, empty cells when it has none) of cells, each its paragraphs' Markdown


def table(node: dict, notes: Notes) -> tuple[str, Grid]:
    """A pandoc Table as a pipe table: the head's first row as header (an empty header when it has
    none), each cell on one line (its paragraphs joined by a space, list items by '; '); and the
    same rows with each cell's paragraphs apart (a cover's label cell: a name, then a help line)."""
    _, _, specs, head, bodies, foot = node["c"]
    rows = [row for row in head[1]]
    header = _row(rows[0], notes) if rows else None
    body = [_row(row, notes) for row in rows[1:]]
    for tbody in bodies:
        body += [_row(row, notes) for row in tbody[2] + tbody[3]]
    body += [_row(row, notes) for row in foot[1]]
    width = max([len(specs)] + [len(r) for r in body] + ([len(header)] if header else []))
    header = header or [[]] * width
    grid = [row + [[]] * (width - len(row)) for row in [header] + body]
    lines = [_line(grid[0]), "|" + "|".join(_ALIGN.get(spec[0]["t"], "---") for spec in
                                            (specs + [[{"t": "AlignDefault"}]] * width)[:width]) + "|"]
    lines += [_line(row) for row in grid[1:]]
    return "\n".join(lines), grid


def _line(cells: list[list[str]]) -> str:
    return "| " + " | ".join(" ".join(p for p in cell if p) for cell in cells) + " |"


def _row(row: list, notes: Notes) -> list[list[str]]:
    cells = []
    for cell in row[1]:
        _, _, rowspan, colspan, blocks = cell
        if rowspan > 1 or colspan > 1:
            notes.note("a merged table cell was split into plain cells")
        cells += [_cell(blocks, notes)] + [[]] * (colspan - 1)
    return cells


def _cell(blocks: list, notes: Notes) -> list[str]:
    """A cell's paragraphs as Markdown, each on one line ("|" is escaped with the rest of the text)."""
    parts = []
    for block in blocks:
        kind = block.get("t")
        if kind in ("Para", "Plain"):
            parts.append(markdown(block["c"], notes).replace("\\\n", " "))
        elif kind in ("BulletList", "OrderedList"):
            items = block["c"] if kind == "BulletList" else block["c"][1]
            parts.append("; ".join(" ".join(_cell(item, notes)) for item in items))
        elif kind == "Div":
            parts += _cell(block["c"][1], notes)
        else:
            notes.note(f"a {kind} inside a table cell kept as its text only")
            parts.append(escape(_block_text(block)))
    return [p for p in parts if p.strip()]
