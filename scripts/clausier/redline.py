"""Redlines: two assembled agreements → an article-aligned, word-level comparison.

Pure functions, text in and text out (no git, no pandoc):

- `compare(base, head)` parses both assembled Markdown texts into blocks, groups them into
  sections keyed by their anchors (`{#art-<clause>}` for articles, the div id for the parties
  and signatures), matches sections **by id** (so an inserted article or a renumbering does not
  show as a rewrite of everything after it), then blocks inside a section, then words inside a
  block (difflib's SequenceMatcher does the matching). Tables are compared cell by cell when
  their rows pair up, row by row otherwise.
- `to_markdown(comparison, marks)` writes the redline as Markdown with the given marks: pandoc
  track-changes spans for DOCX (`TRACKED`), underline and strike-through for PDF and HTML
  (`VISUAL`). Marks never cross a block boundary: `#`, `-`, `|` and `:::` stay outside them.
  Each change carries its own spaces (`_change_segments`): the old side (equal + deleted text)
  and the new side (equal + inserted text) each read exactly as their own version, so a
  tracked change accepts to the new text and rejects to the old one, word for word.
- `summary(comparison, …)` writes the short Markdown summary posted on pull requests.

The text inside the marks is the assembled Markdown itself, already escaped by assembly; the
only markup added is the marks, so the reader's safety rules hold for the redline too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Callable, Iterable

from .markdown import escape_text

# ---------------------------------------------------------------- blocks

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)((?:[ \t]+\{[^{}]*\})?)[ \t]*$")
_DIV_FENCE = re.compile(r"^[ \t]*:{3,}")
_DIV_ID = re.compile(r"^[ \t]*:{3,}[ \t]*\{[^}]*#([\w:.-]+)")
_CODE_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_ITEM = re.compile(r"^([ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$))(.*)$")
_QUOTE = re.compile(r"^[ \t]{0,3}>[ \t]?")
_TABLE_RULE = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_ANCHOR = re.compile(r"\{[^}]*#(art-[\w:.-]+)")


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
            anchor = _ANCHOR.search(block.tail)
            key = anchor.group(1) if anchor else None
        elif block.kind == "fence":
            div = _DIV_ID.match(block.lead)
            key = div.group(1) if div else None
        if key is None:
            groups[-1][1].append(block)
            continue
        moved: list[Block] = []
        current = groups[-1][1]
        # a plain heading just before a div ("## Entre les soussignés" + ::: {#parties}) belongs to it
        if block.kind == "fence" and current and current[-1].kind == "heading" and not _ANCHOR.search(current[-1].tail):
            moved = [current.pop()]
        groups.append((key, moved + [block]))
    seen: dict[str, int] = {}
    sections = []
    for key, group in groups:
        if not group:
            continue
        seen[key] = seen.get(key, 0) + 1
        sections.append(Section(key if seen[key] == 1 else f"{key}#{seen[key]}", tuple(group)))
    return sections


# ---------------------------------------------------------------- words

_SEPARATORS = " \t\n"
_SOFT_SPACES = "\u00a0\u202f"
_UNITS = "€$£%¥"
_DELIMITERS = ("**", "__", "~~", "*", "_")
_SIMPLE_EMPHASIS = re.compile(
    r"(?<![\\*_~\w])(\*\*|__|~~|\*|_)(?=[^\s*_~])([^*_~\[\]`\\]*?[^\s*_~\[\]`\\])\1(?![*_~\w])")


def _is_separator(text: str, index: int) -> int:
    """Length of the separator starting at `index` (0 if none).

    Spaces, tabs, newlines and hard line breaks separate words. A no-break space separates them
    too, except inside an amount or before a unit (`12 000,00 €`, `30 %` stay one word).
    """
    char = text[index]
    if char in _SEPARATORS:
        return 1
    if char == "\\" and text[index + 1 : index + 2] == "\n":
        return 2
    if char in _SOFT_SPACES:
        before = text[index - 1] if index else ""
        after = text[index + 1] if index + 1 < len(text) else ""
        if after and (after in _UNITS or (before.isdigit() and after.isdigit())):
            return 0
        return 1
    return 0


def _distribute(text: str) -> str:
    """`**Clair Obscur**` → `**Clair** **Obscur**`: each word carries its own emphasis, so a
    mark around one word never splits a pair of delimiters. Renders the same."""

    def spread(match: re.Match) -> str:
        delimiter, inner = match.group(1), match.group(2)
        if not any(c in inner for c in _SEPARATORS):
            return match.group(0)
        return delimiter + re.sub(r"([ \t\n]+)", lambda m: delimiter + m.group(1) + delimiter, inner) + delimiter

    return _SIMPLE_EMPHASIS.sub(spread, text)


def _closing(text: str, start: int, opener: str, closer: str) -> int:
    """Index just after the `closer` matching the `opener` at `start`, or -1."""
    depth, index = 0, start
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "`":
            end = text.find("`", index + 1)
            index = end + 1 if end != -1 else index + 1
            continue
        if char == opener:
            depth += 1
        elif char == closer:
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return -1


def _emphasis_run(text: str, start: int) -> int:
    """End of an emphasis run that contains spaces and could not be spread word by word, or -1."""
    for delimiter in _DELIMITERS:
        if not text.startswith(delimiter, start):
            continue
        body = start + len(delimiter)
        if body >= len(text) or text[body] in _SEPARATORS + "*_~":
            return -1
        index = body
        while True:
            index = text.find(delimiter, index + 1)
            if index == -1:
                return -1
            if text[index - 1] not in _SEPARATORS + "\\" and text[index + len(delimiter) : index + len(delimiter) + 1] not in ("*", "_", "~"):
                end = index + len(delimiter)
                return end if any(c in text[start:end] for c in _SEPARATORS) else -1
    return -1


def tokens(text: str) -> list[tuple[str, str]]:
    """Words of inline Markdown, each with the separator before it: [(sep, word), …].

    Links, spans, code and emphasis runs that hold spaces are single words; stray brackets are
    escaped so that no word can open or close a bracket outside itself.
    """
    text = _distribute(text)
    out: list[tuple[str, str]] = []
    index, length = 0, len(text)
    while index < length:
        start = index
        while index < length:
            step = _is_separator(text, index)
            if not step:
                break
            index += step
        separator = text[start:index]
        if index >= length:
            break
        word: list[str] = []
        while index < length and not _is_separator(text, index):
            char = text[index]
            if char == "\\" and index + 1 < length:
                word.append(text[index : index + 2])
                index += 2
                continue
            if char == "[":
                end = _closing(text, index, "[", "]")
                if end != -1 and text[end : end + 1] in ("(", "{"):
                    after = _closing(text, end, text[end], ")" if text[end] == "(" else "}")
                    end = after
                elif end != -1 and not (word and word[-1].endswith("^")):
                    end = -1
                if end == -1:
                    word.append("\\[")
                    index += 1
                else:
                    word.append(text[index:end])
                    index = end
                continue
            if char == "]":
                word.append("\\]")
                index += 1
                continue
            if char == "`":
                ticks = len(text[index:]) - len(text[index:].lstrip("`"))
                end = text.find("`" * ticks, index + ticks)
                end = length if end == -1 else end + ticks
                word.append(text[index:end])
                index = end
                continue
            if not word and char in "*_~":
                end = _emphasis_run(text, index)
                if end != -1:
                    word.append(text[index:end])
                    index = end
                    continue
            word.append(char)
            index += 1
        # punctuation is a word of its own, so "Studio," → "Studio Lyon," inserts one word
        head = 0
        while head < len(word) - 1 and word[head] in _OPENING:
            head += 1
        tail = len(word)
        while tail > head + 1 and word[tail - 1] in _CLOSING:
            tail -= 1
        pieces = ["".join(word[:head])] if head else []
        pieces += ["".join(word[head:tail])] + list(word[tail:])
        for k, piece in enumerate(pieces):
            out.append((separator if k == 0 else "", piece))
    return out


_OPENING = set("(«“")
_CLOSING = set(",.;:!?)»”")


_LINK = re.compile(r"\[((?:[^\[\]\\]|\\.)*)\](?:\([^)]*\)|\{[^}]*\})")


def plain(markdown: str) -> str:
    """The text a reader sees for a piece of inline Markdown (links → their text, no markup)."""
    text = _LINK.sub(r"\1", markdown)
    text = re.sub(r"(?<!\\)(\*\*|__|~~|\*|(?<![\w])_|_(?![\w]))", "", text)
    text = re.sub(r"(?<!\\)`+", "", text)
    return re.sub(r"\\(.)", r"\1", text).replace("\\\n", "\n")


def count_words(markdown_words: Iterable[str]) -> int:
    """Words as a reader counts them: runs of text holding a letter or a digit."""
    total = 0
    for word in markdown_words:
        # split on ordinary spaces only: "12 000,00 €" (no-break spaces) is one word
        total += sum(1 for part in re.split(r"[ \t\n]+", plain(word)) if any(c.isalnum() for c in part))
    return total


_NUMBER = re.compile(r"^\d+(?:\.\d+)*\.?$")
_LEAD_IN = re.compile(r"^\*\*\d+(?:\.\d+)*\*\*$")
_CROSS_REFERENCE = re.compile(r"^\[\d+(?:\.\d+)*\]\(#art-[^)]*\)[^\w]*$")


def _is_numbering(word: str, in_heading: bool) -> bool:
    """An article or sub-clause number, as renumbering changes it (not a figure in the text)."""
    return bool(_LEAD_IN.match(word) or _CROSS_REFERENCE.match(word) or (in_heading and _NUMBER.match(word)))


# ---------------------------------------------------------------- inline comparison

EQUAL, DELETED, INSERTED = "=", "-", "+"


@dataclass(frozen=True)
class Segment:
    kind: str  # "=", "-", "+"
    text: str  # Markdown


@dataclass
class Counts:
    added: int = 0
    removed: int = 0
    renumbered: int = 0  # number changes due to renumbering (headings, lead-ins, cross-references)
    edits: int = 0  # changes that are not renumbering (even without a word, e.g. punctuation)
    excerpts: list[str] = field(default_factory=list)

    def add(self, other: "Counts") -> None:
        self.added += other.added
        self.removed += other.removed
        self.renumbered += other.renumbered
        self.edits += other.edits
        self.excerpts.extend(other.excerpts)


def _join(words: list[tuple[str, str]]) -> str:
    if not words:
        return ""
    return words[0][1] + "".join(sep + word for sep, word in words[1:])


def _cleanup(opcodes: list[tuple], old: list[str], new: list[str]) -> list[tuple]:
    """Fold a short equal run lying between two larger changes into them ("de", "la"…), so a
    rewritten sentence reads as one deletion and one insertion rather than confetti."""
    ops = [list(op) for op in opcodes]
    changed = True
    while changed:
        changed = False
        for k in range(1, len(ops) - 1):
            tag, i1, i2, _, _ = ops[k]
            if tag != "equal" or ops[k - 1][0] == "equal" or ops[k + 1][0] == "equal":
                continue
            size = i2 - i1
            left = max(ops[k - 1][2] - ops[k - 1][1], ops[k - 1][4] - ops[k - 1][3])
            right = max(ops[k + 1][2] - ops[k + 1][1], ops[k + 1][4] - ops[k + 1][3])
            if size <= 3 and 2 * size < min(left, right):
                merged = ["replace", ops[k - 1][1], ops[k + 1][2], ops[k - 1][3], ops[k + 1][4]]
                ops[k - 1 : k + 2] = [merged]
                changed = True
                break
    return [tuple(op) for op in ops]


def _change_segments(a, b, i1: int, i2: int, j1: int, j2: int, after_change: bool = False) -> list[Segment]:
    """One change with its spaces: the separators before its words and before the next equal
    word belong to each side. What both sides share at the edges stays equal; the rest goes
    into the deletion and the insertion, so each side reads exactly as its own text (Accept all
    in Word gives the new text, Reject all the old one, with no space missing or doubled)."""
    old = "".join(sep + word for sep, word in a[i1:i2]) + (a[i2][0] if i2 < len(a) else "")
    new = "".join(sep + word for sep, word in b[j1:j2]) + (b[j2][0] if j2 < len(b) else "")
    if (not i1 and not j1) or after_change:  # no text before it, or written by the change before
        old = old[len(a[i1][0]):] if i1 < i2 else old
        new = new[len(b[j1][0]):] if j1 < j2 else new
    spaces = _SEPARATORS + _SOFT_SPACES
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head] and old[head] in spaces:
        head += 1
    tail = 0
    while (tail < min(len(old), len(new)) - head and old[len(old) - 1 - tail] == new[len(new) - 1 - tail]
           and old[len(old) - 1 - tail] in spaces):
        tail += 1
    out = [Segment(EQUAL, old[:head])] if head else []
    if old[head : len(old) - tail]:
        out.append(Segment(DELETED, old[head : len(old) - tail]))
    if new[head : len(new) - tail]:
        out.append(Segment(INSERTED, new[head : len(new) - tail]))
    if tail:
        out.append(Segment(EQUAL, new[len(new) - tail :]))
    return out


def diff_inline(old: str, new: str, in_heading: bool = False, label: str = "") -> tuple[list[Segment], Counts]:
    """Word-level comparison of two pieces of inline Markdown."""
    a, b = tokens(old), tokens(new)
    matcher = SequenceMatcher(None, [w for _, w in a], [w for _, w in b], autojunk=False)
    segments: list[Segment] = []
    counts = Counts()
    opcodes = _cleanup(matcher.get_opcodes(), [w for _, w in a], [w for _, w in b])
    edits: list[int] = []  # positions of the opcodes that are real edits (not renumbering)
    for position, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            for k, (sep, word) in enumerate(b[j1:j2]):
                if k == 0 and position:
                    sep = ""  # written by the change before it (_change_segments)
                segments.append(Segment(EQUAL, sep + word))
            continue
        deleted, inserted = a[i1:i2], b[j1:j2]
        after_change = bool(position) and opcodes[position - 1][0] != "equal"
        segments.extend(_change_segments(a, b, i1, i2, j1, j2, after_change))
        words = [w for _, w in deleted] + [w for _, w in inserted]
        if len(deleted) == len(inserted) and all(_is_numbering(w, in_heading) for w in words):
            counts.renumbered += len(inserted)
            continue
        counts.edits += 1
        counts.added += count_words(w for _, w in inserted)
        counts.removed += count_words(w for _, w in deleted)
        edits.append(position)
    counts.excerpts.extend(_excerpts(a, b, opcodes, edits, label))
    return segments, counts


def _excerpts(a, b, opcodes, edits: list[int], label: str, context: int = 6, gap: int = 8) -> list[str]:
    """The edits of one block with a few words of context, for the summary; edits a few words
    apart share one excerpt: `… payable à ~~30~~ **45** jours **fin de mois**.`"""
    groups: list[list[int]] = []
    for position in edits:
        if groups and opcodes[position][3] - opcodes[groups[-1][-1]][4] <= gap:
            groups[-1].append(position)
        else:
            groups.append([position])
    out = []
    for group in groups:
        first, last = opcodes[group[0]], opcodes[group[-1]]
        j1, j2 = first[3], last[4]
        parts = [f"**{_md(label)}** " if label else ""]
        if j1 > context:
            parts.append("… ")
        parts.append(_md(plain(_join(b[max(0, j1 - context) : j1]))))
        for position in range(group[0], group[-1] + 1):
            tag, i1, i2, k1, k2 = opcodes[position]
            if tag == "equal":
                between = plain("".join(sep + w for sep, w in b[k1:k2]))
                parts.append((" " if between[:1].isspace() else "") + _md(between))
                continue
            old_text, new_text = _md(plain(_join(a[i1:i2]))), _md(plain(_join(b[k1:k2])))
            separator = (a[i1:i2] or b[k1:k2])[0][0]
            space = " " if separator and (k1 > 0 or position > group[0]) else ""
            if old_text:
                parts.append(f"{space}~~{old_text}~~")
                space = " "
            if new_text:
                parts.append(f"{space}**{new_text}**")
        if j2 < len(b):
            parts.append((" " if b[j2][0] else "") + _md(plain(_join(b[j2 : j2 + context]))))
            if j2 + context < len(b):
                parts.append(" …")
        text = "".join(parts)
        out.append(text if len(text) <= 400 else text[:399] + "…")
    return out


def _md(text: str) -> str:
    """Plain text made safe for a GitHub comment (one line, markup characters escaped)."""
    text = re.sub(r"[ \t\r\n]+", " ", text).strip(" \t\r\n")
    return re.sub(r"([\\`*_{}\[\]<>()#+!|~])", r"\\\1", text)


def whole(text: str, kind: str) -> tuple[list[Segment], Counts]:
    """A block that exists on one side only: all of it inserted or deleted."""
    counts = Counts()
    words = tokens(text)
    if kind == INSERTED:
        counts.added = count_words(w for _, w in words)
    else:
        counts.removed = count_words(w for _, w in words)
    counts.edits = 1 if words else 0
    return ([Segment(kind, _join(words))] if words else []), counts


# ---------------------------------------------------------------- block comparison


@dataclass
class BlockDiff:
    """One block of the redline: its markers, and its text as segments (or its table cells)."""

    kind: str
    lead: str = ""
    tail: str = ""
    indent: str = ""
    gap: bool = True
    segments: list[Segment] = field(default_factory=list)
    rows: list[list[list[Segment]]] = field(default_factory=list)  # table: rows → cells → segments
    rule: str = ""
    side: str = EQUAL  # "=" on both sides (maybe changed inside), "-" base only, "+" head only

    @property
    def changed(self) -> bool:
        if self.side != EQUAL:
            return True
        cells = [s for row in self.rows for cell in row for s in cell]
        return any(s.kind != EQUAL for s in self.segments + cells)


def _similarity(old: Block, new: Block) -> float:
    if old.kind == "table":
        a = [w for row in old.rows for cell in row for _, w in tokens(cell)]
        b = [w for row in new.rows for cell in row for _, w in tokens(cell)]
    else:
        a, b = [w for _, w in tokens(old.text)], [w for _, w in tokens(new.text)]
    if not a and not b:
        return 1.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def _pair(olds: list, news: list, similar: Callable, threshold: float = 0.4) -> list[tuple]:
    """Pair changed items in order (each with its most similar counterpart), the rest alone."""
    pairs: list[tuple] = []
    start = 0
    for old in olds:
        scored = [(similar(old, news[k]), k) for k in range(start, len(news))]
        scored = [(score, k) for score, k in scored if score >= threshold]
        if not scored:
            pairs.append((old, None))
            continue
        _, best = max(scored, key=lambda item: (item[0], -item[1]))
        pairs.extend((None, news[k]) for k in range(start, best))
        pairs.append((old, news[best]))
        start = best + 1
    pairs.extend((None, news[k]) for k in range(start, len(news)))
    return pairs


def _block_similarity(old: Block, new: Block) -> float:
    if old.kind != new.kind or old.kind in ("fence", "opaque"):
        return 0.0
    if old.kind == "heading" and _ANCHOR.search(old.tail) and old.tail == new.tail:
        return 1.0  # the same article, whatever its new title: one anchor, never two
    return _similarity(old, new)


def _whole_block(block: Block, side: str, counts: Counts, whole_section: bool = False) -> BlockDiff | None:
    if block.kind == "fence":
        # Structure: head's fences are kept as they are; inside a matched section a base-only
        # fence is dropped (its content still shows as deleted), so divs stay balanced.
        keep = side == INSERTED or whole_section
        return BlockDiff("fence", lead=block.lead, gap=block.gap) if keep else None
    if block.kind == "opaque":
        if side == INSERTED:
            return BlockDiff("opaque", lead=block.lead, gap=block.gap)
        return None
    if block.kind == "table":
        rows = []
        for row in block.rows:
            cells = []
            for cell in row:
                segments, cell_counts = whole(cell, side)
                counts.add(cell_counts)
                cells.append(segments)
            rows.append(cells)
        return BlockDiff("table", rows=rows, rule=block.rule, gap=block.gap, side=side)
    segments, block_counts = whole(block.text, side)
    counts.add(block_counts)
    return BlockDiff(block.kind, block.lead, block.tail, block.indent, block.gap, segments, side=side)


def _table_diff(old: Block, new: Block, label: str, counts: Counts) -> list[BlockDiff]:
    width = len(new.rows[0]) if new.rows else 0
    if (len(old.rows[0]) if old.rows else 0) != width or any(len(r) != width for r in old.rows + new.rows):
        # The columns changed: the old table struck out, the new one inserted.
        return [d for d in (_whole_block(old, DELETED, counts), _whole_block(new, INSERTED, counts)) if d]
    matcher = SequenceMatcher(None, ["\x01".join(r) for r in old.rows], ["\x01".join(r) for r in new.rows], autojunk=False)
    rows: list[list[list[Segment]]] = []

    def row_similarity(a: tuple, b: tuple) -> float:
        return _similarity(Block("table", rows=(a,)), Block("table", rows=(b,)))

    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows.extend([[Segment(EQUAL, c)] if c else [] for c in row] for row in new.rows[j1:j2])
            continue
        for a, b in _pair(list(old.rows[i1:i2]), list(new.rows[j1:j2]), row_similarity, threshold=0.3):
            cells, row_counts = [], Counts()
            for column in range(width):
                if a is not None and b is not None:
                    segments, cell_counts = diff_inline(a[column], b[column])
                else:
                    segments, cell_counts = whole((a or b)[column], DELETED if b is None else INSERTED)
                row_counts.add(cell_counts)
                cells.append(segments)
            rows.append(cells)
            # one excerpt per row: "6.1 Livraison: ~~40 %~~ **30 %** · ~~4 800,00 €~~ **3 600,00 €**"
            row = b if b is not None else a
            where = f"{label} {plain(row[0])}".strip()
            if a is None or b is None:
                mark = "**" if a is None else "~~"
                changes = [" | ".join(f"{mark}{_md(plain(c))}{mark}" for c in row if plain(c).strip())]
            else:
                changes = row_counts.excerpts
            row_counts.excerpts = [f"**{_md(where)}** " + " · ".join(changes)] if changes else []
            counts.add(row_counts)
    return [BlockDiff("table", rows=rows, rule=new.rule, gap=new.gap)]


_SUBCLAUSE_NUMBER = re.compile(r"^(?:\*\*)?(\d+(?:\.\d+)+)\b")


def diff_blocks(old: list[Block], new: list[Block], number: str | None = None) -> tuple[list[BlockDiff], Counts]:
    """Blocks of one section: equal blocks as they are, changed ones word by word."""
    counts = Counts()
    out: list[BlockDiff] = []
    label = number or ""

    def labelled(block: Block) -> str:
        nonlocal label
        match = _SUBCLAUSE_NUMBER.match(block.text) if block.kind in ("heading", "para") else None
        if match:
            label = match.group(1)
        return label

    matcher = SequenceMatcher(None, [b.key for b in old], [b.key for b in new], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for block in new[j1:j2]:
                labelled(block)
                out.append(_equal_block(block))
            continue
        for a, b in _pair(old[i1:i2], new[j1:j2], _block_similarity):
            if a is not None and b is not None:
                where = labelled(b)
                if b.kind == "table":
                    out.extend(_table_diff(a, b, where, counts))
                    continue
                segments, block_counts = diff_inline(a.text, b.text, in_heading=b.kind == "heading", label=where)
                counts.add(block_counts)
                out.append(BlockDiff(b.kind, b.lead, b.tail, b.indent, b.gap, segments))
            else:
                block = a if b is None else b
                where = labelled(block)
                before = len(counts.excerpts)
                diff = _whole_block(block, DELETED if b is None else INSERTED, counts)
                if diff is not None:
                    out.append(diff)
                    if block.kind != "fence" and len(counts.excerpts) == before:
                        text = " ".join(c for row in block.rows for c in row) if block.kind == "table" else block.text
                        mark = "~~" if b is None else "**"
                        prefix = f"**{_md(where)}** " if where else ""
                        snippet = _md(plain(text))
                        if snippet:
                            snippet = snippet if len(snippet) <= 200 else snippet[:197] + "…"
                            counts.excerpts.append(f"{prefix}{mark}{snippet}{mark}")
    return out, counts


def _equal_block(block: Block) -> BlockDiff:
    if block.kind == "table":
        return BlockDiff("table", rows=[[[Segment(EQUAL, c)] if c else [] for c in row] for row in block.rows],
                         rule=block.rule, gap=block.gap)
    if block.kind in ("fence", "opaque"):
        return BlockDiff(block.kind, lead=block.lead, gap=block.gap)
    return BlockDiff(block.kind, block.lead, block.tail, block.indent, block.gap,
                     [Segment(EQUAL, block.text)] if block.text else [])


# ---------------------------------------------------------------- the whole agreement


@dataclass
class SectionDiff:
    key: str
    status: str  # unchanged, changed, renumbered, inserted, deleted
    old_number: str | None
    new_number: str | None
    title: str
    blocks: list[BlockDiff]
    counts: Counts

    @property
    def is_article(self) -> bool:
        return self.key.startswith("art-")


@dataclass
class Comparison:
    title: str  # the head's title (the base's if the agreement is gone at head)
    language: str  # "fr" or "en"
    sections: list[SectionDiff]
    title_change: list[Segment] | None = None  # the title, when it changed
    counts: Counts = field(default_factory=Counts)

    @property
    def changed(self) -> bool:
        return self.title_change is not None or any(s.status != "unchanged" for s in self.sections)

    def with_status(self, *statuses: str) -> list[SectionDiff]:
        return [s for s in self.sections if s.status in statuses]


def read_header(markdown: str) -> tuple[dict[str, str], str]:
    """The assembled Markdown's small YAML header (title, lang) and its body."""
    header: dict[str, str] = {}
    if markdown.startswith("---\n"):
        end = markdown.find("\n---\n", 4)
        if end != -1:
            for line in markdown[4:end].split("\n"):
                name, _, value = line.partition(":")
                value = value.strip()
                if value.startswith('"'):
                    try:
                        value = json.loads(value)
                    except json.JSONDecodeError:
                        pass
                header[name.strip()] = value
            return header, markdown[end + 5 :].lstrip("\n")
    return header, markdown


