"""A Word file a lawyer can work in (issue 20, items 9 to 11), read back from the built DOCX as Word
reads it: the signature block cannot split and leaves room to sign, body text is not justified
(Word justifies without hyphenating), columns fit their content, the font is the PDF's, a lead-in
stays with its list or table, and the parties block is never hyphenated."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from pypdf import PdfReader

from clausier.docx_layout import column_widths
from conftest import make_repo

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TEXT_WIDTH = 9072  # twips between the margins of reference.docx's A4 page

SPECIAL = """
Le Prestataire fournit au Client les éléments suivants :

- un guide d'administration du site
- deux sessions de formation

Les tarifs suivants s'appliquent aux prestations complémentaires :

| Prestation complémentaire | Tarif |
|:--------------------------|------:|
| Journée de formation supplémentaire sur site | 900,00 € |
| Heure de support | 95,00 € |

Le Client désigne un interlocuteur unique.
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    from clausier.build import build

    repo = make_repo(tmp_path_factory.mktemp("word") / "repo")
    agreement = repo / "agreements/acme-fr.md"
    agreement.write_text(agreement.read_text().replace("Le Prestataire assure une formation d'une demi-journée.\n",
                                                       SPECIAL.lstrip()), encoding="utf-8")
    assert build(repo, formats=["docx", "pdf"]).ok
    return repo / "build/acme-fr"


@pytest.fixture(scope="module")
def document(built):
    return docx.Document(str(built / "acme-fr.docx"))


def body_blocks(document):
    return [e for e in document.element.body if e.tag in (W + "p", W + "tbl")]


def text(element) -> str:
    return "".join(t.text or "" for t in element.iter(W + "t"))


def region(document, name: str) -> list:
    """The blocks pandoc wrote inside the div `name` (a bookmark in Word)."""
    blocks, inside = [], None
    for element in document.element.body:
        if element.tag == W + "bookmarkStart" and element.get(W + "name") == name:
            inside = element.get(W + "id")
        elif element.tag == W + "bookmarkEnd" and element.get(W + "id") == inside:
            return blocks
        elif inside is not None and element.tag in (W + "p", W + "tbl"):
            blocks.append(element)
    raise AssertionError(f"no div {name} in the DOCX")


def on(element, path: str) -> bool:
    found = element.find(path.replace("w:", W))
    return found is not None and found.get(W + "val", "1") not in ("0", "false")


def grid(table) -> list[int]:
    return [int(c.get(W + "w")) for c in table.iter(W + "gridCol")]


