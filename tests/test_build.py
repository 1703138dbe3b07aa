"""End to end: a small repository in tmp_path, built with real pandoc and Typst, read back."""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import stat
from pathlib import Path

import pytest

from clausier.build import build

from conftest import write
from pdftext import docx_text, pdf_text

NNBSP, NBSP = "\u202f", "\u00a0"
ALL = ["pdf", "docx", "html", "md"]


def _squeeze(text: str) -> str:
    """Compare text without layout: no whitespace of any kind, one kind of double quote."""
    for quote in "«»“”":
        text = text.replace(quote, '"')
    return "".join(text.split()).replace(NNBSP, "").replace(NBSP, "")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def built(repo):
    report = build(repo, formats=ALL)
    assert report.ok, [r.errors for r in report.results]
    return repo / "build" / "acme-fr"


def test_pdf_says_what_a_reader_checks(built):
    text = pdf_text(built / "acme-fr.pdf")
    assert "Contrat de prestation de services" in text
    assert "Atelier Lumière SARL" in text and "Clair Obscur Studio" in text
    assert f"12{NNBSP}000,00{NBSP}€" in text
    assert "douze mille euros" in text
    assert f"3{NNBSP}600,00{NBSP}€" in text
    # the cross-reference and the article it points to carry the same number
    assert "Article 5 — Résiliation" in text and "résiliables selon l’article 5" in text
    assert "Article 6 — Conditions particulières" in text and "formation d’une demi-journée" in text
    assert "1er décembre 2026" in text
    assert "Lu et approuvé" in text and "Claire Martin, Gérante" in text
    assert "Page 1 / 2" in text and "Réf. acme-fr" in text


def test_docx_and_html_say_the_same(built):
    page = re.sub(r"[ \t\n]+", " ", html.unescape((built / "acme-fr.html").read_text()))
    for text in (docx_text(built / "acme-fr.docx"), page):
        assert "Atelier Lumière SARL" in text
        assert f"12{NNBSP}000,00{NBSP}€" in text and "douze mille euros" in text
        assert "Article 5 — Résiliation" in text
        assert "Lu et approuvé" in text


def test_markdown_output_is_the_assembled_text(built):
    markdown = (built / "acme-fr.md").read_text()
    assert markdown.startswith('---\ntitle: "Contrat de prestation de services"\nlang: fr-FR\n---\n')
    assert "# Article 2 — Prix {#art-fees}" in markdown


def test_manifest_records_template_clauses_and_hashes(built):
    manifest = json.loads((built.parent / "manifest.json").read_text())
    entry = manifest["agreements"]["acme-fr"]
    assert entry["template"] == "mini" and entry["language"] == "fr" and entry["status"] == "draft"
    assert {"id": "fees", "version": "1.2.0", "variant": "standard", "number": 2} in entry["clauses"]
    for fmt in ALL:
        assert entry["outputs"][fmt]["sha256"] == _sha(built / f"acme-fr.{fmt}")
    assert set(manifest["tools"]) == {"clausier", "pandoc", "typst"}


def test_same_inputs_give_the_same_bytes(repo, tmp_path):
    first = build(repo, formats=ALL, out=tmp_path / "one")
    second = build(repo, formats=ALL, out=tmp_path / "two")
    assert first.ok and second.ok
    for fmt in ALL:
        assert _sha(tmp_path / "one/acme-fr" / f"acme-fr.{fmt}") == _sha(tmp_path / "two/acme-fr" / f"acme-fr.{fmt}")


