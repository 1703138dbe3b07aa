"""The DOCX's page layout a lawyer works in (issue 20, items 9 to 11): what pandoc's writer cannot
say, set on `word/document.xml` after it (render.stamp_docx, the same on both build routes).

* Tables get column widths that fit their content (pandoc gives equal or fixed relative widths):
  narrow columns (shares, amounts) their natural width, the rest shared out; rows never split
  over two pages, and a header row stays with the first row under it.
* A paragraph ending with ":" that introduces a list or a table stays with it (keepNext).
* The signature block (the div `signatures`) cannot be split over two pages (keepNext/keepLines
  on its paragraphs, rows that cannot split), its table has two equal columns in the house
  signature style (reference.docx's "Signature Table"), and leaves room to sign under the last row.
* The parties block (the div `parties`) is never hyphenated (names, numbers and addresses). It is
  body text in Word whatever the template's `preamble_style` (the PDF and HTML shade a block).
* A template's footer note (the div `footer-note`, frame.py) is small grey type under a rule.
* Document parts (clausier/parts.py) start pages: what follows the cover (div `cover`) and each
  annex's heading (bookmark `part-…`) break the page before them.

Pure functions over the XML: the same bytes in give the same bytes out.
"""

from __future__ import annotations

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_ = f"{{{W}}}"
DEFAULT_TEXT_WIDTH = 9072  # twips: A4 less 2.5 cm margins (the reference document's page)
SIGNATURE_STYLE = "SignatureTable"  # the table style make_reference_docx.py defines
ROOM_TO_SIGN = 1701  # twips (3 cm) under the signature block's last row, as in the PDF
SIGNATURE_ROW_GAP = 200  # twips (10 pt) above each row after the first
TABLE_GAP = 160  # twips (8 pt) between a table or list and the paragraph after it, as in the PDF
EM = 220  # twips: the body font's size, 11 pt
CELL_MARGINS = 2 * 108 + 160  # the Table style's left and right cell margins, and room for error
BODY_STYLES = (None, "BodyText", "FirstParagraph")  # pandoc's styles of body paragraphs (not headings)
BOLD = 1.12  # header cells are bold, wider
# Rough advance widths in em of the body font (Libertinus Serif; the fallbacks are close): enough
# to size a column so that its longest line fits, not to typeset.
NARROW, SPACE, LOWER, FIGURE, UPPER = 0.28, 0.25, 0.48, 0.5, 0.7

# The schema's order of children (Word refuses a part whose children are out of order).
P_PR = ("pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
        "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
        "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid",
        "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc", "textDirection",
        "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange")
TBL_PR = ("tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize", "tblW",
          "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook",
          "tblCaption", "tblDescription", "tblPrChange")
TR_PR = ("cnfStyle", "divId", "gridBefore", "gridAfter", "wBefore", "wAfter", "cantSplit", "trHeight", "tblHeader",
         "tblCellSpacing", "jc", "hidden", "ins", "del", "trPrChange")
TC_PR = ("cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd", "noWrap", "tcMar", "textDirection",
         "tcFitText", "vAlign", "hideMark", "headers", "cellIns", "cellDel", "cellMerge", "tcPrChange")
TR = ("tblPrEx", "trPr")
TC = ("tcPr",)
P = ("pPr",)
R = ("rPr",)
R_PR = ("rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike", "outline", "shadow",
        "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden", "color", "spacing", "w", "kern",
        "position", "sz", "szCs", "highlight", "u", "effect", "bdr", "shd", "fitText", "vertAlign", "rtl", "cs", "em",
        "lang", "eastAsianLayout", "specVanish", "oMath")
P_BDR = ("top", "left", "bottom", "right", "between", "bar")
NOTE_GAP = 480  # twips (24 pt) above the footer note, about the PDF's
NOTE_SIZE = "17"  # half-points: 8.5 pt, as the running header and the PDF's note
NOTE_COLOUR = "464646"


