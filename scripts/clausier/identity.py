"""What every output says about itself: which agreement it is, and whether it is only a draft.

An agreement in `draft` or `review` carries a mark ("PROJET", "DRAFT") on every PDF page (the
style reads it from its settings file), in the DOCX running header and in an HTML banner; a
signed one carries none. The DOCX and HTML also carry the brand, the reference and the version
as the PDF's running header does. Every value here comes from content or configuration: it
reaches XML and HTML escaped, and Typst only as data (render.typst_inputs).
"""

from __future__ import annotations

import html
import re

DRAFT_STATUSES = ("draft", "review")
DRAFT_WORDS = {"fr": "PROJET", "en": "DRAFT"}
DRAFT_NOTES = {"fr": "document non signé", "en": "unsigned document"}
REF_WORDS = {"fr": "Réf.", "en": "Ref."}
_HEX = re.compile(r"#?([0-9a-fA-F]{6})")
# Characters XML 1.0 cannot hold at all (escaping does not help): dropped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def draft_mark(status: str, language: str) -> str:
    """"PROJET" / "DRAFT" for an agreement not yet signed, "" for a signed one (or no status)."""
    if status not in DRAFT_STATUSES:
        return ""
    return DRAFT_WORDS.get(language, DRAFT_WORDS["en"])


def document_title(title: str, client: str) -> str:
    """The agreement's name in metadata: its contract type and its client."""
    title, client = title.strip(), client.strip()
    return f"{title} — {client}" if title and client else title or client


def reference_line(reference: str, version: str, language: str, sep: str = " · ", vword: str = "v") -> str:
    """"Réf. 2026-014 · v2", as the PDF's running header writes it."""
    parts = []
    if reference:
        parts.append(f"{REF_WORDS.get(language, REF_WORDS['en'])} {reference}")
    if version:
        parts.append(f"{vword}{version}")
    return sep.join(parts)


def _xml(text: str) -> str:
    return html.escape(_NOT_XML.sub("", text), quote=True)


# ------------------------------------------------------------------------------------------- HTML


_DATA_URI = re.compile(r"data:image/(png|jpeg|svg\+xml);base64,[A-Za-z0-9+/]+=*")


def html_banner(brand: str, reference: str, version: str, status: str, language: str,
                logo_uri: str = "", logo_ratio: float = 1.0) -> str:
    """The banner put before the HTML's title block: the draft mark (if any), the logo, the
    brand and the reference line, every value escaped. The logo is a background of its own
    style rule (a `data:` URI, checked here to be nothing else), not an <img>: the page holds
    no element that loads anything; `logo_ratio` is its width over its height."""
    pieces = ['<header class="clausier-identity">']
    if logo_uri and _DATA_URI.fullmatch(logo_uri):
        width = max(0.5, min(round(2.4 * logo_ratio, 2), 12.0))
        pieces.append(f'<style>.clausier-logo {{ width: {width}em; background-image: url("{logo_uri}"); }}</style>')
    else:
        logo_uri = ""
    mark = draft_mark(status, language)
    if mark:
        note = DRAFT_NOTES.get(language, DRAFT_NOTES["en"])
        pieces.append(f'<p class="clausier-draft" role="note"><strong>{_xml(mark)}</strong> — {_xml(note)}</p>')
    pieces.append('<div class="clausier-masthead">')
    if logo_uri:
        pieces.append('<span class="clausier-logo"></span>')
    if brand:
        pieces.append(f'<span class="clausier-brand">{_xml(brand)}</span>')
    line = reference_line(reference, version, language)
    if line:
        pieces.append(f'<span class="clausier-reference">{_xml(line)}</span>')
    pieces.append("</div>")
    pieces.append("</header>")
    return "\n".join(pieces)


# ------------------------------------------------------------------------------------------- DOCX

HEADER_PART = "word/header-clausier.xml"
HEADER_ID = "rIdClausierHeader"
HEADER_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/header"
HEADER_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TEXT_WIDTH = 9072  # twips between the reference document's margins (A4, 2.5 cm each side)
LOGO_PART = "word/media/clausier-logo.png"
LOGO_ID = "rIdClausierLogo"
LOGO_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
LOGO_HEIGHT = 288000  # EMU: 0.8 cm
_WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_PIC = "http://schemas.openxmlformats.org/drawingml/2006/picture"


def _run(text: str, props: str) -> str:
    return f'<w:r><w:rPr>{props}</w:rPr><w:t xml:space="preserve">{_xml(text)}</w:t></w:r>'


