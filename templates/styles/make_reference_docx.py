#!/usr/bin/env python3
"""Regenerate Clausier's DOCX reference document (reference.docx).

Starts from pandoc's built-in reference.docx
(``pandoc --print-default-data-file reference.docx``, written to stdout), restyles it with
python-docx and writes a reproducible archive: entries sorted by name, every
timestamp set to 1980-01-01 00:00:00, fixed permissions, no compression
(stored entries do not depend on the zlib build). Re-running it with the same
pandoc and python-docx versions yields a byte-identical file.

Usage:
    python make_reference_docx.py [--pandoc PATH] [--output PATH]

pandoc is looked up in this order: --pandoc, $PANDOC, `pandoc` on PATH,
the binary bundled with pypandoc(-binary).

Styles set (pandoc style names):
    Normal / Body Text / First Paragraph  Libertinus Serif 11 pt, left aligned (Word justifies
                                          without hyphenating: rivers of white)
    Compact (lists, table cells)          left aligned, tight spacing
    Title                                 centred, bold, 18 pt, #1f3a5f
    Subtitle                              centred, 13 pt
    Heading 1                             bold, 13 pt, #1f3a5f, keep with next
    Heading 2                             bold, 11 pt, keep with next
    Heading 3                             bold italic, 11 pt, keep with next
    Table                                 light horizontal rules, tinted bold header row
    Signature Table                       no rules, bold first row, italic last row (docx_layout.py)
    Hyperlink                             #1f3a5f
    Footnote Text                         9 pt
Page: A4, 2.5 cm margins, centred "Page X / Y" footer.

Font: the PDF's, Libertinus Serif (OFL), named but not embedded; the font table tells Word it is a
roman face and gives Cambria as its alternative name, for machines without it.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

try:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor
except ImportError:  # pragma: no cover - environment problem
    sys.exit("make_reference_docx.py needs python-docx (pip install python-docx)")

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "reference.docx"

FONT = "Libertinus Serif"
FALLBACK_FONT = "Cambria"  # what Word may use where Libertinus Serif is not installed
PRIMARY = "1F3A5F"
HEADER_TINT = "E8EDF3"
RULE = "BFBFBF"
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


# --------------------------------------------------------------------------
# pandoc


def find_pandoc(explicit: str | None) -> str:
    for candidate in (explicit, os.environ.get("PANDOC"), shutil.which("pandoc")):
        if candidate:
            return candidate
    try:
        import pypandoc  # type: ignore

        return pypandoc.get_pandoc_path()
    except Exception:  # pragma: no cover - environment problem
        sys.exit("pandoc not found: use --pandoc PATH or set $PANDOC")


def pandoc_default_reference(pandoc: str) -> bytes:
    result = subprocess.run(
        # No `-o -`: pandoc 3.9 would write a file literally named "-".
        [pandoc, "--print-default-data-file", "reference.docx"],
        check=True,
        stdout=subprocess.PIPE,
    )
    return result.stdout


# --------------------------------------------------------------------------
# XML helpers


def child(parent, tag: str, before: tuple[str, ...] = ()):
    """Return parent's child `tag`, creating it (before any of `before`)."""
    element = parent.find(qn(tag))
    if element is None:
        element = OxmlElement(tag)
        for name in before:
            anchor = parent.find(qn(name))
            if anchor is not None:
                anchor.addprevious(element)
                break
        else:
            parent.append(element)
    return element


