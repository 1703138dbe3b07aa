"""Document parts: a cover page of key terms before the preamble, annexes after the signatures,
each starting a page in every format, titled in the template's style and reachable by ref();
mistakes in a template's parts are reported at its line."""

from __future__ import annotations

import hashlib
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from clausier.build import build
from clausier.lint import run_checks

PARTS = """terms:
  ip_model:
    type: enum
    choices: [assigned, licensed]
    default: licensed
    label: {fr: Régime des droits, en: IP model}
  warranty_months:
    type: int
    default: 18
    label: {fr: Garantie (mois), en: Warranty (months)}
cover:
  title: {fr: Conditions essentielles, en: Key terms}
  terms: [ip_model, warranty_months]
annexes:
  style: {word: {en: Schedule, fr: Annexe}, numbering: "A"}
  parts:
    - id: sow
      title: {en: Statement of Work, fr: Cahier des charges}
      clauses: [non-solicitation]
    - id: pricing
      title: {en: Pricing, fr: Prix}
      from_agreement: pricing
"""
PRICING = """annexes:
  pricing: |
    The rates of {{ ref("sow") }} follow Clause {{ ref("fees") }}; see also {{ ref("non-solicitation") }}.
"""


def _line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().split("\n"), start=1) if needle in line)


@pytest.fixture
def parts_repo(repo: Path) -> Path:
    """The mini library: its template with a cover and two annexes (the optional non-solicitation
    clause moves into the first), and an English agreement giving the second annex's text."""
    template = repo / "templates/mini.md.j2"
    text = template.read_text().replace("  - {id: non-solicitation, optional: true}\n", "")
    template.write_text(text.replace("closing: [signatures]\n", "closing: [signatures]\n" + PARTS))
    agreement = (repo / "agreements/acme-fr.md").read_text().replace("language: fr\n", "language: en\n" + PRICING)
    (repo / "agreements/acme-fr.md").unlink()
    (repo / "agreements/acme-en.md").write_text(agreement.replace(
        "Le Prestataire assure une formation d'une demi-journée.", "The Provider gives a half-day training."))
    return repo


def _words(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def test_cover_and_annexes_start_their_pages_in_every_format(parts_repo):
    assert [f for f in run_checks(parts_repo) if f.level == "error"] == []
    report = build(parts_repo, formats=["pdf", "docx", "html", "md"])
    assert report.ok, [str(e) for r in report.failed for e in r.errors]
    out = parts_repo / "build/acme-en"

    pages = [_words(page.extract_text()) for page in PdfReader(out / "acme-en.pdf").pages]
    # The cover: the title and the key terms, alone on the first page.
    assert "Key terms" in pages[0] and "IP model licensed" in pages[0] and "Warranty (months) 18" in pages[0]
    assert "Provider Clair Obscur Studio" in pages[0] and "Client Atelier Lumière SARL" in pages[0]
    assert "Between" not in pages[0] and "Clause 1" not in pages[0]
    assert "Clause 1 — Purpose" in pages[1]  # the preamble and the body from the next page on
    # Each annex starts a page, under its heading in the template's style; its clause numbered in it.
    (sow,) = [n for n, page in enumerate(pages) if "Schedule A — Statement of Work" in page]
    (pricing,) = [n for n, page in enumerate(pages) if "Schedule B — Pricing" in page]
    assert sow > [n for n, page in enumerate(pages) if "Signatures" in page][0] and pricing == sow + 1
    for n, heading in ((sow, "Schedule A — Statement of Work"), (pricing, "Schedule B — Pricing")):
        assert pages[n].split(heading)[0].endswith("v1 ")  # only the running header above it
    assert pages[sow].index("Schedule A — Statement of Work") < pages[sow].index("Clause A.1 — Non-solicitation")
    assert "Clause 1" not in pages[sow]
    # ref() to an annex prints its name; to a clause in an annex, its number there.
    assert "The rates of Schedule A follow Clause 2; see also A.1." in pages[pricing]

    document = docx.Document(out / "acme-en.docx")
    breaks = [p.text for p in document.paragraphs if p.paragraph_format.page_break_before]
    assert breaks[0] != "Key terms" and breaks[1:] == ["Schedule A — Statement of Work", "Schedule B — Pricing"]
    first = [p.text for p in document.paragraphs].index(breaks[0])
    assert "Key terms" in [p.text for p in document.paragraphs][:first]
    assert any("IP model" in cell.text for table in document.tables for row in table.rows for cell in row.cells)

    html = _words((out / "acme-en.html").read_text(encoding="utf-8"))
    assert '<div id="cover">' in html and '<h1 id="part-sow">Schedule A — Statement of Work</h1>' in html
    assert '<a href="#part-sow">Schedule A</a>' in html and "#cover { break-after: page;" in html
    assert '#annexes h1[id^="part-"] { break-before: page;' in html  # printed, each annex starts a page
    markdown = (out / "acme-en.md").read_text(encoding="utf-8")
    assert markdown.index("::: {#cover}") < markdown.index("::: {#parties}") < markdown.index("::: {#annexes}")


def test_both_routes_give_the_same_bytes(parts_repo, tmp_path):
    formats = ["pdf", "docx", "html", "md"]
    fast = build(parts_repo, formats=formats, out=tmp_path / "fast", simple=False)
    simple = build(parts_repo, formats=formats, out=tmp_path / "simple", simple=True)
    assert fast.ok and simple.ok

    def digests(folder: Path) -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (folder / "acme-en").iterdir()}

    assert len(digests(tmp_path / "fast")) == 4 and digests(tmp_path / "fast") == digests(tmp_path / "simple")


