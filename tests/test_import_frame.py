"""`clausier import` of a contract laid out like a standard's Word version: a cover page of key
terms (label cells with a help line, a row spread over two table rows, blanks inside a value), a
signature table on the cover, a heading between the cover and the sections, run-in section
titles. Imported into a two-language library, it checks and builds; nothing of it is dropped
without a line in the report."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from clausier.cli import main
from clausier.init import init_repository
from word_docs import WordDoc, control, run

runner = CliRunner()


def _exchange_doc(path: Path) -> Path:
    doc = WordDoc()
    doc.numbering("terms", ["%1.", "(%2)"], ["decimal", "lowerLetter"])
    doc.para(run("Exchange of Information Agreement"), style="Title")
    doc.para(run("Key Terms"), style="Heading1")
    doc.para(run("This agreement is made of these Key Terms and the General Terms below."))
    doc.table([
        [[run("Purpose", bold=True), "What the shared information may serve"], "Assessing a joint project."],
        [[run("Effective Date", bold=True)], control("Effective Date", placeholder="Pick a date")],
        [[run("Duration", bold=True)], run("Ends ") + run("2 years", highlight="yellow") + run(" after the Effective Date.")],
        [[run("Law & Courts", bold=True)], run("Law: ") + control("Law", placeholder="Name a state")],
        ["", run("Courts: ") + control("Courts", placeholder="Name a city")],
    ])
    doc.para(run("By signing below, each party accepts this agreement."))
    doc.table([["", "FIRST PARTY", "SECOND PARTY"], ["Signature", "", ""], ["Print Name", "", ""],
               ["Title", "", ""], ["Date", "", ""]])
    doc.para(run("General Terms"), style="Heading1")
    doc.para(run("Scope.", bold=True), run(" Each party may share information for the Purpose only."),
             num=("terms", 0))
    doc.para(run("Care.", bold=True), run(" Each party protects what it receives as it protects its own."),
             num=("terms", 0))
    doc.para(run("Law.", bold=True), run(" The Law governs this agreement and the Courts hear any dispute."),
             num=("terms", 0))
    return doc.save(path)


def _import(root: Path, source: Path, template_id: str, *extra: str) -> str:
    result = runner.invoke(main, ["--root", str(root), "import", str(source), "--as", template_id, *extra])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def exchange(tmp_path_factory):
    """The document imported in English into a French and English library."""
    tmp = tmp_path_factory.mktemp("exchange")
    root = tmp / "contracts"
    init_repository(root, ("fr", "en"))
    output = _import(root, _exchange_doc(tmp / "exchange.docx"), "exchange", "--language", "en")
    return root, output, (root / "templates" / "exchange.md.j2").read_text(encoding="utf-8")


def _built(root: Path) -> str:
    """The example agreement built to Markdown (once)."""
    path = root / "build" / "exchange-example" / "exchange-example.md"
    if not path.exists():
        built = runner.invoke(main, ["--root", str(root), "build", "--to", "md", str(root / "agreements" /
                                                                                  "exchange-example.md")])
        assert built.exit_code == 0, built.output
    return path.read_text(encoding="utf-8")


def _section(output: str, name: str) -> str:
    return output.split(f"## {name}\n", 1)[1].split("\n## ", 1)[0]


def test_a_bilingual_library_checks_and_builds_an_import_in_one_language(exchange):
    root, _, template = exchange
    assert "languages: [en]" in template and '    label: {en: "Purpose"}' in template
    checked = runner.invoke(main, ["--root", str(root), "check"])
    assert checked.exit_code == 0, checked.output
    assert "internal error" not in checked.output and "0 error(s)" in checked.output
    built = runner.invoke(main, ["--root", str(root), "build", "--to", "md"])  # every agreement
    assert built.exit_code == 0, built.output
    assert "| Duration | Ends 2 years after the Effective Date. |" in _built(root)


def test_a_cover_row_with_an_empty_label_cell_is_a_row_not_lost(exchange):
    root, output, template = exchange
    assert "  rows: [purpose, effective_date, duration, law, courts]\n" in template
    example = (root / "agreements" / "exchange-example.md").read_text(encoding="utf-8")
    assert 'law: "[Law]"' in example and 'courts: "[Courts]"' in example
    assert ("paragraph 3: the cover row 'Law & Courts' spans 2 rows of the table (a label cell left empty): made 2 "
            "rows, each named by the words before its colon: Law / Courts") in _section(output, "Not mapped")


def test_a_label_cell_of_two_paragraphs_names_the_term_and_helps(exchange):
    _, _, template = exchange
    assert ('  purpose:\n    type: text\n    label: {en: "Purpose"}\n    help: {en: "What the shared information '
            'may serve. Written “Assessing a joint project.” in the source (paragraph 3)."}\n') in template


def test_a_blank_inside_a_cover_value_is_part_of_the_value(exchange):
    root, output, _ = exchange
    example = (root / "agreements" / "exchange-example.md").read_text(encoding="utf-8")
    assert 'duration: "Ends 2 years after the Effective Date."' in example
    assert ("paragraph 3: the blank(s) “[2 years]” inside the cover row “Duration” are part of its value, without "
            "brackets") in _section(output, "Key terms")


def test_run_in_section_titles_are_headings_reported_once(exchange):
    root, output, _ = exchange
    assert output.count("run-in titles printed as headings") == 1
    assert "paragraph 7: run-in titles printed as headings: 3 section(s)" in _section(output, "Not mapped")
    scope = (root / "clauses" / "scope" / "en.md").read_text(encoding="utf-8")
    assert 'title: "Scope"' in scope and scope.endswith("---\nEach party may share information for the Purpose only.\n")


def test_the_signature_table_becomes_the_librarys_signatures(exchange):
    root, output, template = exchange
    assert "closing: [signatures]\n" in template
    assert "Print Name" not in (root / "clauses" / "cover-text" / "en.md").read_text(encoding="utf-8")
    assert ("the signature table (paragraph 5, in the cover page) replaced by the library's `signatures` clause"
            in _section(output, "Parts"))
    assert not (root / "clauses" / "signatures" / "en.md").read_text(encoding="utf-8").startswith("# Imported")


def test_without_a_signatures_clause_the_table_is_the_closing(tmp_path):
    root = tmp_path / "contracts"
    init_repository(root, ("en",))
    shutil.rmtree(root / "clauses" / "signatures")
    output = _import(root, _exchange_doc(tmp_path / "exchange.docx"), "exchange")
    assert "closing: [signatures]\n" in (root / "templates" / "exchange.md.j2").read_text(encoding="utf-8")
    closing = (root / "clauses" / "signatures" / "en.md").read_text(encoding="utf-8")
    assert "| **Print Name** |  |  |" in closing or "| Print Name |  |  |" in closing
    assert "Print Name" not in (root / "clauses" / "cover-text" / "en.md").read_text(encoding="utf-8")
    assert "kept as the closing clause (the library has no `signatures` clause)" in output


def test_a_heading_between_the_cover_and_the_sections_is_the_templates_text(exchange):
    root, output, template = exchange
    assert "{% endfor %}\n# General Terms\n\n{% for article in articles %}" in template
    assert "preamble:" not in template.split("\n---\n")[0]  # no clause holding only a heading
    assert ("the heading “General Terms” (paragraph 6) is neither a section nor inside one: written as the "
            "template's own text") in _section(output, "Parts")
    text = _built(root)
    assert text.index("# General Terms") < text.index("Each party may share information")
