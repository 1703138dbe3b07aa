"""pandoc's block tree as a flat run of units: headings, paragraphs (with the numbered list they
sit in, if any) and finished blocks (tables, bullet lists), each with its paragraph number in
the source, which the report names.

Word's automatic numbering reaches pandoc as ordered lists; their depth, counter style and
delimiter are kept on each unit, since the structure step decides from them whether a list is
the document's sections, its sub-clauses or its (a)/(i) items.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .inlines import Notes, escape, line_start, markdown, plain, table


@dataclass
class Unit:
    kind: str  # heading, para or block (Markdown ready to place: a table, a bullet list)
    index: int  # paragraph number in the source (1-based)
    md: str
    text: str = ""
    inlines: list = field(default_factory=list)
    level: int = 0  # a heading's level
    depth: int = -1  # the ordered list it is an item of (0: outermost), -1 when none
    style: str = ""  # that list's counter: Decimal, LowerAlpha, LowerRoman, UpperAlpha, UpperRoman
    delim: str = ""  # Period, OneParen, TwoParens, DefaultDelim
    ordinal: int = 0  # its number in that list
    opens_item: bool = False  # the first paragraph of a list item (the one its number is printed on)
    cells: list | None = None  # a table's rows of cells, each cell its paragraphs (inlines.table)


class _Reader:
    def __init__(self, notes: Notes):
        self.notes = notes
        self.units: list[Unit] = []
        self.count = 0

    def next_paragraph(self) -> int:
        self.count += 1
        self.notes.paragraph = self.count
        return self.count

    def blocks(self, blocks: list, depth: int = -1, style: tuple = ("", "", 0), opening: bool = False) -> None:
        for position, block in enumerate(blocks):
            self.block(block, depth, style, opening and position == 0)

    def block(self, block: dict, depth: int, style: tuple, opening: bool) -> None:
        kind, content = block.get("t"), block.get("c")
        if kind in ("Para", "Plain"):
            index = self.next_paragraph()
            md = markdown(content, self.notes).strip()
            text = plain(content).strip()
            if not md:
                return
            self.units.append(Unit("para", index, md, text, content, depth=depth, style=style[0],
                                   delim=style[1], ordinal=style[2], opens_item=opening))
        elif kind == "Header":
            index = self.next_paragraph()
            md = markdown(content[2], self.notes).strip()
            if md:
                self.units.append(Unit("heading", index, md, plain(content[2]).strip(), content[2], level=content[0]))
        elif kind == "OrderedList":
            (start, counter, delim), items = content
            for number, item in enumerate(items, start=start):
                self.blocks(item, depth + 1, (counter["t"], delim["t"], number), opening=True)
        elif kind == "BulletList":
            index = self.next_paragraph()
            lines = self.bullets(content, 0)
            if lines:
                self.units.append(Unit("block", index, "\n".join(lines), depth=depth))
        elif kind == "Table":
            self.caption(block["c"][1][1], "a table's caption")
            index = self.next_paragraph()
            md, cells = table(block, self.notes)
            self.units.append(Unit("block", index, md, depth=depth, cells=cells))
        elif kind in ("Div", "BlockQuote"):
            self.blocks(content[1] if kind == "Div" else content, depth, style, opening)
        elif kind == "LineBlock":
            index = self.next_paragraph()
            md = "\\\n".join(markdown(line, self.notes) for line in content)
            self.units.append(Unit("para", index, md, "\n".join(plain(line) for line in content), depth=depth))
        elif kind == "DefinitionList":
            for term, definitions in content:
                index = self.next_paragraph()
                self.units.append(Unit("para", index, "**" + markdown(term, self.notes) + "**", plain(term)))
                for definition in definitions:
                    self.blocks(definition, depth, style)
        elif kind == "Figure":
            if not _has_image(content[2]):  # an image is refused, and named by its caption
                self.caption(content[1][1], "a figure's caption")
            self.blocks(content[2], depth, style)
        elif kind == "CodeBlock":
            index = self.next_paragraph()
            self.notes.note("preformatted text kept as a plain paragraph")
            self.units.append(Unit("para", index, escape(" ".join(content[1].split())), content[1], depth=depth))
        elif kind == "RawBlock":
            self.next_paragraph()
            self.notes.note(f"raw {content[0]} left out")
        elif kind == "HorizontalRule":
            self.next_paragraph()

    def caption(self, blocks: list, what: str) -> None:
        """A caption's paragraphs kept as paragraphs before what they name (the model has no captions)."""
        for block in blocks:
            if block.get("t") in ("Para", "Plain") and plain(block["c"]).strip():
                index = self.next_paragraph()
                self.notes.note(f"{what} kept as a paragraph above it")
                self.units.append(Unit("para", index, markdown(block["c"], self.notes).strip(),
                                       plain(block["c"]).strip(), block["c"]))

    def bullets(self, items: list, level: int) -> list[str]:
        lines = []
        for item in items:
            first = True
            for block in item:
                kind = block.get("t")
                if kind in ("Para", "Plain"):
                    text = markdown(block["c"], self.notes).replace("\\\n", " ").strip()
                    if first:
                        lines.append("    " * level + "- " + text)
                    else:
                        lines[-1] += " " + text
                    first = False
                elif kind in ("BulletList", "OrderedList"):
                    nested = block["c"] if kind == "BulletList" else block["c"][1]
                    if kind == "OrderedList":
                        self.notes.note("a numbered list inside a bullet list kept as bullets")
                    lines += self.bullets(nested, level + 1)
                else:
                    self.notes.note(f"a {kind} inside a bullet list left out")
        return [line_start(line) if not line.lstrip().startswith("- ") else line for line in lines]


def _has_image(node) -> bool:
    if isinstance(node, dict):
        return node.get("t") == "Image" or _has_image(node.get("c"))
    return isinstance(node, list) and any(_has_image(child) for child in node)


def read_units(tree: dict, notes: Notes) -> list[Unit]:
    reader = _Reader(notes)
    reader.blocks(tree.get("blocks", []))
    return reader.units
