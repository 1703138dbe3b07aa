"""word/document.xml walked in reading order: paragraphs of segments, each segment a piece of text
that is plain or inside one tracked change, placed in its article by our bookmarks.

Shared by reading.py (a returned file: its tracked changes and comments) and sent.py (the text
sent, which has none). Runs are flattened: how Word or LibreOffice split a sentence into runs
never shows here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_ = f"{{{W}}}"
REGIONS = ("parties", "signatures", "cover", "annexes")  # blocks our DOCX names (docx_layout, parts.py)
TRACKED = ("ins", "del", "moveFrom", "moveTo")
# Inline containers whose runs are read as the paragraph's own text.
_INLINE = ("hyperlink", "smartTag", "customXml", "sdt", "sdtContent", "fldSimple", "bdo", "dir")
_BLOCK = ("tbl", "tr", "tc", "sdt", "sdtContent", "customXml", "txbxContent")


@dataclass
class Segment:
    text: str
    kind: str = "text"  # "text", or one of TRACKED
    author: str = ""
    date: str = ""
    change: str = ""  # the tracked change's w:id (a move's name for moves)
    formatted: tuple[str, str] | None = None  # (author, date) of a tracked formatting change
    comments: frozenset[str] = frozenset()  # the comments whose range holds it


@dataclass
class Paragraph:
    index: int  # 1-based, in reading order (tables' paragraphs included)
    article: str | None
    region: str
    style: str
    segments: list[Segment] = field(default_factory=list)
    mark: str = ""  # "ins" / "del": the paragraph mark itself inserted or deleted
    mark_author: str = ""
    mark_date: str = ""
    format_change: tuple[str, str] | None = None  # (author, date) of a tracked paragraph-format change
    comment_points: list[str] = field(default_factory=list)  # comments referenced with no range

    def text(self, view: str) -> str:
        """"accepted" (insertions kept, deletions dropped), "rejected" (the reverse: what the
        file says was there before the tracked changes) or "plain" (every segment)."""
        dropped = {"accepted": ("del", "moveFrom"), "rejected": ("ins", "moveTo")}.get(view, ())
        return "".join(s.text for s in self.segments if s.kind not in dropped)


def _attr(element, name: str) -> str:
    return element.get(_ + name) or ""


def parse(document: bytes):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    return etree.fromstring(document, parser)


class _Walker:
    def __init__(self) -> None:
        self.paragraphs: list[Paragraph] = []
        self.article: str | None = None
        self.region = ""
        self.open_id = ""  # the w:id of the bookmark that set them
        self.open_comments: set[str] = set()
        self.ranged: set[str] = set()  # comments with a range start (others are points)
        self.comment_places: dict[str, tuple[str | None, str, int]] = {}  # id → article, region, paragraph

    # ------------------------------------------------------------------- marks between blocks

    def marker(self, element, local: str) -> bool:
        if local == "bookmarkStart":
            name = _attr(element, "name")
            if name.startswith("art-"):
                self.article, self.open_id = name[4:], _attr(element, "id")
                if not self.region.startswith(("part-", "annexes")):
                    self.region = ""
            elif name in REGIONS or name.startswith("part-"):
                self.region, self.article, self.open_id = name, None, _attr(element, "id")
            return True
        if local == "bookmarkEnd":  # an article's (or block's) end: what follows is outside it
            if _attr(element, "id") == self.open_id:
                self.article, self.region, self.open_id = None, "", ""
            return True
        if local == "commentRangeStart":
            ident = _attr(element, "id")
            self.open_comments.add(ident)
            self.ranged.add(ident)
            self.comment_places.setdefault(ident, (self.article, self.region, len(self.paragraphs)))
            return True
        if local == "commentRangeEnd":
            self.open_comments.discard(_attr(element, "id"))
            return True
        return local in ("moveFromRangeStart", "moveFromRangeEnd", "moveToRangeStart",
                         "moveToRangeEnd", "proofErr", "permStart", "permEnd", "lastRenderedPageBreak")

    def block(self, parent) -> None:
        for child in parent:
            if not isinstance(child.tag, str) or not child.tag.startswith(_):
                continue
            local = child.tag[len(_):]
            if self.marker(child, local):
                continue
            if local == "p":
                self.paragraph(child)
            elif local in _BLOCK or local in TRACKED:  # (a block-level ins/del holds whole paragraphs or rows)
                self.block(child)

    # --------------------------------------------------------------------------- paragraphs

    def paragraph(self, element) -> None:
        # A bookmark before the paragraph's first text opens it (LibreOffice writes an article's
        # bookmark inside its heading's paragraph, ours stand between paragraphs).
        for child in element.iter(_ + "bookmarkStart", _ + "t", _ + "delText"):
            if child.tag != _ + "bookmarkStart":
                break
            self.marker(child, "bookmarkStart")
        style = element.find(f"{_}pPr/{_}pStyle")
        paragraph = Paragraph(len(self.paragraphs) + 1, self.article, self.region,
                              _attr(style, "val") if style is not None else "")
        self.paragraphs.append(paragraph)
        properties = element.find(_ + "pPr")
        if properties is not None:
            for kind in ("ins", "del"):
                mark = properties.find(f"{_}rPr/{_}{kind}")
                if mark is not None:
                    paragraph.mark, paragraph.mark_author, paragraph.mark_date = kind, _attr(mark, "author"), \
                        _attr(mark, "date")
            change = properties.find(_ + "pPrChange")
            if change is not None:
                paragraph.format_change = (_attr(change, "author"), _attr(change, "date"))
        self.inline(element, paragraph, None)

    def inline(self, parent, paragraph: Paragraph, tracked) -> None:
        for child in parent:
            if not isinstance(child.tag, str) or not child.tag.startswith(_):
                continue
            local = child.tag[len(_):]
            if self.marker(child, local):
                if local == "commentRangeStart":
                    self.comment_places[_attr(child, "id")] = (self.article, self.region, paragraph.index)
                continue
            if local == "r":
                self.run(child, paragraph, tracked)
            elif local in TRACKED:
                ident = _attr(child, "name") if local.startswith("move") else _attr(child, "id")
                self.inline(child, paragraph, (local, _attr(child, "author"), _attr(child, "date"), ident))
            elif local in _INLINE:
                self.inline(child, paragraph, tracked)

    def run(self, run, paragraph: Paragraph, tracked) -> None:
        change = run.find(f"{_}rPr/{_}rPrChange")
        formatted = (_attr(change, "author"), _attr(change, "date")) if change is not None else None
        pieces = []
        for child in run:
            local = child.tag[len(_):] if isinstance(child.tag, str) and child.tag.startswith(_) else ""
            if local in ("t", "delText"):
                pieces.append(child.text or "")
            elif local in ("tab", "br", "cr"):
                pieces.append(" ")
            elif local == "noBreakHyphen":
                pieces.append("-")
            elif local == "commentReference":
                ident = _attr(child, "id")
                if ident not in self.ranged:
                    paragraph.comment_points.append(ident)
                    self.comment_places.setdefault(ident, (self.article, self.region, paragraph.index))
        text = "".join(pieces)
        if not text:
            return
        kind, author, date, ident = tracked or ("text", "", "", "")
        paragraph.segments.append(Segment(text, kind, author, date, ident, formatted, frozenset(self.open_comments)))


def walk(document: bytes) -> tuple[list[Paragraph], dict[str, tuple[str | None, str, int]]]:
    """The paragraphs of word/document.xml in reading order, and where each comment sits."""
    root = parse(document)
    body = root.find(_ + "body")
    walker = _Walker()
    if body is not None:
        walker.block(body)
    return walker.paragraphs, walker.comment_places


def joined(paragraphs: list[Paragraph], view: str) -> list[tuple[Paragraph, str]]:
    """Each paragraph's text in a view, a paragraph whose mark that view drops joined with the
    next one (a mark inserted: one paragraph before; deleted: one paragraph after)."""
    joining = {"accepted": "del", "rejected": "ins"}.get(view)
    out: list[tuple[Paragraph, str]] = []
    carry: tuple[Paragraph, str] | None = None
    for paragraph in paragraphs:
        head, text = carry if carry is not None else (paragraph, "")
        text, carry = text + paragraph.text(view), None
        if joining and paragraph.mark == joining:
            carry = (head, text)
            continue
        out.append((head, text))
    if carry is not None:
        out.append(carry)
    return out


def comments_part(data: bytes | None) -> dict[str, tuple[str, str, str]]:
    """word/comments.xml: comment id → (author, date, text)."""
    if not data:
        return {}
    root = parse(data)
    found = {}
    for comment in root.iter(_ + "comment"):
        texts = ["".join(t.text or "" for t in p.iter(_ + "t")) for p in comment.iter(_ + "p")]
        found[_attr(comment, "id")] = (_attr(comment, "author"), _attr(comment, "date"),
                                       "\n".join(t for t in texts if t).strip())
    return found