def _logo_run(width: int, height: int) -> str:
    """The logo (LOGO_PART, `width` × `height` pixels) inline, 0.8 cm high."""
    cx, cy = max(1, LOGO_HEIGHT * width // max(height, 1)), LOGO_HEIGHT
    return (f'<w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="114300"><wp:extent cx="{cx}" cy="{cy}"/>'
            '<wp:docPr id="9001" name="Logo"/><a:graphic><a:graphicData uri="' + _PIC + '"><pic:pic>'
            '<pic:nvPicPr><pic:cNvPr id="0" name="logo.png"/><pic:cNvPicPr/></pic:nvPicPr>'
            f'<pic:blipFill><a:blip r:embed="{LOGO_ID}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>'
            f'<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
            '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic>'
            '</wp:inline></w:drawing></w:r>')


def docx_header(brand: str, reference: str, version: str, status: str, language: str, primary: str,
                logo: tuple[int, int] | None = None) -> bytes:
    """The running header part: the draft mark (centred, on every page), then the logo (its
    size in pixels, if any) and the brand on the left and the reference line on the right, over
    a rule in the primary colour."""
    colour = (_HEX.fullmatch(primary.strip()) or _HEX.fullmatch("#1f3a5f")).group(1).upper()
    small = '<w:color w:val="464646"/><w:sz w:val="17"/><w:szCs w:val="17"/>'
    paragraphs = []
    mark = draft_mark(status, language)
    if mark:
        note = DRAFT_NOTES.get(language, DRAFT_NOTES["en"])
        paragraphs.append(
            '<w:p><w:pPr><w:spacing w:before="0" w:after="60"/><w:jc w:val="center"/></w:pPr>'
            + _run(mark, '<w:b/><w:color w:val="B3261E"/><w:spacing w:val="40"/><w:sz w:val="20"/>')
            + _run(f" — {note}", '<w:color w:val="B3261E"/><w:sz w:val="17"/>') + "</w:p>")
    line = reference_line(reference, version, language)
    if brand or line or logo:
        paragraphs.append(
            f'<w:p><w:pPr><w:pBdr><w:bottom w:val="single" w:sz="4" w:space="1" w:color="{colour}"/></w:pBdr>'
            f'<w:tabs><w:tab w:val="right" w:pos="{TEXT_WIDTH}"/></w:tabs><w:spacing w:before="0" w:after="0"/></w:pPr>'
            + (_logo_run(*logo) if logo else "")
            + (_run(brand, "<w:smallCaps/>" + small) if brand else "")
            + (f"<w:r><w:rPr>{small}</w:rPr><w:tab/></w:r>" + _run(line, small) if line else "") + "</w:p>")
    if not paragraphs:
        paragraphs.append("<w:p/>")
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:hdr xmlns:w="{_W}" xmlns:r="{_R}" '
            f'xmlns:wp="{_WP}" xmlns:a="{_A}" xmlns:pic="{_PIC}">'
            + "".join(paragraphs) + "</w:hdr>").encode("utf-8")


_SECT_OPEN = re.compile(rb"<w:sectPr\b[^>]*?(?<!/)>")
_HEADER_REFERENCE = re.compile(rb"<w:headerReference\b[^>]*/>")


def with_header(parts: dict[str, bytes], header: bytes, logo_png: bytes | None = None) -> dict[str, bytes]:
    """The DOCX parts with `header` as every section's default header (any header reference of
    the document's own replaced), and the header's logo (a PNG) if any. Only the parts named
    here change; every other byte is kept."""
    out = dict(parts)
    out[HEADER_PART] = header
    if logo_png is not None:
        out[LOGO_PART] = logo_png
        out[HEADER_PART.replace("word/", "word/_rels/") + ".rels"] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.'
            f'openxmlformats.org/package/2006/relationships"><Relationship Id="{LOGO_ID}" Type="{LOGO_TYPE}" '
            f'Target="media/{LOGO_PART.rsplit("/", 1)[1]}" /></Relationships>').encode()
    rels = "word/_rels/document.xml.rels"
    relation = (f'<Relationship Id="{HEADER_ID}" Type="{HEADER_TYPE}" '
                f'Target="{HEADER_PART.split("/", 1)[1]}" />').encode()
    if HEADER_ID.encode() not in out[rels]:
        out[rels] = out[rels].replace(b"</Relationships>", relation + b"</Relationships>", 1)
    types = "[Content_Types].xml"
    override = f'<Override PartName="/{HEADER_PART}" ContentType="{HEADER_CONTENT_TYPE}" />'.encode()
    if override not in out[types]:
        out[types] = out[types].replace(b"</Types>", override + b"</Types>", 1)
    png = b'<Default Extension="png" ContentType="image/png" />'
    if logo_png is not None and b'Extension="png"' not in out[types]:
        out[types] = out[types].replace(b"<Override ", png + b"<Override ", 1)
    reference = f'<w:headerReference r:id="{HEADER_ID}" w:type="default" />'.encode()
    document = _HEADER_REFERENCE.sub(b"", out["word/document.xml"])
    # headerReference comes first in a sectPr (the schema's order).
    out["word/document.xml"] = _SECT_OPEN.sub(lambda m: m.group(0) + reference, document)
    return out
