"""A cover that reads like the original (Common Paper's Mutual NDA): a "how to use this agreement"
clause above the table, no "Term | Value" row, no second heading repeating the document's title,
and enum key terms whose choices carry a label per language, printed on the cover and by clauses
while agreements and `{% if %}` use the keys. Mistakes at their line."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from clausier.assemble import open_session
from clausier.build import build
from clausier.lint import run_checks
from clausier.repository import load_agreement, load_repository
from clausier.skeleton import skeleton

TERMS = """terms:
  ip_model:
    type: enum
    choices:
      assigned: {fr: Cédés au Client, en: Assigned to the Client}
      licensed: {fr: Concédés sous licence, en: Licensed to the Client}
    default: licensed
    label: {fr: Régime des droits, en: IP model}
  support:
    type: enum
    choices: {basic: {fr: Support standard, en: Standard support}, extended: {fr: Support étendu, en: Extended support}}
    default: basic
    label: {fr: Niveau de support, en: Support level}
"""
COVER = """cover:
  title: {fr: Contrat de prestation de services, en: Services Agreement}
  before: [cover-intro]
  clause_titles: [cover-intro]
  header: false
  parties: false
  rows: [effective_date, ip_model, support]
  tick_boxes: [ip_model]
  clauses: [cover-note]