def laid_out(document: bytes) -> bytes:
    """`word/document.xml` with the layout above."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    root = etree.fromstring(document, parser)
    body = root.find(_ + "body")
    if body is None:
        return document
    width = text_width(body)
    signatures = region(body, "signatures")
    for table in body.iter(_ + "tbl"):
        if any(table is block or _within(table, block) for block in signatures):
            continue
        fit_columns(table, width)
        keep_rows(table)
    for block in signatures:
        keep_signatures(block, width)
    keep_lead_ins(body)
    space_after_tables(body)
    for block in region(body, "parties"):
        for paragraph in _paragraphs(block):
            _set(_p_pr(paragraph), "suppressAutoHyphens", P_PR)
    break_before_parts(body)
    for block in region(body, "footer-note"):
        small_note(block)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# ------------------------------------------------------------------------------------ XML helpers


def _set(parent, name: str, order: tuple[str, ...], **attributes: str):
    """`parent`'s child `w:name` (made where the schema's `order` puts it), with `attributes`."""
    element = parent.find(_ + name)
    if element is None:
        element = etree.Element(_ + name)
        rank = order.index(name)
        # Before the first child the order puts later; what it does not name (runs, cells) is content.
        later = next((c for c in parent if _rank(c, order) > rank), None)
        if later is None:
            parent.append(element)
        else:
            later.addprevious(element)
    for key, value in attributes.items():
        element.set(_ + key, value)
    return element


def _rank(element, order: tuple[str, ...]) -> int:
    tag = element.tag if isinstance(element.tag, str) else ""
    local = tag[len(_):] if tag.startswith(_) else ""
    return order.index(local) if local in order else len(order)


def _p_pr(paragraph):
    return _set(paragraph, "pPr", P)


def _paragraphs(block):
    return [block] if block.tag == _ + "p" else list(block.iter(_ + "p"))


def _text(element) -> str:
    return "".join(t.text or "" for t in element.iter(_ + "t"))


def _within(element, ancestor) -> bool:
    return any(parent is ancestor for parent in element.iterancestors())


def text_width(body) -> int:
    """The width between the margins of the document's (last) section, in twips."""
    section = body.find(_ + "sectPr")
    try:
        size, margins = section.find(_ + "pgSz"), section.find(_ + "pgMar")
        return int(size.get(_ + "w")) - int(margins.get(_ + "left")) - int(margins.get(_ + "right"))
    except (AttributeError, TypeError, ValueError):
        return DEFAULT_TEXT_WIDTH


def break_before_parts(body) -> None:
    """pageBreakBefore on the first paragraph after the cover and on each annex's heading."""
    cover, pending = None, False
    for element in body:
        if element.tag == _ + "bookmarkStart":
            name = element.get(_ + "name") or ""
            if name == "cover":
                cover = element.get(_ + "id")
            pending = pending or name.startswith("part-")
        elif element.tag == _ + "bookmarkEnd" and cover is not None and element.get(_ + "id") == cover:
            cover, pending = None, True
        elif element.tag == _ + "p":
            inner = [b.get(_ + "name") or "" for b in element.iter(_ + "bookmarkStart")]
            if pending or any(name.startswith("part-") for name in inner):
                _set(_p_pr(element), "pageBreakBefore", P_PR)
                pending = False


def region(body, name: str) -> list:
    """The body's blocks inside the bookmark `name` (pandoc writes a div's id as one)."""
    blocks, inside = [], None
    for element in body:
        if element.tag == _ + "bookmarkStart" and element.get(_ + "name") == name and inside is None:
            inside = element.get(_ + "id")
        elif element.tag == _ + "bookmarkEnd" and inside is not None and element.get(_ + "id") == inside:
            break
        elif inside is not None and element.tag in (_ + "p", _ + "tbl"):
            blocks.append(element)
    return blocks


# ----------------------------------------------------------------------------------------- tables


def _rows(table):
    return table.findall(_ + "tr")


def _cells(row):
    return row.findall(_ + "tc")


def _span(cell) -> int:
    span = cell.find(f"{_}tcPr/{_}gridSpan")
    try:
        return max(1, int(span.get(_ + "val"))) if span is not None else 1
    except (TypeError, ValueError):
        return 1


