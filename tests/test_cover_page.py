"""A cover page like a real one (Common Paper's Mutual NDA): agreement facts among the key terms,
enum terms as tick-boxes, a library clause printed under the table, ref("cover") reaching it in
every output, and key terms' help where a person sets them. Mistakes at their line."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
import zipfile
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from clausier.build import build
from clausier.lint import run_checks
from clausier.repository import load_repository
from clausier.skeleton import skeleton

COVER = """terms:
  ip_model:
    type: enum
    choices: [assigned, licensed]
    default: licensed
    label: {fr: Régime des droits, en: IP model}
    help: {fr: Qui détient les livrables une fois payés., en: Who owns the deliverables once paid.}
  warranty_months: {type: int, default: 18, label: {fr: Garantie (mois), en: Warranty (months)}}
cover:
  title: {fr: Page de garde, en: Cover Page}
  rows: [effective_date, ip_model, term, warranty_months]
  tick_boxes: [ip_model]
  clauses: [cover-note]
  clause_titles: true
"""
NOTE = {  # the cover's own clause: its text, languages and terms like any clause's
    "fr": ("Signature de la page de garde", "En signant cette {{ ref(\"cover\") }}, chaque partie accepte le contrat "
           "; garantie de {{ terms.warranty_months }} mois.\n"),
    "en": ("Signing the Cover Page", "By signing this {{ ref(\"cover\") }}, each party accepts the agreement; "
           "a warranty of {{ terms.warranty_months }} months.\n"),
}
GUIDANCE = "guidance:\n  when: Always.\n  negotiation: None.\n  risks: None.\n"


@pytest.fixture
def cover_repo(repo: Path) -> Path:
    """The mini library with a cover showing facts, a tick-box term and a clause; the body's
    purpose clause refers to the cover; the agreement in French and a copy in English."""
    template = repo / "templates/mini.md.j2"
    template.write_text(template.read_text().replace("closing: [signatures]\n", "closing: [signatures]\n" + COVER))
    (repo / "clauses/cover-note").mkdir()
    (repo / "clauses/cover-note/clause.yml").write_text("category: general\nversion: 1.0.0\n")
    for language, (title, body) in NOTE.items():
        (repo / f"clauses/cover-note/{language}.md").write_text(f"---\ntitle: {title}\nsummary: {title}.\n{GUIDANCE}"
                                                                 f"---\n{body}")
    for language, sentence in (("fr", "Les conditions figurent en {{ ref(\"cover\") }}.\n"),
                               ("en", "The key terms are on the {{ ref(\"cover\") }}.\n")):
        purpose = repo / f"clauses/purpose/{language}.md"
        purpose.write_text(purpose.read_text() + "\n" + sentence)
    french = (repo / "agreements/acme-fr.md").read_text()
    (repo / "agreements/acme-en.md").write_text(french.replace("language: fr\n", "language: en\n").replace(
        "term: {end: 2027-05-31}", "term: {duration: 6 months}").replace(
        "Le Prestataire assure une formation d'une demi-journée.", "The Provider gives a half-day training."))
    return repo


def _words(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def _line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    return [n for n, line in enumerate(path.read_text().split("\n"), start=1) if needle in line][occurrence - 1]


def test_the_cover_in_pdf_word_and_html(cover_repo):
    assert [str(f) for f in run_checks(cover_repo) if f.level == "error"] == []
    report = build(cover_repo, formats=["pdf", "docx", "html", "md"])
    assert report.ok, [str(e) for r in report.failed for e in r.errors]

    for name, rows, note, body_ref in (
        ("acme-fr", "Date d’effet 1er décembre 2026 Régime des droits □ assigned ■ licensed Durée jusqu’au "
         "31 mai 2027 Garantie (mois) 18", "Signature de la page de garde En signant cette Page de garde, chaque partie "
         "accepte le contrat ; garantie de 18 mois.", "Les conditions figurent en Page de garde."),
        ("acme-en", "Effective Date 1 December 2026 IP model □ assigned ■ licensed Duration 6 months Warranty "
         "(months) 18", "Signing the Cover Page By signing this Cover Page, each party accepts the agreement; a "
         "warranty of 18 months.", "The key terms are on the Cover Page."),
    ):
        out = cover_repo / "build" / name
        reader = PdfReader(out / f"{name}.pdf")
        pages = [_words(page.extract_text()) for page in reader.pages]
        # The facts among the key terms in the template's order, the tick-boxes, then the cover's clause
        # under its title: all on the first page, before the preamble's page.
        assert rows in pages[0] and note in pages[0], pages[0]
        assert pages[0].index(rows) < pages[0].index(note)
        assert body_ref in " ".join(pages[1:])
        # Every glyph from the style's font (no fallback font for the boxes).
        fonts = {str(f.get_object()["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()}
        assert fonts and all("LibertinusSerif" in f for f in fonts), fonts
        # Both references are links to the cover, on the first page.
        first = reader.pages[0].indirect_reference
        targets = [annot.get_object()["/Dest"][0] for page in reader.pages for annot in page.get("/Annots") or []
                   if annot.get_object().get("/Dest") is not None]
        assert sum(1 for target in targets if target == first) >= 2, targets

    html = (cover_repo / "build/acme-en/acme-en.html").read_text(encoding="utf-8")
    cover = html[html.index('<div id="cover">'):html.index('<div id="parties">')]
    assert "IP model</td>" in cover and "□ assigned<br />\n■ licensed</td>" in cover
    assert re.search(r"<h2[^>]*>Signing the Cover Page</h2>", cover), cover
    assert 'By signing this <a href="#cover">Cover Page</a>' in html
    assert 'on the <a href="#cover">Cover Page</a>' in _words(html)

    document = docx.Document(cover_repo / "build/acme-en/acme-en.docx")
    cells = {row.cells[0].text: row.cells[1].text for table in document.tables[:1] for row in table.rows}
    assert cells["IP model"] == "□ assigned\n■ licensed" and cells["Effective Date"] == "1 December 2026"
    assert cells["Duration"] == "6 months"
    xml = zipfile.ZipFile(cover_repo / "build/acme-en/acme-en.docx").read("word/document.xml").decode()
    assert re.search(r'<w:bookmarkStart w:id="\d+" w:name="cover"', xml)
    assert len(re.findall(r'<w:hyperlink w:anchor="cover"', xml)) == 2


def test_both_routes_give_the_same_bytes(cover_repo, tmp_path):
    formats = ["pdf", "docx", "html", "md"]
    assert build(cover_repo, formats=formats, out=tmp_path / "fast", simple=False).ok
    assert build(cover_repo, formats=formats, out=tmp_path / "simple", simple=True).ok

    def digests(folder: Path) -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("acme-*/*")}

    assert len(digests(tmp_path / "fast")) == 8 and digests(tmp_path / "fast") == digests(tmp_path / "simple")


@pytest.mark.parametrize("old, new, message", [
    ("rows: [effective_date, ip_model, term, warranty_months]", "rows: [effective_date, ip_model, duration]",
     "the cover shows 'duration', which is neither a key term of this template nor an agreement field; valid "
     "rows: ip_model, warranty_months, effective_date, term"),
    ("tick_boxes: [ip_model]", "tick_boxes: [warranty_months]", "tick-boxes for 'warranty_months', which has no "
     "choices: only an enum key term"),
    ("rows: [effective_date, ip_model, term, warranty_months]", "rows: [effective_date, term]",
     "tick-boxes for 'ip_model', which is not on the cover"),
    ("clauses: [cover-note]", "clauses: [cover-nite]", "cover: unknown clause 'cover-nite'; valid clauses:"),
    ("clauses: [cover-note]", "clauses: [liability]", "cover: clause 'liability' is already placed in this template"),
])
def test_a_mistake_in_the_cover_is_reported_at_its_line(cover_repo, old, new, message):
    template = cover_repo / "templates/mini.md.j2"
    text = template.read_text()
    template.write_text(text.replace(old, new))
    where = "tick_boxes:" if "tick-boxes" in message else new
    findings = [f for f in run_checks(cover_repo) if f.path == "templates/mini.md.j2" and f.level == "error"]
    assert [(f.line, message in f.message) for f in findings] == [(_line_of(template, where), True)], \
        [str(f) for f in findings]


def test_rows_and_terms_together_are_refused(cover_repo):
    template = cover_repo / "templates/mini.md.j2"
    template.write_text(template.read_text().replace("  tick_boxes:", "  terms: [ip_model]\n  tick_boxes:"))
    findings = [f for f in run_checks(cover_repo) if f.path == "templates/mini.md.j2" and f.level == "error"]
    line = _line_of(template, "title: {fr: Page de garde")  # the cover's first line
    assert any("give the cover's `rows:`" in f.message and f.line == line for f in findings), [str(f) for f in findings]


def test_a_cover_showing_the_term_needs_its_length(cover_repo):
    path = cover_repo / "agreements/acme-fr.md"
    path.write_text(path.read_text().replace("term: {end: 2027-05-31}", "term: {start: 2026-12-01}"))
    findings = [f for f in run_checks(cover_repo, [path]) if f.level == "error" and f.path == "agreements/acme-fr.md"]
    assert [(f.line, "shows its term: set term.duration (e.g. 1 year) or term.end" in f.message)
            for f in findings] == [(_line_of(path, "term:"), True)], [str(f) for f in findings]


def test_ref_cover_without_a_cover_is_an_unknown_target(repo):
    purpose = repo / "clauses/purpose/fr.md"
    purpose.write_text(purpose.read_text() + "\nVoir la {{ ref(\"cover\") }}.\n")
    report = build(repo, formats=["md"])
    (error,) = [str(e) for r in report.failed for e in r.errors]
    line = _line_of(purpose, 'ref("cover")')
    assert error.startswith(f"clauses/purpose/fr.md:{line}:"), error
    assert "ref('cover'): clause 'cover' does not exist" in error
    lint = [f for f in run_checks(repo) if f.rule == "cross-reference" and f.path == "clauses/purpose/fr.md"]
    assert any("ref('cover') names no clause of the library" in f.message for f in lint), [str(f) for f in lint]


def test_a_key_terms_help_where_a_person_sets_it(cover_repo):
    loaded = load_repository(cover_repo)
    text = skeleton(loaded, "mini", "fr", "2026-new", dt.date(2026, 12, 7))
    lines = text.split("\n")
    at = next(n for n, line in enumerate(lines) if line.startswith("  ip_model:"))
    assert lines[at - 1] == "  # Qui détient les livrables une fois payés.", lines[at - 2:at + 1]
    assert "Who owns" not in text

    path = cover_repo / "agreements/acme-en.md"
    path.write_text(path.read_text().replace("signature:", "terms: {ip_model: rented}\nsignature:"))
    findings = [f for f in run_checks(cover_repo, [path]) if f.level == "error" and f.path == "agreements/acme-en.md"]
    assert [(f.line, "term 'ip_model'" in f.message and f.message.endswith("— Who owns the deliverables once paid."))
            for f in findings] == [(_line_of(path, "ip_model: rented"), True)], [str(f) for f in findings]


def test_a_clause_named_cover_beside_a_cover_is_refused(cover_repo):
    shutil.copytree(cover_repo / "clauses/cover-note", cover_repo / "clauses/cover")
    template = cover_repo / "templates/mini.md.j2"
    template.write_text(template.read_text().replace("closing: [signatures]", "closing: [signatures, cover]"))
    findings = [f for f in run_checks(cover_repo) if f.path == "templates/mini.md.j2" and f.level == "error"]
    assert [(f.line, "places a clause named 'cover': ref('cover') would not know" in f.message) for f in findings] \
        == [(_line_of(template, "title: {fr: Page de garde"), True)], [str(f) for f in findings]