def set_fonts(rpr, name: str = FONT) -> None:
    """Explicit fonts for every script; theme fonts would take precedence."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def style_fonts(style, name: str = FONT) -> None:
    set_fonts(style.element.get_or_add_rPr(), name)


def set_size(style, points: float) -> None:
    """Font size for Latin and complex scripts (python-docx only sets w:sz)."""
    style.font.size = Pt(points)
    rpr = style.element.get_or_add_rPr()
    size_cs = rpr.find(qn("w:szCs"))
    if size_cs is None:
        size_cs = OxmlElement("w:szCs")
        rpr.find(qn("w:sz")).addnext(size_cs)
    size_cs.set(qn("w:val"), str(int(points * 2)))


def border(tag: str, size: int, color: str):
    element = OxmlElement(tag)
    element.set(qn("w:val"), "single")
    element.set(qn("w:sz"), str(size))  # eighths of a point
    element.set(qn("w:space"), "0")
    element.set(qn("w:color"), color)
    return element


# --------------------------------------------------------------------------
# styles


def plain_colour(style, hex_colour: str | None) -> None:
    rpr = style.element.get_or_add_rPr()
    old = rpr.find(qn("w:color"))
    if old is not None:
        rpr.remove(old)
    if hex_colour is not None:
        style.font.color.rgb = RGBColor.from_string(hex_colour)


def restyle(doc) -> None:
    styles = doc.styles

    # Document defaults: the body font, 11 pt, for every run.
    defaults = styles.element.find(qn("w:docDefaults"))
    rpr_default = child(child(defaults, "w:rPrDefault"), "w:rPr")
    set_fonts(rpr_default)
    for tag in ("w:sz", "w:szCs"):
        child(rpr_default, tag).set(qn("w:val"), "22")

    normal = styles["Normal"]
    style_fonts(normal)
    set_size(normal, 11)

    body = styles["Body Text"]
    body.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    body.paragraph_format.space_before = Pt(0)
    body.paragraph_format.space_after = Pt(7)
    body.paragraph_format.line_spacing = 1.1
    body.paragraph_format.widow_control = True

    compact = styles["Compact"]
    compact.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    compact.paragraph_format.space_before = Pt(2)
    compact.paragraph_format.space_after = Pt(2)

    title = styles["Title"]
    style_fonts(title)
    set_size(title, 18)
    title.font.bold = True
    plain_colour(title, PRIMARY)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_before = Pt(0)
    title.paragraph_format.space_after = Pt(14)

    subtitle = styles["Subtitle"]
    style_fonts(subtitle)
    set_size(subtitle, 13)
    plain_colour(subtitle, "404040")
    subtitle.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER

    for name in ("Author", "Date"):
        styles[name].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER

    headings = {
        # name: (size, colour, italic, space before, space after)
        "Heading 1": (13, PRIMARY, False, 18, 6),
        "Heading 2": (11, None, False, 12, 4),
        "Heading 3": (11, None, True, 10, 3),
    }
    for name, (size, colour, italic, before, after) in headings.items():
        style = styles[name]
        style_fonts(style)
        set_size(style, size)
        style.font.bold = True
        style.font.italic = italic
        plain_colour(style, colour)
        fmt = style.paragraph_format
        fmt.keep_with_next = True
        fmt.keep_together = True
        fmt.space_before = Pt(before)
        fmt.space_after = Pt(after)
        fmt.alignment = WD_ALIGN_PARAGRAPH.LEFT
    for level in range(4, 10):
        style = styles[f"Heading {level}"]
        style_fonts(style)
        plain_colour(style, None)
        set_size(style, 11)

    link = styles["Hyperlink"]
    plain_colour(link, PRIMARY)

    footnote = styles["Footnote Text"]
    set_size(footnote, 9)

    restyle_table(styles["Table"])
    add_signature_table(styles)


def restyle_table(style) -> None:
    element = style.element
    tbl_pr = element.find(qn("w:tblPr"))

    borders = tbl_pr.find(qn("w:tblBorders"))
    if borders is not None:
        tbl_pr.remove(borders)
    borders = OxmlElement("w:tblBorders")
    for tag in ("w:top", "w:bottom", "w:insideH"):
        borders.append(border(tag, 4, RULE))
    # tblBorders comes before tblCellMar in CT_TblPr.
    cell_mar = tbl_pr.find(qn("w:tblCellMar"))
    if cell_mar is not None:
        cell_mar.addprevious(borders)
        for side, width in (("w:top", "40"), ("w:bottom", "40")):
            child(cell_mar, side).set(qn("w:w"), width)
    else:
        tbl_pr.append(borders)

    for old in element.findall(qn("w:tblStylePr")):
        element.remove(old)
    first_row = OxmlElement("w:tblStylePr")
    first_row.set(qn("w:type"), "firstRow")
    rpr = OxmlElement("w:rPr")
    rpr.append(OxmlElement("w:b"))
    tc_pr = OxmlElement("w:tcPr")
    tc_borders = OxmlElement("w:tcBorders")
    tc_borders.append(border("w:bottom", 8, PRIMARY))
    tc_pr.append(tc_borders)
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), HEADER_TINT)
    tc_pr.append(shd)
    valign = OxmlElement("w:vAlign")
    valign.set(qn("w:val"), "bottom")
    tc_pr.append(valign)
    # Order inside tblStylePr: pPr, rPr, tblPr, trPr, tcPr.
    first_row.append(rpr)
    first_row.append(tc_pr)
    element.append(first_row)


def add_signature_table(styles) -> None:
    """"Signature Table": the signature block's look in the PDF (no rules, the parties' names in
    bold, the signature line in smaller italics; cell text flush with the margins)."""
    from docx.enum.style import WD_STYLE_TYPE

    element = styles.add_style("Signature Table", WD_STYLE_TYPE.TABLE).element
    element.set(qn("w:styleId"), "SignatureTable")
    tbl_pr = child(element, "w:tblPr")
    borders = child(tbl_pr, "w:tblBorders")
    for tag in ("w:top", "w:left", "w:bottom", "w:right", "w:insideH", "w:insideV"):
        borders.append(OxmlElement(tag))
        borders[-1].set(qn("w:val"), "nil")
    margins = child(tbl_pr, "w:tblCellMar")
    for side, width in (("w:top", "0"), ("w:left", "0"), ("w:bottom", "0"), ("w:right", "240")):
        margins.append(OxmlElement(side))
        margins[-1].set(qn("w:w"), width)
        margins[-1].set(qn("w:type"), "dxa")
    # After tblPr in a style: the first and last rows' run properties.
    for kind, props in (("firstRow", ("w:b",)), ("lastRow", ("w:i", "w:sz", "w:szCs"))):
        part = OxmlElement("w:tblStylePr")
        part.set(qn("w:type"), kind)
        rpr = child(part, "w:rPr")
        for tag in props:
            rpr.append(OxmlElement(tag))
            if tag != "w:i" and tag != "w:b":
                rpr[-1].set(qn("w:val"), "20")
        element.append(part)


# --------------------------------------------------------------------------
# font table


def with_font_entry(font_table: bytes) -> bytes:
    """word/fontTable.xml with an entry for the body font: a roman, proportional face, Cambria as
    its alternative name (there is no Libertinus on most Windows or macOS machines)."""
    if f'w:name="{FONT}"'.encode() in font_table:
        return font_table
    entry = (f'<w:font w:name="{FONT}"><w:altName w:val="{FALLBACK_FONT}"/><w:charset w:val="00"/>'
             '<w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>').encode()
    return font_table.replace(b"</w:fonts>", entry + b"</w:fonts>", 1)


# --------------------------------------------------------------------------
# page


def field(paragraph, instruction: str, placeholder: str) -> None:
    simple = OxmlElement("w:fldSimple")
    simple.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = placeholder
    run.append(text)
    simple.append(run)
    paragraph._p.append(simple)


def setup_page(doc) -> None:
    section = doc.sections[0]
    section.page_width = Cm(21.0)
    section.page_height = Cm(29.7)
    for side in ("left_margin", "right_margin", "bottom_margin"):
        setattr(section, side, Cm(2.5))
    # The running header (draft mark, logo, brand and reference over a rule) is about 1.6 cm tall:
    # from 1 cm down it ends well above a 3.2 cm top margin, so the text never touches its rule.
    section.top_margin = Cm(3.2)
    section.header_distance = Cm(1.0)
    section.footer_distance = Cm(1.25)

    footer = section.footer
    footer.is_linked_to_previous = False
    paragraph = footer.paragraphs[0]
    paragraph.style = doc.styles["Normal"]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fmt = paragraph.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    paragraph.add_run("Page ")
    field(paragraph, "PAGE", "1")
    paragraph.add_run(" / ")
    field(paragraph, "NUMPAGES", "1")
    for run in paragraph._p.iter(qn("w:r")):
        rpr = run.find(qn("w:rPr"))
        if rpr is None:
            rpr = OxmlElement("w:rPr")
            run.insert(0, rpr)
        size = OxmlElement("w:sz")
        size.set(qn("w:val"), "17")
        rpr.append(size)
        colour = OxmlElement("w:color")
        colour.set(qn("w:val"), "595959")
        rpr.insert(0, colour)


# --------------------------------------------------------------------------
# reproducible archive


def reproducible_zip(data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as target:
        for name in sorted(source.namelist()):
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            data = source.read(name)
            if name == "word/fontTable.xml":
                data = with_font_entry(data)
            target.writestr(info, data)
    return out.getvalue()


def build(pandoc: str) -> bytes:
    doc = Document(io.BytesIO(pandoc_default_reference(pandoc)))
    restyle(doc)
    setup_page(doc)
    buffer = io.BytesIO()
    doc.save(buffer)
    return reproducible_zip(buffer.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pandoc", help="pandoc binary (default: $PANDOC, PATH, pypandoc)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="file to write")
    args = parser.parse_args(argv)
    data = build(find_pandoc(args.pandoc))
    args.output.write_bytes(data)
    print(f"wrote {args.output} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