"""
CLAUSES = {
    "cover-intro": {
        "fr": ("Mode d'emploi", "Ce contrat se compose de la présente page et des conditions qui suivent.\n"),
        "en": ("How to use this agreement", "This agreement consists of this page and the terms that follow.\n"),
    },
    "cover-note": {  # the label, the key, and a test on the key
        "fr": ("Note", "Régime retenu : {{ terms.ip_model.label }} (clé {{ terms.ip_model }})"
                       "{% if terms.ip_model == \"assigned\" %}, sans licence{% endif %}.\n"),
        "en": ("Note", "Chosen: {{ terms.ip_model.label }} (key {{ terms.ip_model }})"
                       "{% if terms.ip_model == \"assigned\" %}, no licence{% endif %}.\n"),
    },
}
GUIDANCE = "guidance:\n  when: Always.\n  negotiation: None.\n  risks: None.\n"


def _write_clause(repo: Path, clause_id: str, texts: dict) -> None:
    (repo / f"clauses/{clause_id}").mkdir()
    (repo / f"clauses/{clause_id}/clause.yml").write_text("category: general\nversion: 1.0.0\n")
    for language, (title, body) in texts.items():
        (repo / f"clauses/{clause_id}/{language}.md").write_text(
            f"---\ntitle: {title}\nsummary: {title}.\n{GUIDANCE}---\n{body}")


@pytest.fixture
def nda_repo(repo: Path) -> Path:
    """The mini library with a cover like the NDA's; the French agreement assigns the rights and
    takes the extended support, an English copy keeps the defaults."""
    template = repo / "templates/mini.md.j2"
    template.write_text(template.read_text().replace("closing: [signatures]\n", "closing: [signatures]\n" + TERMS
                                                     + COVER))
    for clause_id, texts in CLAUSES.items():
        _write_clause(repo, clause_id, texts)
    path = repo / "agreements/acme-fr.md"
    french = path.read_text()
    (repo / "agreements/acme-en.md").write_text(french.replace("language: fr\n", "language: en\n").replace(
        "Le Prestataire assure une formation d'une demi-journée.", "The Provider gives a half-day training."))
    path.write_text(french.replace("signature:", "terms: {ip_model: assigned, support: extended}\nsignature:"))
    return repo


def _words(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def _line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().split("\n"), start=1) if needle in line)


def test_a_cover_that_reads_like_the_original(nda_repo):
    assert [str(f) for f in run_checks(nda_repo) if f.level == "error"] == []
    report = build(nda_repo, formats=["pdf", "docx", "html"])
    assert report.ok, [str(e) for r in report.failed for e in r.errors]
    cases = {
        "acme-fr": ("Contrat de prestation de services", "Mode d’emploi Ce contrat se compose de la présente page "
                    "et des conditions qui suivent.", "Date d’effet 1er décembre 2026 Régime des droits ■ Cédés au "
                    "Client □ Concédés sous licence Niveau de support Support étendu",
                    "Régime retenu : Cédés au Client (clé assigned), sans licence.", ("Terme", "Valeur")),
        "acme-en": ("Services Agreement", "How to use this agreement This agreement consists of this page and the "
                    "terms that follow.", "Effective Date 1 December 2026 IP model □ Assigned to the Client ■ "
                    "Licensed to the Client Support level Standard support",
                    "Chosen: Licensed to the Client (key licensed).", ("Term", "Value")),
    }
    for name, (title, intro, rows, note, header) in cases.items():
        out = nda_repo / "build" / name
        pages = [_words(page.extract_text()) for page in PdfReader(out / f"{name}.pdf").pages]
        # The clause above the table, the rows by their labels, the clause below: one page, then the
        # preamble's. The title once (the title block's), no "Term | Value" row.
        assert intro in pages[0] and rows in pages[0] and note in pages[0], pages[0]
        assert pages[0].index(intro) < pages[0].index(rows) < pages[0].index(note)
        assert pages[0].count(title) == 1 and not set(header) & set(pages[0].split()), pages[0]
        assert "Clair Obscur Studio, " not in pages[0] and "Clair Obscur Studio, " in pages[1]  # the preamble

        html = (out / f"{name}.html").read_text(encoding="utf-8")
        cover = html[html.index('<div id="cover">'):html.index('<div id="parties">')]
        assert "<thead>" not in cover and "<th" not in cover, cover
        assert cover.index(intro.split()[-1]) < cover.index("<table") < cover.index(note.split()[0]), cover
        headings = re.findall(r"<h\d[^>]*>(.*?)</h\d>", html)
        assert headings.count(title) == 1, headings  # the title block's

        document = docx.Document(out / f"{name}.docx")
        table = document.tables[0]
        first = [cell.text for cell in table.rows[0].cells]
        assert first[0] in ("Date d’effet", "Effective Date") and not set(header) & set(first), first
        assert [p.text for p in document.paragraphs if p.text.startswith(intro.split(" ")[0])], intro
        body = document.element.body
        intro_at = next(n for n, e in enumerate(body) if intro.split()[-1] in "".join(e.itertext()))
        table_at = next(n for n, e in enumerate(body) if e.tag.endswith("}tbl"))
        assert intro_at < table_at
        breaks = [p.text for p in document.paragraphs if p._p.xpath("./w:pPr/w:pageBreakBefore")]
        assert breaks and breaks[0].startswith(("Entre", "Between")), breaks  # the preamble's page


def test_both_routes_give_the_same_bytes(nda_repo, tmp_path):
    formats = ["pdf", "docx", "html", "md"]
    assert build(nda_repo, formats=formats, out=tmp_path / "fast", simple=False).ok
    assert build(nda_repo, formats=formats, out=tmp_path / "simple", simple=True).ok

    def digests(folder: Path) -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("acme-*/*")}

    assert len(digests(tmp_path / "fast")) == 8 and digests(tmp_path / "fast") == digests(tmp_path / "simple")


def test_a_heading_off_still_names_the_cover(nda_repo):
    template = nda_repo / "templates/mini.md.j2"
    template.write_text(template.read_text().replace(
        "  title: {fr: Contrat de prestation de services, en: Services Agreement}\n",
        "  title: {fr: Page de garde, en: Cover Page}\n  heading: false\n"))
    note = nda_repo / "clauses/cover-note/en.md"
    note.write_text(note.read_text() + "By signing this {{ ref(\"cover\") }}, the parties agree.\n")
    assert build(nda_repo, formats=["md"]).ok
    text = (nda_repo / "build/acme-en/acme-en.md").read_text()
    assert "Cover Page" not in text.split("::: {#cover}")[0]  # no heading above the cover
    assert "By signing this [Cover Page](#cover), the parties agree." in text


def test_a_heading_unlike_the_documents_title_is_printed(nda_repo):
    template = nda_repo / "templates/mini.md.j2"
    template.write_text(template.read_text().replace(
        "  title: {fr: Contrat de prestation de services, en: Services Agreement}\n",
        "  title: {fr: Page de garde, en: Cover Page}\n"))
    assert build(nda_repo, formats=["md"]).ok
    assert "\n# Cover Page\n\n::: {#cover}\n" in (nda_repo / "build/acme-en/acme-en.md").read_text()


def test_labels_in_the_handbooks_highlighted_text(nda_repo):
    """The handbook marks key terms' values: the label stays readable there too."""
    loaded = load_repository(nda_repo)
    agreement = load_agreement(loaded, nda_repo / "agreements/acme-en.md")
    text = open_session(loaded, agreement, highlight=True).clause("cover-note")
    assert "Chosen: ==Licensed to the Client== (key ==licensed==)." in text, text