def compare(base: str | None, head: str | None) -> Comparison:
    """Compare two assembled agreements (None: absent on that side, so everything is inserted or
    deleted). Sections are matched by id, in head's order; base-only ones where they stood."""
    base_header, base_body = read_header(base or "")
    head_header, head_body = read_header(head or "")
    title = head_header.get("title") or base_header.get("title", "")
    language = (head_header.get("lang") or base_header.get("lang") or "fr")[:2]
    old = split_sections(parse_blocks(base_body)) if base is not None else []
    new = split_sections(parse_blocks(head_body)) if head is not None else []
    comparison = Comparison(title, language, [])
    if base is not None and head is not None and base_header.get("title") != head_header.get("title"):
        segments, counts = diff_inline(escape_text(base_header.get("title", "")),
                                       escape_text(head_header.get("title", "")))
        comparison.title_change = segments
        comparison.counts.add(counts)
    old_keys, new_keys = [s.key for s in old], [s.key for s in new]
    for i, j in _align(old_keys, new_keys):
        section = _section_diff(old[i] if i is not None else None, new[j] if j is not None else None)
        comparison.sections.append(section)
        comparison.counts.add(section.counts)
    return comparison


def _align(old_keys: list[str], new_keys: list[str]) -> list[tuple[int | None, int | None]]:
    """Pairs of section indexes: matched by key, in head's order; base-only keys where they stood."""
    in_new, where_old = set(new_keys), {k: i for i, k in enumerate(old_keys)}
    pairs: list[tuple[int | None, int | None]] = []
    matcher = SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs.extend(zip(range(i1, i2), range(j1, j2)))
            continue
        pairs.extend((i, None) for i in range(i1, i2) if old_keys[i] not in in_new)
        pairs.extend((where_old.get(new_keys[j]), j) for j in range(j1, j2))
    return pairs


