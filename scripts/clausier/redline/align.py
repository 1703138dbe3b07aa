"""The alignment: two assembled agreements → a Comparison. Sections are matched by id (an
inserted article or a renumbering is not a rewrite of everything after it), blocks inside a
section by content, then words inside a block (inline.py). Tables are compared cell by cell
when their rows pair up, row by row otherwise."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Callable

from ..markdown import escape_text, front_matter
from .blocks import ARTICLE_ANCHOR, Block, Section, parse_blocks, split_sections
from .inline import DELETED, EQUAL, INSERTED, Counts, Segment, diff_inline, whole
from .tokenizer import comment_text, plain, tokens


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
    if old.kind == "heading" and ARTICLE_ANCHOR.search(old.tail) and old.tail == new.tail:
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
                changes = [" | ".join(f"{mark}{comment_text(plain(c))}{mark}" for c in row if plain(c).strip())]
            else:
                changes = row_counts.excerpts
            row_counts.excerpts = [f"**{comment_text(where)}** " + " · ".join(changes)] if changes else []
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
                        prefix = f"**{comment_text(where)}** " if where else ""
                        snippet = comment_text(plain(text))
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
    """The assembled Markdown's small YAML header (title, lang: one `name: value` a line, the
    title JSON-quoted, as assemble.py writes it) and its body."""
    header: dict[str, str] = {}
    front = front_matter(markdown)
    if front is None:
        return header, markdown
    for line in front.yaml.split("\n"):
        name, _, value = line.partition(":")
        value = value.strip()
        if value.startswith('"'):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                pass
        header[name.strip()] = value
    return header, front.body.lstrip("\n")


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
        counts.excerpts = [f"{mark}{comment_text(shown.heading)}{mark} ({'inserted' if side == INSERTED else 'deleted'})"]
        status = "inserted" if side == INSERTED else "deleted"
        return SectionDiff(shown.key, status, old and old.number, new and new.number, shown.title, blocks, counts)
    blocks, counts = diff_blocks(list(old.blocks), list(new.blocks), number)
    if any(b.changed for b in blocks):
        status = "changed" if counts.edits else "renumbered"
    else:
        status = "unchanged"
    return SectionDiff(new.key, status, old.number, new.number, new.title, blocks, counts)
