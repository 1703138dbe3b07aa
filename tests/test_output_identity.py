"""Outputs that say what they are (issue 20, items 7 and 8): a draft is marked on every PDF page,
in the DOCX header and in an HTML banner, a signed agreement nowhere; every format names its
agreement (brand, logo, reference, version, title; the PDF's metadata title has the client); values
from content stay text in every format; both routes give the same bytes."""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pytest
from pypdf import PdfReader

from clausier.build import build
from clausier.pipeline import render_outputs
from clausier.render import RENDERERS, RenderSettings
from clausier.repository import load_agreement, load_repository

from conftest import make_repo

FORMATS = ["pdf", "docx", "html", "md"]
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
HOSTILE = '</dc:title><script>alert(1)</script> #panic("boom") *x* & "co" <w:t>'


def pdf_pages(data: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


def docx_part(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name)


def docx_header_text(data: bytes) -> str:
    """The text of every header part the document's sections use, as Word shows it."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        document = archive.read("word/document.xml").decode()
        rels = archive.read("word/_rels/document.xml.rels").decode()
        ids = re.findall(r'<w:headerReference\b[^>]*r:id="([^"]+)"', document)
        assert ids, "no header in the document's sections"
        texts = []
        for rid in ids:
            target = re.search(rf'<Relationship\b[^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels) or \
                re.search(rf'<Relationship\b[^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels)
            root = ElementTree.fromstring(archive.read("word/" + target.group(1)))
            texts.append("\n".join("".join(t.text or "" for t in p.iter(W + "t")) for p in root.iter(W + "p")))
        return "\n".join(texts)


class _Text(HTMLParser):
    """Text inside elements with a given class (and the document's whole text)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.by_class: dict[str, str] = {}
        self.images: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs.get("src", ""))
            return
        self.stack.append(attrs.get("class") or attrs.get("id") or "")

    def handle_endtag(self, tag):
        if tag != "img" and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        for name in set(self.stack):
            if name:
                self.by_class[name] = self.by_class.get(name, "") + data


def html_parts(data: bytes) -> _Text:
    parser = _Text()
    parser.feed(data.decode("utf-8"))
    return parser


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The mini repository's French draft, and an English copy in review, built by `build` (the
    batch route) to every format."""
    repo = make_repo(tmp_path_factory.mktemp("identity") / "repo")
    text = (repo / "agreements/acme-fr.md").read_text()
    (repo / "agreements/acme-en.md").write_text(
        text.replace("language: fr", "language: en").replace("status: draft", "status: review")
        .replace("Atelier Lumière SARL", "Harbour Light Ltd"), encoding="utf-8")
    report = build(repo, formats=FORMATS, out=repo / "build", jobs=1)
    assert report.ok, [r.errors for r in report.failed]
    return repo


def output(repo: Path, name: str, fmt: str) -> bytes:
    return (repo / f"build/{name}/{name}.{fmt}").read_bytes()


@pytest.mark.parametrize("name, word", [("acme-fr", "PROJET"), ("acme-en", "DRAFT")])
def test_a_draft_is_marked_on_every_page_and_in_every_format(built, name, word):
    pages = pdf_pages(output(built, name, "pdf"))
    assert len(pages) > 1 and all(word in page for page in pages)
    assert word in docx_header_text(output(built, name, "docx")).split()
    banner = html_parts(output(built, name, "html")).by_class.get("clausier-draft", "")
    assert word in banner
    # The one-by-one route gives the same bytes as the batch converter `build` used.
    library = load_repository(built)
    single = render_outputs(library, load_agreement(library, built / f"agreements/{name}.md"), FORMATS)[1]
    assert single == {fmt: output(built, name, fmt) for fmt in FORMATS}


def _settings(root: Path, **changes) -> RenderSettings:
    values = dict(root=root, reference="2026-099", version="3", brand="Forge", primary="#1f3a5f", accent="#b5651d",
                  language="fr", date="2026-12-03", timestamp=1764720000, title="Contrat de prestation de services",
                  lang_tag="fr-FR", status="signed", client="Atelier Lumière SARL")
    values.update(changes)
    return RenderSettings(**values)


def _render(settings: RenderSettings, formats=("pdf", "docx", "html")) -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "doc.md"
        source.write_text("# Article 1 — Objet\n\n" + "Le texte du contrat.\n\n" * 120, encoding="utf-8")
        return {fmt: RENDERERS[fmt](source, settings, "doc.md") for fmt in formats}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_signed_agreement_carries_no_draft_mark(repo, language):
    outputs = _render(_settings(repo, language=language, lang_tag={"fr": "fr-FR", "en": "en-GB"}[language]))
    pages = pdf_pages(outputs["pdf"])
    assert len(pages) > 1 and not any("PROJET" in p or "DRAFT" in p for p in pages)
    header = docx_header_text(outputs["docx"])
    assert "Forge" in header and "PROJET" not in header and "DRAFT" not in header
    parts = html_parts(outputs["html"])
    assert "clausier-draft" not in parts.by_class and "Forge" in parts.by_class["clausier-brand"]


def test_every_format_names_its_agreement(built):
    reader = PdfReader(io.BytesIO(output(built, "acme-fr", "pdf")))
    assert reader.metadata.title == "Contrat de prestation de services — Atelier Lumière SARL"
    assert PdfReader(io.BytesIO(output(built, "acme-en", "pdf"))).metadata.title == "Services Agreement — Harbour Light Ltd"

    brand = load_repository(built).config.branding.name
    docx = output(built, "acme-fr", "docx")
    header = docx_header_text(docx)
    assert brand in header and "Réf. acme-fr · v1" in header
    assert b'w:val="Title"' in docx_part(docx, "word/document.xml")  # the title block
    # The logo in the header: a PNG drawn from the SVG, and the header's link to it.
    assert docx_part(docx, "word/media/clausier-logo.png").startswith(b"\x89PNG")
    assert b"media/clausier-logo.png" in docx_part(docx, "word/_rels/header-clausier.xml.rels")
    assert b'r:embed="rIdClausierLogo"' in docx_part(docx, "word/header-clausier.xml")

    html = output(built, "acme-en", "html")
    parts = html_parts(html)
    assert parts.by_class["clausier-brand"] == brand
    assert parts.by_class["clausier-reference"] == "Ref. acme-en · v1"
    assert parts.by_class["title"] == "Services Agreement"  # pandoc's title block
    # The logo: a background from a data: URI (the policy allows images from data: only), no <img>.
    assert "clausier-logo" in html.decode() and not parts.images
    assert re.search(rb'\.clausier-logo \{ width: [0-9.]+em; background-image: url\("data:image/svg\+xml;base64,', html)
    policy = re.search(rb'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1).decode()
    assert "img-src data:;" in policy and "default-src 'none'" in policy and "script" not in policy


def test_values_from_content_stay_text_in_every_format(repo):
    settings = _settings(repo, status="draft", client=HOSTILE, brand=HOSTILE, reference='<i>R</i> & #eval("1")')
    outputs = _render(settings)

    reader = PdfReader(io.BytesIO(outputs["pdf"]))
    assert reader.metadata.title == "Contrat de prestation de services — " + HOSTILE
    pages = pdf_pages(outputs["pdf"])
    assert all("PROJET" in page for page in pages)
    assert '#panic("boom")' in pages[1] and 'Réf. <i>R</i> & #eval("1")' in pages[1]  # the running header

    docx = outputs["docx"]
    header = docx_header_text(docx)  # parses: nothing closed the header's XML
    assert HOSTILE in header and 'Réf. <i>R</i> & #eval("1") · v3' in header and "PROJET" in header
    core = ElementTree.fromstring(docx_part(docx, "docProps/core.xml"))
    assert core.findtext("{http://purl.org/dc/elements/1.1/}creator") == HOSTILE

    html = outputs["html"]
    parts = html_parts(html)
    assert "script" not in parts.tags and "i" not in parts.tags and "w:t" not in parts.tags
    assert parts.by_class["clausier-brand"] == HOSTILE
    assert parts.by_class["clausier-reference"] == 'Réf. <i>R</i> & #eval("1") · v3'