@pytest.mark.parametrize("old, new, where, message", [
    ("assigned: {fr: Cédés au Client, en: Assigned to the Client}", "assigned: {en: Assigned to the Client}",
     "assigned: {en:", "no 'fr' text: give one per language (fr, en)"),
    ("assigned: {fr: Cédés au Client, en: Assigned to the Client}", "assigned: Assigned to the Client",
     "assigned: Assigned", "Input should be a valid dictionary"),
    ("assigned: {fr: Cédés au Client, en: Assigned to the Client}", "assigned:", "    type: enum",
     "choice 'assigned' has no label: give every choice its label, or none"),
    ("before: [cover-intro]", "before: [cover-intro, cover-intra]", "before:", "cover: unknown clause 'cover-intra'"),
    ("before: [cover-intro]", "before: [cover-intro, purpose]", "before:",
     "cover: clause 'purpose' is already placed in this template"),
    ("clause_titles: [cover-intro]", "clause_titles: [purpose]", "clause_titles:",
     "cover: a title for 'purpose', which is not one of the cover's clauses (cover-intro, cover-note)"),
])
def test_a_mistake_in_the_template_is_reported_at_its_line(nda_repo, old, new, where, message):
    template = nda_repo / "templates/mini.md.j2"
    template.write_text(template.read_text().replace(old, new))
    findings = [f for f in run_checks(nda_repo) if f.path == "templates/mini.md.j2" and f.level == "error"]
    assert [(f.line, message in f.message) for f in findings] == [(_line_of(template, where), True)], \
        [str(f) for f in findings]


@pytest.mark.parametrize("value, expected", [
    ("owned", "term 'ip_model': expected one of assigned (Cédés au Client), licensed (Concédés sous licence), "
              "got 'owned'"),
    ("Cédés au Client", "got 'Cédés au Client' (that is the label of 'assigned': write its key)"),
])
def test_an_agreement_value_that_is_not_a_key(nda_repo, value, expected):
    path = nda_repo / "agreements/acme-fr.md"
    path.write_text(path.read_text().replace("ip_model: assigned", f"ip_model: {value}"))
    findings = [f for f in run_checks(nda_repo, [path]) if f.level == "error" and f.path == "agreements/acme-fr.md"]
    assert [(f.line, expected in f.message) for f in findings] == [(_line_of(path, "ip_model:"), True)], \
        [str(f) for f in findings]


def test_clausier_new_writes_each_key_with_its_label(nda_repo):
    loaded = load_repository(nda_repo)
    lines = skeleton(loaded, "mini", "en", "2026-new", dt.date(2026, 12, 7)).split("\n")
    at = next(n for n, line in enumerate(lines) if line.startswith("  ip_model:"))
    assert lines[at] == '  ip_model: "licensed"    # IP model: assigned, licensed', lines[at]
    assert lines[at + 1:at + 3] == ["  #   assigned — Assigned to the Client", "  #   licensed — Licensed to the Client"]
