"""Markdown blocks and sections: the assembled text as pandoc reads it (headings, paragraphs,
list items, tables, fences), grouped into the sections a redline matches by id: the articles
(`{#art-<clause>}`), the parties and the signatures (their div ids)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from .tokenizer import plain

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)((?:[ \t]+\{[^{}]*\})?)[ \t]*$")
_DIV_FENCE = re.compile(r"^[ \t]*:{3,}")
_DIV_ID = re.compile(r"^[ \t]*:{3,}[ \t]*\{[^}]*#([\w:.-]+)")
_CODE_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_ITEM = re.compile(r"^([ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$))(.*)$")
_QUOTE = re.compile(r"^[ \t]{0,3}>[ \t]?")
_TABLE_RULE = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
ARTICLE_ANCHOR = re.compile(r"\{[^}]*#(art-[\w:.-]+)")


@dataclass(frozen=True)
class Block:
    """One block of the assembled Markdown, with its markers kept apart from its text."""

    kind: str  # heading, para, item, table, fence, opaque
    text: str = ""  # the inline Markdown (heading text without its attributes)
    lead: str = ""  # markers before the text: "## ", "- ", "> ", indentation; a fence's whole line
    tail: str = ""  # a heading's attributes: " {#art-fees}"
    indent: str = ""  # prefix of continuation lines
    rows: tuple[tuple[str, ...], ...] = ()  # table cells, header row first
    rule: str = ""  # a table's separator line (column alignment)
    gap: bool = True  # a blank line before it in the source

    @property
    def key(self) -> str:
        """What must be equal for two blocks to be the same."""
        if self.kind == "table":
            return "table\x00" + "\x01".join("\x02".join(r) for r in self.rows)
        return f"{self.kind}\x00{self.lead}\x00{self.text}\x00{self.tail}"


def parse_blocks(markdown: str) -> list[Block]:
    """The blocks of a Markdown body, as pandoc reads them (a paragraph runs to a blank line)."""
    lines = markdown.replace("\r\n", "\n").split("\n")
    blocks: list[Block] = []
    index, gap = 0, True
    in_list = False
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            gap, index = True, index + 1
            continue
        if _DIV_FENCE.match(line):
            blocks.append(Block("fence", lead=line.rstrip(), gap=gap))
            index, gap, in_list = index + 1, False, False
            continue
        if _CODE_FENCE.match(line):
            fence = _CODE_FENCE.match(line).group(1)
            end = index + 1
            while end < len(lines) and not lines[end].strip().startswith(fence[:3]):
                end += 1
            blocks.append(Block("opaque", lead="\n".join(lines[index : end + 1]), gap=gap))
            index, gap = end + 1, False
            continue
        heading = _HEADING.match(line)
        if heading:
            blocks.append(Block("heading", heading.group(2), heading.group(1) + " ", heading.group(3), gap=gap))
            index, gap, in_list = index + 1, False, False
            continue
        if line.lstrip().startswith("|") and index + 1 < len(lines) and _TABLE_RULE.match(lines[index + 1]):
            end = index
            while end < len(lines) and lines[end].lstrip().startswith("|"):
                end += 1
            rows = tuple(_cells(row) for k, row in enumerate(lines[index:end]) if k != 1)
            blocks.append(Block("table", rows=rows, rule=lines[index + 1].strip(), gap=gap))
            index, gap, in_list = end, False, False
            continue
        item = _ITEM.match(line)
        if item and (gap or in_list or not blocks or blocks[-1].kind != "para"):
            lead = item.group(1) if item.group(1).endswith((" ", "\t")) else item.group(1) + " "
            text, index = _continuation([item.group(2)], lines, index + 1, stop_at_items=True)
            blocks.append(Block("item", text, lead, indent=" " * len(lead.expandtabs()), gap=gap))
            gap, in_list = False, True
            continue
        if _QUOTE.match(line):
            quoted = []
            while index < len(lines) and lines[index].strip() and _QUOTE.match(lines[index]):
                quoted.append(_QUOTE.sub("", lines[index], count=1))
                index += 1
            blocks.append(Block("para", "\n".join(quoted), "> ", indent="> ", gap=gap))
            gap, in_list = False, False
            continue
        lead = line[: len(line) - len(line.lstrip())]
        text, index = _continuation([line.strip()], lines, index + 1, stop_at_items=False)
        blocks.append(Block("para", text, lead, indent=lead, gap=gap))
        # an indented paragraph after a blank line continues the list item above it
        in_list = in_list and bool(lead)
        gap = False
    return blocks


def _continuation(first: list[str], lines: list[str], index: int, stop_at_items: bool) -> tuple[str, int]:
    """The lines that continue a paragraph or an item (up to a blank line or a div fence)."""
    parts = first
    while index < len(lines):
        line = lines[index]
        if not line.strip() or _DIV_FENCE.match(line) or (stop_at_items and _ITEM.match(line)):
            break
        parts.append(line.strip())
        index += 1
    return "\n".join(parts).rstrip(), index


def _cells(row: str) -> tuple[str, ...]:
    """The cells of a pipe-table row (escaped pipes and pipes in code spans stay in their cell)."""
    row = row.strip()
    cells, current, index, in_code = [], [], 0, False
    if row.startswith("|"):
        index = 1
    while index < len(row):
        char = row[index]
        if char == "\\" and index + 1 < len(row):
            current.append(row[index : index + 2])
            index += 2
            continue
        if char == "`":
            in_code = not in_code
        if char == "|" and not in_code:
            cells.append("".join(current).strip())
            current = []
        else:
            current.append(char)
        index += 1
    if "".join(current).strip() or not row.endswith("|"):
        cells.append("".join(current).strip())
    return tuple(cells)


# ---------------------------------------------------------------- sections


@dataclass(frozen=True)
class Section:
    """An article (or the parties, or the signatures): the unit matched between two versions."""

    key: str
    blocks: tuple[Block, ...]

    @property
    def heading(self) -> str:
        for block in self.blocks:
            if block.kind == "heading":
                return plain(block.text)
        return ""

    @property
    def number(self) -> str | None:
        """The article number, read from its heading ("Article 5 — Prix" → "5")."""
        if not self.key.startswith("art-"):
            return None
        match = re.match(r"^\S+\s+(\d+)\b", self.heading)
        return match.group(1) if match else None

    @property
    def title(self) -> str:
        heading = self.heading
        if self.key.startswith("art-"):
            heading = re.sub(r"^\S+\s+\d+\s*[—–-]\s*", "", heading)
        return heading or self.key


def split_sections(blocks: Iterable[Block]) -> list[Section]:
    """Group blocks under their anchors: an article heading `{#art-x}` or a div `::: {#x}`."""
    groups: list[tuple[str, list[Block]]] = [("_start", [])]
    for block in blocks:
        key = None
        if block.kind == "heading":
            anchor = ARTICLE_ANCHOR.search(block.tail)
            key = anchor.group(1) if anchor else None
        elif block.kind == "fence":
            div = _DIV_ID.match(block.lead)
            key = div.group(1) if div else None
        if key is None:
            groups[-1][1].append(block)
            continue
        moved: list[Block] = []
        current = groups[-1][1]
        # the plain headings just before a div ("## Entre les soussignés" + ::: {#parties}; a titled
        # clause's title above that, frame.py) belong to it
        while (block.kind == "fence" and current and current[-1].kind == "heading"
               and not ARTICLE_ANCHOR.search(current[-1].tail)):
            moved.insert(0, current.pop())
        groups.append((key, moved + [block]))
    seen: dict[str, int] = {}
    sections = []
    for key, group in groups:
        if not group:
            continue
        seen[key] = seen.get(key, 0) + 1
        sections.append(Section(key if seen[key] == 1 else f"{key}#{seen[key]}", tuple(group)))
    return sections
