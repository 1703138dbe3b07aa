"""Word files written the way Word writes them, for the import tests: python-docx's own package,
with paragraphs given as WordprocessingML (automatic multi-level numbering through w:numPr,
content controls, highlighted runs, real footnotes in word/footnotes.xml).

    doc = WordDoc()
    doc.numbering("outline", ["%1.", "%1.%2.", "(%3)"], ["decimal", "decimal", "lowerLetter"])
    doc.para(run("Services. ", bold=True), run("The Consultant…"), num=("outline", 0))
    doc.para(run("Made between "), control("Customer Name"), run(" and us."))
    doc.save(path)
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = f'xmlns:w="{W}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
FOOTNOTES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"


def run(text: str, bold: bool = False, highlight: str | None = None) -> str:
    props = ("<w:b/>" if bold else "") + (f'<w:highlight w:val="{highlight}"/>' if highlight else "")
    return (f"<w:r>{f'<w:rPr>{props}</w:rPr>' if props else ''}"
            f'<w:t xml:space="preserve">{escape(text)}</w:t></w:r>')


def control(alias: str | None = None, tag: str | None = None, placeholder: str = "Click or tap here to enter text.",
            value: str | None = None) -> str:
    """An inline content control: showing its placeholder text, or filled with `value`."""
    props = (f'<w:alias w:val="{escape(alias)}"/>' if alias else "") + (f'<w:tag w:val="{escape(tag)}"/>' if tag else "")
    props += "" if value is not None else "<w:showingPlcHdr/>"
    return f"<w:sdt><w:sdtPr>{props}<w:text/></w:sdtPr><w:sdtContent>{run(value or placeholder)}</w:sdtContent></w:sdt>"


class WordDoc:
    def __init__(self) -> None:
        self.document = Document()
        self.body = self.document.element.body
        self.body.remove(self.body[0]) if len(self.body) and self.body[0].tag.endswith("}p") else None
        self.nums: dict[str, int] = {}
        self.notes: list[str] = []

    def numbering(self, name: str, texts: list[str], formats: list[str], indent: int = 360) -> None:
        """A multi-level list (abstractNum + num): level i prints texts[i] in formats[i]."""
        numbering = self.document.part.numbering_part.element
        ident = 100 + len(self.nums)
        levels = "".join(
            f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/>'
            f'<w:lvlJc w:val="left"/><w:pPr><w:ind w:left="{indent * (i + 1)}" w:hanging="{indent}"/></w:pPr></w:lvl>'
            for i, (text, fmt) in enumerate(zip(texts, formats)))
        abstract = parse_xml(f'<w:abstractNum {NS} w:abstractNumId="{ident}"><w:multiLevelType w:val="multilevel"/>'
                             f"{levels}</w:abstractNum>")
        first_num = next((i for i, el in enumerate(numbering) if el.tag == f"{{{W}}}num"), len(numbering))
        numbering.insert(first_num, abstract)
        numbering.append(parse_xml(f'<w:num {NS} w:numId="{ident}"><w:abstractNumId w:val="{ident}"/></w:num>'))
        self.nums[name] = ident

    def para(self, *runs: str, num: tuple[str, int] | None = None, style: str | None = None) -> None:
        props = f'<w:pStyle w:val="{style}"/>' if style else ""
        if num:
            props += f'<w:numPr><w:ilvl w:val="{num[1]}"/><w:numId w:val="{self.nums[num[0]]}"/></w:numPr>'
        self.body.insert(len(self.body) - 1, parse_xml(f"<w:p {NS}>{f'<w:pPr>{props}</w:pPr>' if props else ''}"
                                                       f"{''.join(runs)}</w:p>"))

    def block_control(self, alias: str, text: str = "Click or tap here to enter text.") -> None:
        """A content control around a whole paragraph, showing its placeholder."""
        self.body.insert(len(self.body) - 1, parse_xml(
            f'<w:sdt {NS}><w:sdtPr><w:alias w:val="{escape(alias)}"/><w:showingPlcHdr/></w:sdtPr>'
            f"<w:sdtContent><w:p>{run(text)}</w:p></w:sdtContent></w:sdt>"))

    def footnote(self, text: str) -> str:
        """A footnote reference run; the note goes in word/footnotes.xml."""
        self.notes.append(text)
        return (f'<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
                f'<w:footnoteReference w:id="{len(self.notes)}"/></w:r>')

    def table(self, rows: list[list]) -> None:
        """A table; a cell is its text, or a list of paragraphs, each its text or its runs' XML
        (from run(), control())."""
        def paragraph(text: str) -> str:
            return f"<w:p>{text if text.startswith('<w:') else run(text)}</w:p>"

        cells = "".join("<w:tr>" + "".join(
            "<w:tc>" + "".join(paragraph(p) for p in ([cell] if isinstance(cell, str) else cell or [""])) + "</w:tc>"
            for cell in row) + "</w:tr>" for row in rows)
        self.body.insert(len(self.body) - 1, parse_xml(f"<w:tbl {NS}><w:tblPr/>{cells}</w:tbl>"))

    def save(self, path: Path) -> Path:
        if self.notes:
            separators = ('<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
                          '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/>'
                          "</w:r></w:p></w:footnote>")
            notes = "".join(f'<w:footnote w:id="{i}"><w:p>{run(text)}</w:p></w:footnote>'
                            for i, text in enumerate(self.notes, start=1))
            xml = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes {NS}>{separators}{notes}</w:footnotes>'
            part = Part(PackURI("/word/footnotes.xml"), FOOTNOTES_TYPE, xml.encode("utf-8"), self.document.part.package)
            self.document.part.relate_to(part, RT.FOOTNOTES)
        self.document.save(str(path))
        return Path(path)
