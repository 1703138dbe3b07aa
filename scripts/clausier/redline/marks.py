"""Writing a comparison as Markdown with marks: pandoc track-changes spans for DOCX (`tracked`),
underline and strike-through for PDF and HTML (`VISUAL`, `visual`). Marks never cross a block
boundary: `#`, `-`, `|` and `:::` stay outside them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable

from .align import BlockDiff, Comparison
from .inline import DELETED, EQUAL, INSERTED, Segment


@dataclass(frozen=True)
class Marks:
    """How insertions and deletions are written in the redline Markdown."""

    insert: Callable[..., str]
    delete: Callable[..., str]
    between: str = ""  # between a deletion and the insertion that replaces it
    # Tracked changes keep a change's edge spaces inside it (called as mark(text, lead, trail)):
    # Accept all and Reject all must each give a text with its own spaces.
    spaces_inside: bool = False


def tracked(author: str, date: str, own: str = "") -> Marks:
    """pandoc's track-changes spans: the DOCX writer turns them into w:ins and w:del revisions.
    `own`: the attribute that marks them as the redline's own for the document filter
    (render.own_mark), which drops every span attribute content wrote."""
    author = re.sub(r"[^\w .@'-]", "", author)[:80] or "Clausier"
    date = re.sub(r"[^0-9TZ:+-]", "", date)
    attributes = f'author="{author}" date="{date}"{own}'

    def mark(kind: str) -> Callable[[str, str, str], str]:
        # pandoc trims a span's edge spaces: they go as attributes, put back by redline.lua
        return lambda t, lead="", trail="": (f"[{t}]{{.{kind} {attributes}" + (' lead="space"' if lead else "")
                                             + (' trail="space"' if trail else "") + "}")

    return Marks(mark("insertion"), mark("deletion"), spaces_inside=True)


# Underline and strike-through: coloured by the redline section of style.typ (PDF) and by
# redline.css.html (HTML). A space between a deletion and its replacement, for reading.
VISUAL = Marks(lambda t: f"[{t}]{{.underline}}", lambda t: f"~~{t}~~", " ")
INSERTED_CLASS = "redline-ins"  # the HTML redline turns this span and its underline into <ins>


def visual(own: str = "") -> Marks:
    """VISUAL, with each insertion's underline inside a span of the redline's own (`own`, see
    render.own_mark): the HTML redline makes it an <ins> element, which no underline
    from content can become; Typst shows the underline."""
    if not own:
        return VISUAL
    return Marks(lambda t: f"[[{t}]{{.underline}}]{{.{INSERTED_CLASS}{own}}}", VISUAL.delete, VISUAL.between)


def _render_segments(segments: list[Segment], marks: Marks) -> str:
    out: list[str] = []
    for k, segment in enumerate(segments):
        if segment.kind == EQUAL:
            out.append(segment.text)
            continue
        # visual marks go around words only (spaces at the edges outside); tracked ones take them in
        text = segment.text
        core = text.strip(" \t\n")
        left = text[: len(text) - len(text.lstrip(" \t\n"))]
        right = text[len(text.rstrip(" \t\n")) :] if core else ""
        mark = marks.insert if segment.kind == INSERTED else marks.delete
        if marks.spaces_inside:
            out.append(mark(core, left, right))
            continue
        if not core:
            out.append(text)
            continue
        if segment.kind == INSERTED and k and segments[k - 1].kind == DELETED:
            left = marks.between + left
        out.append(left + mark(core) + right)
    return "".join(out)


def _render_block(block: BlockDiff, marks: Marks) -> str:
    if block.kind in ("fence", "opaque"):
        return block.lead
    if block.kind == "table":
        lines = []
        for index, row in enumerate(block.rows):
            cells = [_render_segments(cell, marks).replace("\n", " ") for cell in row]
            lines.append("| " + " | ".join(cells) + " |")
            if index == 0:
                lines.append(block.rule)
        return "\n".join(lines)
    text = _render_segments(block.segments, marks)
    if block.indent:
        text = text.replace("\n", "\n" + block.indent)
    return f"{block.lead}{text}{block.tail}".rstrip()


def blocks_markdown(blocks: Iterable[BlockDiff], marks: Marks) -> str:
    """Blocks joined as Markdown: a blank line between blocks, none inside a tight list."""
    parts: list[str] = []
    previous: BlockDiff | None = None
    for block in blocks:
        text = _render_block(block, marks)
        if previous is not None:
            tight = block.kind == "item" and previous.kind == "item" and not block.gap
            parts.append("\n" if tight else "\n\n")
        parts.append(text)
        previous = block
    return "".join(parts)


def to_markdown(comparison: Comparison, marks: Marks, legend: str = "") -> str:
    """The redline body: the legend, a changed title, then every section in order."""
    blocks: list[BlockDiff] = []
    if comparison.title_change is not None:
        blocks.append(BlockDiff("para", segments=comparison.title_change))
    for section in comparison.sections:
        blocks.extend(section.blocks)
    body = _unlink_missing(blocks_markdown(blocks, marks))
    return (legend.rstrip("\n") + "\n\n" if legend else "") + body + "\n"


_IDS = re.compile(r"\{[^}]*#([\w:.-]+)")
_INTERNAL_LINK = re.compile(r"\[((?:[^\[\]\\]|\\.)*)\]\(#([\w:.-]+)\)")


def _unlink_missing(markdown: str) -> str:
    """A cross-reference whose target is in neither version becomes plain text (Typst refuses
    a link to a missing label); every anchor of both versions is normally present."""
    ids = set(_IDS.findall(markdown))
    return _INTERNAL_LINK.sub(lambda m: m.group(0) if m.group(2) in ids else m.group(1), markdown)