@pytest.mark.parametrize("old, new, occurrence, message", [
    ("terms: [ip_model, warranty_months]", "terms: [ip_model, warranty]", 1,
     "the cover shows key term 'warranty', which this template does not declare"),
    ("clauses: [non-solicitation]", "clauses: [non-solicitaton]", 1,
     "annex 'sow': unknown clause 'non-solicitaton'; valid clauses:"),
    ("clauses: [non-solicitation]", "clauses: [liability]", 1,
     "annex 'sow': clause 'liability' is already placed in this template"),
    ("- id: pricing", "- id: sow", 2, "annex id 'sow' is used twice"),
])
def test_a_mistake_in_the_parts_is_reported_at_the_template_line(parts_repo, old, new, occurrence, message):
    template = parts_repo / "templates/mini.md.j2"
    template.write_text(template.read_text().replace(old, new))
    line = [n for n, text in enumerate(template.read_text().split("\n"), start=1) if new in text][occurrence - 1]
    findings = [f for f in run_checks(parts_repo) if f.path == "templates/mini.md.j2" and f.level == "error"]
    assert [(f.line, message in f.message) for f in findings] == [(line, True)], [str(f) for f in findings]


def test_a_reference_to_a_missing_part_is_reported_at_its_line(parts_repo):
    clause = parts_repo / "clauses/purpose/en.md"
    clause.write_text(clause.read_text() + 'The prices are in {{ ref("prices") }}.\n')
    report = build(parts_repo, formats=["md"])
    (error,) = [str(e) for r in report.failed for e in r.errors]
    line = _line_of(clause, "ref(\"prices\")")
    assert error.startswith(f"clauses/purpose/en.md:{line}:"), error
    assert "its annexes: sow, pricing" in error


def test_an_annex_text_the_agreement_must_give(parts_repo):
    path = parts_repo / "agreements/acme-en.md"
    path.write_text(path.read_text().replace("  pricing: |", "  price: |"))
    findings = [f for f in run_checks(parts_repo, [path]) if f.level == "error" and f.path == "agreements/acme-en.md"]
    messages = [(f.line, f.message) for f in findings]
    assert (_line_of(path, "price: |"), "template 'mini' takes no annex text 'price' from the agreement; the texts "
            "it takes: pricing") in messages
    assert any("set annexes.pricing" in m for _, m in messages)


def test_refs_names_annexes_by_their_own_word(parts_repo):
    """refs("sow", "pricing") reads "Schedules A and B"-like, never "Clauses Schedule A and …"; a list
    mixing clauses and annexes is refused at its line."""
    clause = parts_repo / "clauses/purpose/en.md"
    original = clause.read_text()
    clause.write_text(original + 'The prices are in {{ refs("sow", "pricing") }}.\n')
    assert build(parts_repo, formats=["md"]).ok
    text = (parts_repo / "build/acme-en/acme-en.md").read_text()
    assert "The prices are in [Schedule\u00a0A](#part-sow) and [Schedule\u00a0B](#part-pricing)." in text, text[-800:]
    clause.write_text(original + 'See {{ refs("fees", "sow") }}.\n')
    report = build(parts_repo, formats=["md"])
    (error,) = [str(e) for r in report.failed for e in r.errors]
    assert error.startswith(f"clauses/purpose/en.md:{_line_of(clause, 'refs(')}:"), error
    assert "refs() lists clauses or annexes, not both" in error