def test_source_date_epoch_sets_the_pdf_date(repo, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert build(repo, formats=["pdf"], out=tmp_path / "a").ok
    from pypdf import PdfReader

    assert PdfReader(tmp_path / "a/acme-fr/acme-fr.pdf").metadata["/CreationDate"].startswith("D:20231114")


def test_the_docx_properties_carry_the_agreement_date_and_the_brand(built, repo, tmp_path, monkeypatch):
    """What Word shows under File > Info: created and modified on the effective date (not 1970),
    author the organisation, as the PDF's metadata say; SOURCE_DATE_EPOCH wins when set."""
    from docx import Document

    properties = Document(built / "acme-fr.docx").core_properties
    assert properties.created.date().isoformat() == "2026-12-01" == properties.modified.date().isoformat()
    assert properties.author == "Clair Obscur Studio" and properties.title == "Contrat de prestation de services"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert build(repo, formats=["docx"], out=tmp_path / "a").ok
    assert Document(tmp_path / "a/acme-fr/acme-fr.docx").core_properties.created.date().isoformat() == "2023-11-14"


def test_outputs_are_readable_by_others_as_with_any_file_written(built):
    """Atomic writes go through a private temporary file; the outputs must not stay private."""
    expected = 0o666 & ~_umask()
    for path in [*built.iterdir(), built.parent / "manifest.json"]:
        assert stat.S_IMODE(path.stat().st_mode) == expected, path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_bad_agreement_keeps_the_last_good_outputs_and_others_still_build(repo):
    write(repo, "agreements/zeta.md", (repo / "agreements/acme-fr.md").read_text())
    assert build(repo, formats=["pdf", "md"]).ok
    good = repo / "build/acme-fr/acme-fr.pdf"
    before = good.read_bytes()
    agreement = repo / "agreements/acme-fr.md"
    agreement.write_text(agreement.read_text().replace("amount: 12000", "amount: douze mille"))
    (repo / "build/zeta/zeta.pdf").unlink()
    report = build(repo, formats=["pdf", "md"])
    assert not report.ok
    (failed,) = report.failed
    assert failed.path == "agreements/acme-fr.md"
    assert any("acme-fr.md:" in e and "(fees.amount)" in e for e in failed.errors)
    assert good.read_bytes() == before
    assert (repo / "build/zeta/zeta.pdf").exists()
    leftovers = [p.name for p in (repo / "build").rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"]
    assert leftovers == []


def test_a_typst_failure_writes_nothing(repo):
    assert build(repo, formats=["pdf", "md"]).ok
    before = (repo / "build/acme-fr/acme-fr.md").read_bytes()
    style = repo / "templates/styles/style.typ"
    style.write_text(style.read_text() + "\n#let broken = (\n")
    agreement = repo / "agreements/acme-fr.md"
    agreement.write_text(agreement.read_text().replace("demi-journée", "journée entière"))
    report = build(repo, formats=["md", "pdf"])
    assert not report.ok and "Typst failed" in report.failed[0].errors[0]
    assert (repo / "build/acme-fr/acme-fr.md").read_bytes() == before


INJECTION = (
    "Evil **Corp** <b>bold</b> `#eval(\"1\")` $x$ #set page(fill: red) [link](http://x) ![i](/etc/passwd) "
    "{=typst} \\\\ <script>alert(1)</script> &amp; @cite"
)


def test_front_matter_values_come_out_as_plain_text_everywhere(repo):
    agreement = repo / "agreements/acme-fr.md"
    text = agreement.read_text().replace("name: Atelier Lumière SARL", f"name: {json.dumps(INJECTION)}")
    text = text.replace("{when: Mise en ligne, percent: 30}", '{when: "```{=typst}\\n#panic()\\n```", percent: 30}')
    agreement.write_text(text)
    report = build(repo, formats=ALL)
    assert report.ok, report.failed and report.failed[0].errors
    out = repo / "build/acme-fr"
    # Typst sets French quotes and spaces, so compare the characters, not the layout.
    pdf = _squeeze(pdf_text(out / "acme-fr.pdf"))
    assert _squeeze(INJECTION) in pdf
    assert _squeeze("```{=typst} #panic() ```") in pdf
    page = (out / "acme-fr.html").read_text()
    assert "<script>" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert _squeeze(html.unescape(page)).count(_squeeze(INJECTION)) >= 2
    assert _squeeze(INJECTION) in _squeeze(docx_text(out / "acme-fr.docx"))


def test_an_agreement_with_its_own_provider_is_headed_with_that_provider(repo):
    agreement = repo / "agreements/acme-fr.md"
    agreement.write_text(agreement.read_text().replace(
        "effective_date:", "provider:\n  name: Cuivres et Compagnie SARL\n  address: 3 rue du Port, 44000 Nantes\n"
        "effective_date:", 1))
    assert build(repo, formats=["pdf"]).ok
    text = pdf_text(repo / "build/acme-fr/acme-fr.pdf")
    assert text.startswith("Cuivres et Compagnie SARL") and "Clair Obscur Studio" not in text