def _columns(table) -> int:
    grid = table.find(_ + "tblGrid")
    counted = len(grid.findall(_ + "gridCol")) if grid is not None else 0
    return max([counted] + [sum(_span(c) for c in _cells(r)) for r in _rows(table)])


def column_widths(natural: list[int], least: list[int], total: int) -> list[int]:
    """Widths (twips) summing to `total`: each column its natural width and the first (the text
    column) the space left; when the natural widths do not fit, each column keeps at least its
    longest word and the rest is shared in proportion to what each would still want."""
    count = len(natural)
    if sum(natural) <= total:
        widths = list(natural)
        widths[0] += total - sum(natural)
        return widths
    if sum(least) >= total:
        widths = [max(1, total * m // max(sum(least), 1)) for m in least]
    else:
        wanted = [n - m for n, m in zip(natural, least)]
        room = total - sum(least)
        widths = [m + room * w // max(sum(wanted), 1) for m, w in zip(least, wanted)]
    widths[count - 1] += total - sum(widths)  # what integer division left over
    return widths


def _measure(table, count: int) -> tuple[list[int], list[int]]:
    """Each column's natural width (its longest paragraph on one line) and least width (its longest
    word), in twips, from the cells that span one column."""
    natural, least = [0] * count, [0] * count
    header = _header_rows(table)
    for row in _rows(table):
        factor = BOLD if row in header else 1.0
        column = 0
        for cell in _cells(row):
            span = _span(cell)
            if span == 1 and column < count:
                lines = [_text(p) for p in cell.iter(_ + "p")] or [""]
                longest = max(text_length(line.strip()) for line in lines)
                word = max((text_length(w) for line in lines for w in line.split(" ")), default=0)
                natural[column] = max(natural[column], int(longest * factor))
                least[column] = max(least[column], int(word * factor))
            column += span
    return [n + CELL_MARGINS for n in natural], [m + CELL_MARGINS for m in least]


def text_length(text: str) -> int:
    """The width of `text` on one line, in twips (an estimate: see NARROW ... UPPER)."""
    em = 0.0
    for char in text:
        if char in "iljtfr.,;:'’!|()[]" or char in "\u00a0\u202f":
            em += NARROW
        elif char == " ":
            em += SPACE
        elif char.isdigit():
            em += FIGURE
        elif char.isupper() or char in "mwMW€%&@—":
            em += UPPER
        else:
            em += LOWER
    return int(em * EM)


def _header_rows(table) -> list:
    return [r for r in _rows(table) if r.find(f"{_}trPr/{_}tblHeader") is not None]


def set_widths(table, widths: list[int]) -> None:
    """The table's grid and every cell's width, fixed (Word and LibreOffice then use them as is)."""
    properties = _set(table, "tblPr", ("tblPr", "tblGrid"))
    _set(properties, "tblW", TBL_PR, w=str(sum(widths)), type="dxa")
    _set(properties, "tblLayout", TBL_PR, type="fixed")
    grid = table.find(_ + "tblGrid")
    if grid is None:
        grid = etree.Element(_ + "tblGrid")
        properties.addnext(grid)
    for old in list(grid):
        grid.remove(old)
    for width in widths:
        etree.SubElement(grid, _ + "gridCol").set(_ + "w", str(width))
    for row in _rows(table):
        column = 0
        for cell in _cells(row):
            span = _span(cell)
            _set(_set(cell, "tcPr", TC), "tcW", TC_PR, w=str(sum(widths[column:column + span])), type="dxa")
            column += span


def fit_columns(table, total: int) -> None:
    count = _columns(table)
    if count == 0:
        return
    natural, least = _measure(table, count)
    set_widths(table, column_widths(natural, least, total))


def keep_rows(table) -> None:
    """No row split over two pages; the header row(s) kept with the row under them."""
    for row in _rows(table):
        _set(_set(row, "trPr", TR), "cantSplit", TR_PR)
    for row in _header_rows(table):
        for paragraph in row.iter(_ + "p"):
            _set(_p_pr(paragraph), "keepNext", P_PR)


# -------------------------------------------------------------------------------- blocks and pages


def keep_signatures(block, width: int) -> None:
    """The signature block on one page, its table in two equal columns with room to sign."""
    if block.tag == _ + "p":
        properties = _p_pr(block)
        _set(properties, "keepNext", P_PR)
        _set(properties, "keepLines", P_PR)
        return
    rows = _rows(block)
    count = _columns(block)
    if count == 0 or not rows:
        return
    properties = _set(block, "tblPr", ("tblPr", "tblGrid"))
    _set(properties, "tblStyle", TBL_PR, val=SIGNATURE_STYLE)
    # The first and last rows' looks (bold, italics), no banding; `val` says the same in hex.
    _set(properties, "tblLook", TBL_PR, firstRow="1", lastRow="1", firstColumn="0", lastColumn="0",
         noHBand="1", noVBand="1", val="0660")
    share = width // count
    set_widths(block, [share] * (count - 1) + [width - share * (count - 1)])
    for number, row in enumerate(rows):
        row_properties = _set(row, "trPr", TR)
        _set(row_properties, "cantSplit", TR_PR)
        header = row_properties.find(_ + "tblHeader")
        if header is not None:  # a header repeated on a next page: the block has none
            row_properties.remove(header)
        last = number == len(rows) - 1
        for paragraph in row.iter(_ + "p"):
            properties = _p_pr(paragraph)
            if not last:
                _set(properties, "keepNext", P_PR)
            _set(properties, "keepLines", P_PR)
            _set(properties, "spacing", P_PR, before="0" if number == 0 else str(SIGNATURE_ROW_GAP),
                 after=str(ROOM_TO_SIGN) if last else "60")


def small_note(block) -> None:
    """The footer note: 8.5 pt grey, kept on one page, under a thin rule with room above it."""
    for paragraph in _paragraphs(block):
        properties = _p_pr(paragraph)
        _set(properties, "keepLines", P_PR)
        borders = _set(properties, "pBdr", P_PR)
        _set(borders, "top", P_BDR, val="single", sz="4", space="4", color="A0A0A0")
        _set(properties, "spacing", P_PR, before=str(NOTE_GAP))
        _set(properties, "jc", P_PR, val="left")
        for run in paragraph.iter(_ + "r"):
            run_properties = _set(run, "rPr", R)
            _set(run_properties, "color", R_PR, val=NOTE_COLOUR)
            _set(run_properties, "sz", R_PR, val=NOTE_SIZE)
            _set(run_properties, "szCs", R_PR, val=NOTE_SIZE)


def _style(paragraph) -> str | None:
    style = paragraph.find(f"{_}pPr/{_}pStyle")
    return style.get(_ + "val") if style is not None else None


def _lead_in(paragraph) -> bool:
    return _text(paragraph).strip().endswith(":")


def _introduced(block) -> bool:
    """A table, or a list's first item (a paragraph with numbering)."""
    return block.tag == _ + "tbl" or (block.tag == _ + "p" and block.find(f"{_}pPr/{_}numPr") is not None)


def keep_lead_ins(body) -> None:
    """A paragraph ending with ":" stays on the page of the list or table it introduces."""
    blocks = [e for e in body if e.tag in (_ + "p", _ + "tbl")]
    for block, following in zip(blocks, blocks[1:]):
        if block.tag == _ + "p" and _introduced(following) and _lead_in(block):
            _set(_p_pr(block), "keepNext", P_PR)


def space_after_tables(body) -> None:
    """Room between a table, or a list, and the paragraph under it (Body Text has none above)."""
    blocks = [e for e in body if e.tag in (_ + "p", _ + "tbl")]
    for block, following in zip(blocks, blocks[1:]):
        if following.tag == _ + "p" and _introduced(block) and _style(following) in BODY_STYLES \
                and not _introduced(following):
            spacing = _p_pr(following).find(_ + "spacing")
            if spacing is None or spacing.get(_ + "before") is None:
                _set(_p_pr(following), "spacing", P_PR, before=str(TABLE_GAP))