def _section_diff(old: Section | None, new: Section | None) -> SectionDiff:
    shown = new or old
    number = (new.number if new else None) or (old.number if old else None)
    if old is None or new is None:
        counts = Counts()
        side = INSERTED if old is None else DELETED
        blocks = [d for d in (_whole_block(b, side, counts, True) for b in shown.blocks) if d is not None]
        mark = "**" if side == INSERTED else "~~"
        counts.excerpts = [f"{mark}{_md(shown.heading)}{mark} ({'inserted' if side == INSERTED else 'deleted'})"]
        status = "inserted" if side == INSERTED else "deleted"
        return SectionDiff(shown.key, status, old and old.number, new and new.number, shown.title, blocks, counts)
    blocks, counts = diff_blocks(list(old.blocks), list(new.blocks), number)
    if any(b.changed for b in blocks):
        status = "changed" if counts.edits else "renumbered"
    else:
        status = "unchanged"
    return SectionDiff(new.key, status, old.number, new.number, new.title, blocks, counts)


# ---------------------------------------------------------------- writing the redline


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
    (redline_render.own_mark), which drops every span attribute content wrote."""
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
    redline_render.own_mark): the HTML redline makes it an <ins> element, which no underline
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


# ---------------------------------------------------------------- the summary


def _ranges(numbers: list[int]) -> str:
    """[7, 8, 9, 12] → "7–9, 12"."""
    out, start = [], None
    for k, n in enumerate(numbers):
        if start is None:
            start = n
        if k + 1 == len(numbers) or numbers[k + 1] != n + 1:
            out.append(str(start) if start == n else f"{start}–{n}")
            start = None
    return ", ".join(out)


def section_label(section: SectionDiff) -> str:
    if section.is_article:
        old, new = section.old_number, section.new_number
        if section.status == "deleted":
            number = f"~~{old}~~" if old else ""
        elif old and new and old != new:
            number = f"{new} (was {old})"
        else:
            number = new or old or ""
        return f"{number} — {_md(section.title)}" if number else _md(section.title)
    return _md(section.title)


def summary(comparison: Comparison, agreement_id: str, base_label: str, head_label: str,
            max_excerpts: int = 3) -> str:
    """A short Markdown summary for a pull request: what changed, in the contract's words."""
    heading = f"#### {_md(agreement_id)}" + (f" — {_md(comparison.title)}" if comparison.title else "")
    sides = f"{base_label} → {head_label}"
    if not comparison.changed:
        return f"{heading}\n\n{sides}: no change in the rendered text.\n"
    changed = comparison.with_status("changed", "inserted", "deleted")
    renumbered = comparison.with_status("renumbered")
    counts = comparison.counts
    articles = [s for s in changed if s.is_article]
    facts = [f"**{len(articles)} article{'s' if len(articles) != 1 else ''} changed**"]
    others = len(changed) - len(articles)
    if others:
        facts.append(f"{others} other part{'s' if others != 1 else ''} changed")
    if renumbered:
        facts.append(f"{len(renumbered)} renumbered only")
    facts.append(f"**+{counts.added} / −{counts.removed} words**")
    lines = [heading, "", f"{sides} · " + " · ".join(facts), ""]
    if comparison.title_change is not None:
        lines += [f"- Title: {_segments_excerpt(comparison.title_change)}", ""]
    if changed:
        lines += ["| Article | Change | Words |", "| --- | --- | --: |"]
        for section in changed:
            lines.append(f"| {section_label(section)} | {section.status} | "
                         f"+{section.counts.added} −{section.counts.removed} |")
        lines.append("")
        for section in changed:
            for excerpt in section.counts.excerpts[:max_excerpts]:
                lines.append(f"- {excerpt}")
            hidden = len(section.counts.excerpts) - max_excerpts
            if hidden > 0:
                lines.append(f"- … and {hidden} more change{'s' if hidden != 1 else ''} in "
                             f"{section_label(section)}")
        lines.append("")
    if renumbered:
        numbers = sorted(int(s.new_number) for s in renumbered if s.new_number and s.new_number.isdigit())
        if numbers:
            lines += [f"Renumbered only (numbers and cross-references): articles {_ranges(numbers)}.", ""]
    return "\n".join(lines)


def _segments_excerpt(segments: list[Segment]) -> str:
    parts = []
    for segment in segments:
        text = _md(plain(segment.text))
        if text:
            parts.append(text if segment.kind == EQUAL else (f"~~{text}~~" if segment.kind == DELETED else f"**{text}**"))
    return " ".join(parts)
