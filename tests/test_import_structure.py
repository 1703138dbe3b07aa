"""`clausier import`: what a Word, OpenDocument, Markdown or HTML contract becomes (fixtures in
tests/fixtures/import/, written by make_fixtures.py there), and that the example agreement it
writes builds with the numbers and references of the source."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from clausier.cli import main
from clausier.init import init_repository

FIXTURES = Path(__file__).parent / "fixtures" / "import"
runner = CliRunner()


def _repo(tmp_path: Path, languages=("en",)) -> Path:
    root = tmp_path / "contracts"
    init_repository(root, languages)
    return root


def _import(root: Path, name: str, template_id: str, *extra: str):
    result = runner.invoke(main, ["--root", str(root), "import", str(FIXTURES / name), "--as", template_id, *extra])
    assert result.exit_code == 0, result.output
    return result


def _built(root: Path, template_id: str) -> str:
    # Ids after "services": the library check renders every clause in the first template's style
    # (rendered_library.specimen_sessions), where the skeleton's signatures clause is no closing.
    result = runner.invoke(main, ["--root", str(root), "build", "--to", "md",
                                  str(root / "agreements" / f"{template_id}-example.md")])
    assert result.exit_code == 0, result.output
    return (root / "build" / f"{template_id}-example" / f"{template_id}-example.md").read_text(encoding="utf-8")


def _template(root: Path, template_id: str) -> str:
    return (root / "templates" / f"{template_id}.md.j2").read_text(encoding="utf-8")


def test_word_automatic_numbering_used_as_sections(tmp_path):
    """w:numPr multi-level list: "1. **Introduction**. …" are articles, 2.1/2.2 run-in
    sub-clauses, a./b. items; references become links, the Bankruptcy Code's stays text."""
    root = _repo(tmp_path)
    result = _import(root, "word-numbering.docx", "word-terms")
    template = _template(root, "word-terms")
    assert "heading: \"{n}. {title}\"" in template and "title: run-in" in template
    assert "  - introduction\n  - services\n  - word-terms-fees\n" in template  # fees: the skeleton's own
    services = (root / "clauses" / "services" / "en.md").read_text(encoding="utf-8")
    assert '## Scope {{ label("scope") }}' in services
    assert 'as set out in Section {{ ref("services.scope") }}' in services
    assert "Section 365(n) of the Bankruptcy Code" in result.output  # reported, left as written
    text = _built(root, "word-terms")
    assert "# 2. Services {#art-services}" in text
    assert "**2.1 Scope.**" in text
    assert "Sections\u00a0[1](#art-introduction) and [2.2(b)](#sub-services.para-2.b)" in text  # refs()
    assert "Section 365(n) of the Bankruptcy Code" in text


def test_manual_numbering_typed_as_text(tmp_path):
    """"1.\tDefinitions", "2.1.\t…", "(a)", "(i)" typed in plain paragraphs; a table whose cell
    holds two paragraphs; the title from Word's Title style."""
    root = _repo(tmp_path)
    _import(root, "manual-numbering.docx", "supply")
    template = _template(root, "supply")
    assert 'title: {en: "Supply Agreement"}' in template
    assert "  - definitions\n  - supply-2\n  - price\n" in template or "  - definitions\n  - supply\n" in template
    assert 'items: ["(a)", "(i)"]' in template
    text = _built(root, "supply")
    assert "**2.2**" in text and "(b) notify any defect" in text and "    (ii) be sent to the address" in text
    assert "as required by clause [2.2(b)(ii)](#sub-" in text
    assert "| Goods (delivered) | EUR 1,000 |" in text
    assert "<" not in text.replace("<http", "")  # never raw HTML


def test_french_markdown_with_article_headings(tmp_path):
    root = _repo(tmp_path, ("fr",))
    _import(root, "contract.md", "zz-maintenance", "--language", "fr")
    template = _template(root, "zz-maintenance")
    assert 'word: {fr: "Article"}' in template and 'heading: "{word} {n} — {title}"' in template
    assert 'refer: {fr: ["article", "articles"]}' in template
    prestations = (root / "clauses" / "prestations" / "fr.md").read_text(encoding="utf-8")
    assert 'aux {{ refs("objet", "duree") }}' in prestations  # « articles 1 et 3 » written by refs()
    assert "preamble: [preamble]" in template
    assert "Entre les soussignés" in (root / "clauses" / "preamble" / "fr.md").read_text(encoding="utf-8")
    text = _built(root, "zz-maintenance")
    assert "# Article 2 — Prestations" in text
    assert "hors les cas prévus aux articles\u00a0[1](#art-objet) et [3](#art-duree)" in text
    assert "l'article 1231-3 du Code civil" in text.replace("’", "'")


def test_html_with_run_in_sub_clauses_and_a_table(tmp_path):
    root = _repo(tmp_path)
    _import(root, "contract.html", "web-terms")
    template = _template(root, "web-terms")
    assert 'word: {en: "Section"}' in template and "title: run-in" in template
    text = _built(root, "web-terms")
    assert "alert" not in text  # the page's script is not text of the contract
    assert "**2.2 Updates.**" in text and "Updates follow Section [2.1](#sub-" in text
    assert "| Urgent (outage) | 4 hours |" in text


@pytest.mark.skipif(not (FIXTURES / "headings.odt").exists(), reason="LibreOffice was missing when fixtures were made")
def test_opendocument(tmp_path):
    root = _repo(tmp_path, ("fr",))
    _import(root, "headings.odt", "zz-odt", "--language", "fr")
    assert "# Article 3 — Durée" in _built(root, "zz-odt")


def test_clause_ids_clash_categories_and_report(tmp_path):
    root = _repo(tmp_path)
    result = _import(root, "word-numbering.docx", "word-terms")
    meta = (root / "clauses" / "word-terms-fees" / "clause.yml").read_text(encoding="utf-8")
    assert "category: fees" in meta
    assert "category: scope" in (root / "clauses" / "introduction" / "clause.yml").read_text(encoding="utf-8")
    report = (root / "build" / "import" / "word-terms.md").read_text(encoding="utf-8")
    assert report in result.output
    assert "clause ids prefixed with `word-terms-`" in report and "fees" in report
    assert "paragraph 7: left as written" in report  # the Bankruptcy Code, with its place
    assert "## Not done by this version" in report


def test_a_library_in_more_languages_gets_stubs_to_translate(tmp_path):
    root = _repo(tmp_path, ("fr", "en"))
    _import(root, "word-numbering.docx", "word-terms", "--language", "en")
    stub = (root / "clauses" / "services" / "fr.md").read_text(encoding="utf-8")
    assert "À traduire" in stub and "Consultant" not in stub  # marked, no copied wording
    assert "translate: true" in stub  # no sub-clauses to keep in step: tests/test_import_translate.py
    checked = runner.invoke(main, ["--root", str(root), "check"])
    assert "0 error(s)" in checked.output and "different numbers of sub-clauses" not in checked.output