def test_the_signature_block_cannot_split_and_leaves_room_to_sign(document):
    blocks = region(document, "signatures")
    paragraph, table = blocks[0], blocks[-1]
    assert text(paragraph).startswith("Fait à Lyon")
    assert on(paragraph, "w:pPr/w:keepNext") and on(paragraph, "w:pPr/w:keepLines")
    rows = table.findall(W + "tr")
    assert len(rows) == 5
    for number, row in enumerate(rows):
        assert on(row, "w:trPr/w:cantSplit"), f"row {number} may split"
        for cell_paragraph in row.iter(W + "p"):
            # Every row holds on to the next, so Word moves the whole block to the next page.
            assert on(cell_paragraph, "w:pPr/w:keepNext") == (number < len(rows) - 1)
    last = rows[-1].find(f"{W}tc/{W}p/{W}pPr/{W}spacing")
    assert int(last.get(W + "after")) >= 1701  # 3 cm to sign in
    assert grid(table) == [TEXT_WIDTH // 2, TEXT_WIDTH // 2]  # two equal columns across the page
    assert table.find(f"{W}tblPr/{W}tblStyle").get(W + "val") == "SignatureTable"
    styles = document.styles.element
    assert styles.find(f"{W}style[@{W}styleId='SignatureTable']") is not None  # from reference.docx


def test_body_text_is_left_aligned(document):
    assert document.styles["Body Text"].paragraph_format.alignment == WD_ALIGN_PARAGRAPH.LEFT
    justified = [p.text[:40] for p in document.paragraphs
                 if p.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
                 or p.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY]
    assert justified == []


def test_a_lead_in_stays_with_its_list_or_table(document):
    blocks = body_blocks(document)
    lead_ins = [b for b in blocks if b.tag == W + "p" and text(b).rstrip().endswith(":")]
    assert {text(b)[:19] for b in lead_ins} >= {"Le Prestataire four", "Les tarifs suivants"}
    for block in lead_ins:
        following = blocks[blocks.index(block) + 1]
        assert following.tag == W + "tbl" or following.find(f"{W}pPr/{W}numPr") is not None
        assert on(block, "w:pPr/w:keepNext"), text(block)
    ordinary = next(b for b in blocks if text(b).startswith("Le Client désigne"))
    assert not on(ordinary, "w:pPr/w:keepNext")


def test_headings_stay_with_their_text(document):
    for name in ("Heading 1", "Heading 2", "Heading 3"):
        assert document.styles[name].paragraph_format.keep_with_next


def test_table_columns_fit_their_content(document):
    tables = [t for t in document.element.body.iter(W + "tbl") if "Tarif" in text(t)]
    assert len(tables) == 1
    widths = grid(tables[0])
    assert sum(widths) == TEXT_WIDTH
    # The price column is as wide as "900,00 €" needs (about 2 cm), the text column has the rest.
    assert 900 <= widths[1] <= 1600 < widths[0]
    assert all(on(row, "w:trPr/w:cantSplit") for row in tables[0].iter(W + "tr"))  # rows do not split
    schedule = next(t for t in document.element.body.iter(W + "tbl") if "Échéance" in text(t))
    share, amount = grid(schedule)[1:]
    assert share < 2000 and amount < 2200 < grid(schedule)[0]


def test_column_widths_share_the_page():
    assert column_widths([2000, 1000, 1200], [800, 900, 1200], 9000) == [6800, 1000, 1200]
    # Too wide for the page: each column keeps its longest word, the rest is shared.
    squeezed = column_widths([9000, 6000, 1500], [1500, 1000, 1500], 9000)
    assert sum(squeezed) == 9000 and all(w >= m for w, m in zip(squeezed, [1500, 1000, 1500]))


def test_the_docx_names_the_font_the_pdf_embeds(built, document):
    families = set()
    for page in PdfReader(built / "acme-fr.pdf").pages:
        for font in page["/Resources"]["/Font"].values():
            name = str(font.get_object()["/BaseFont"]).lstrip("/")
            families.add(re.sub(r"^[A-Z]{6}\+", "", name).split("-")[0])
    body = families - {"NewCMMath", "DejaVuSansMono"}
    assert body == {"LibertinusSerif"}
    defaults = document.styles.element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}rFonts")
    assert defaults.get(W + "ascii").replace(" ", "") == "LibertinusSerif"
    for name in ("Normal", "Heading 1", "Title"):
        assert document.styles[name].font.name == "Libertinus Serif"
    with zipfile.ZipFile(built / "acme-fr.docx") as archive:
        fonts = archive.read("word/fontTable.xml").decode()
    # Where Libertinus is not installed, Word is told it is a roman face, and what to use instead.
    entry = re.search(r'<w:font w:name="Libertinus Serif">(.*?)</w:font>', fonts).group(1)
    assert 'w:altName w:val="Cambria"' in entry and 'w:family w:val="roman"' in entry


def test_the_parties_block_is_never_hyphenated(document):
    paragraphs = [b for b in region(document, "parties") if b.tag == W + "p"]
    assert any("Atelier Lumière SARL" in text(p) for p in paragraphs)
    for paragraph in paragraphs:
        assert on(paragraph, "w:pPr/w:suppressAutoHyphens"), text(paragraph)[:40]
    after = next(b for b in body_blocks(document) if text(b).startswith("Le présent contrat"))
    assert not on(after, "w:pPr/w:suppressAutoHyphens")


def test_the_text_starts_below_the_running_header(document):
    """The header (draft mark, then logo, brand and reference over a rule: two lines, about 1.6 cm)
    must end above the top margin, or Word and LibreOffice set the first line against its rule."""
    margins = document.element.body.find(f"{W}sectPr/{W}pgMar")
    room = int(margins.get(W + "top")) - int(margins.get(W + "header"))
    assert room >= 907 + 227  # twips: 1.6 cm of header and 0.4 cm of air (1 cm = 567 twips)
