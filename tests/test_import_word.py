"""`clausier import` of what only Word has: automatic multi-level numbering (w:numPr, set on the
paragraph or through its style), content controls and highlighted runs (the fields of a Word
template, read as "[Label]"), real footnotes (kept through PDF, DOCX and HTML); and
`--category-map`. The Word files are written by tests/word_docs.py the way Word writes them."""

from __future__ import annotations

import hashlib
import subprocess
import zipfile
from pathlib import Path

import pypandoc
from click.testing import CliRunner
from docx.oxml import parse_xml

from clausier.cli import main
from clausier.init import init_repository
from word_docs import NS, WordDoc, control, run

runner = CliRunner()


def _repo(tmp_path: Path, languages=("en",)) -> Path:
    root = tmp_path / "contracts"
    init_repository(root, languages)
    return root


def _import(root: Path, source: Path, template_id: str, *extra: str, ok: bool = True):
    result = runner.invoke(main, ["--root", str(root), "import", str(source), "--as", template_id, *extra])
    assert (result.exit_code == 0) == ok, result.output
    return result


def _text(root: Path, clause_id: str, language: str = "en") -> str:
    return (root / "clauses" / clause_id / f"{language}.md").read_text(encoding="utf-8")


def _build(root: Path, template_id: str, formats: str = "md") -> Path:
    result = runner.invoke(main, ["--root", str(root), "build", "--to", formats,
                                  str(root / "agreements" / f"{template_id}-example.md")])
    assert result.exit_code == 0, result.output
    return root / "build" / f"{template_id}-example"


def _outline_by_style(tmp_path: Path) -> Path:
    """Sections, sub-clauses and items numbered by Word through three paragraph styles linked to
    one multi-level list ("Section 1." / "1.1" / "(a)"), as a law firm's template does."""
    doc = WordDoc()
    doc.numbering("outline", ["Section %1.", "%1.%2", "(%3)"], ["decimal", "decimal", "lowerLetter"])
    for level, name in enumerate(["ClauseL1", "ClauseL2", "ClauseL3"]):
        doc.document.styles.element.append(parse_xml(
            f'<w:style {NS} w:type="paragraph" w:styleId="{name}"><w:name w:val="{name}"/><w:pPr><w:numPr>'
            f'<w:ilvl w:val="{level}"/><w:numId w:val="{doc.nums["outline"]}"/></w:numPr></w:pPr></w:style>'))
    doc.para(run("Consulting Agreement"), style="Title")
    doc.para(run("Services. ", bold=True), run("The Consultant provides the services."), style="ClauseL1")
    doc.para(run("Scope. ", bold=True), run("The scope is set out in the order form."), style="ClauseL2")
    doc.para(run("Reports. ", bold=True), run("The Consultant shall:"), style="ClauseL2")
    doc.para(run("report monthly; and"), style="ClauseL3")
    doc.para(run("keep the records set out in Section 1.1."), style="ClauseL3")
    doc.para(run("Fees. ", bold=True), run("Fees are due as set out in Section 1.2(b)."), style="ClauseL1")
    doc.para(run("Invoices. ", bold=True), run("The Consultant invoices monthly."), style="ClauseL2")
    return doc.save(tmp_path / "outline.docx")


def test_word_outline_numbering_at_three_levels(tmp_path):
    root = _repo(tmp_path)
    result = _import(root, _outline_by_style(tmp_path), "consulting")
    template = (root / "templates" / "consulting.md.j2").read_text(encoding="utf-8")
    assert "  - services\n  - consulting-fees\n" in template and "title: run-in" in template
    assert 'items: ["(a)", "(i)"]' in template
    services = _text(root, "services")
    assert '## Reports {{ label("reports") }}' in services or "## Reports" in services
    assert "(a) report monthly; and\n(a) {{ label(\"b\") }} keep the records" in services
    built = (_build(root, "consulting") / "consulting-example.md").read_text(encoding="utf-8").replace("\u00a0", " ")
    assert "# 1. Services" in built and "# 2. Fees" in built
    assert "**1.2 Reports.**" in built and "(b) keep the records set out in Section [1.1](#sub-" in built
    assert "**2.1 Invoices.**" in built
    assert "Section [1.2(b)](#sub-services.reports.b)" in built
    # the word Word prints before the number does not reach pandoc: said, with the paragraph
    assert "paragraph 1: Word's automatic numbering prints 'Section %1.' at list level 1" in result.output


def _fields(tmp_path: Path) -> Path:
    doc = WordDoc()
    doc.numbering("outline", ["%1.", "%1.%2.", "(%3)"], ["decimal", "decimal", "lowerLetter"])
    doc.para(run("Consulting Agreement"), style="Title")
    doc.para(run("This agreement is made between "), control("Customer Name"), run(" and "),
             run("Consultant", highlight="yellow"), run(" "), run("Name", highlight="yellow"),
             run(", on "), control(tag="effective_date", value="1 March 2027"), run("."))
    doc.block_control("Customer Address")
    doc.para(run("Services. ", bold=True), run("The Consultant provides the services at "),
             run("[Place of Work]", highlight="green"), run(" for a fee of "), control(),
             run(", as set out in the order form."), num=("outline", 0))
    doc.para(run("Check this clause with the legal team before sending it out", highlight="yellow"),
             num=("outline", 1))
    doc.para(run("Fees. ", bold=True), run("Fees are due within thirty days."), num=("outline", 0))
    return doc.save(tmp_path / "fields.docx")


def test_content_controls_and_highlights_become_bracketed_fields(tmp_path):
    root = _repo(tmp_path)
    source = _fields(tmp_path)
    before = hashlib.sha256(source.read_bytes()).hexdigest()
    result = _import(root, source, "consulting")
    assert hashlib.sha256(source.read_bytes()).hexdigest() == before  # the user's file is never changed
    written = "".join(p.read_text(encoding="utf-8") for p in root.rglob("*.md*"))
    assert "Click or tap here to enter text" not in written  # Word's prompt is no text of the contract
    preamble = _text(root, "preamble")
    for label, term in [("Customer Name", "customer_name"), ("Consultant Name", "consultant_name"),
                        ("effective date", "effective_date"), ("Customer Address", "customer_address")]:
        # "[Label]" as text, or the key term the placeholder step makes of it
        assert f"\\[{label}\\]" in preamble or term in preamble, (label, preamble)
    services = _text(root, "services")
    assert "Place of Work" in services or "place_of_work" in services  # already bracketed: not twice
    assert "\\[\\[" not in services
    assert "Field 1" in services or "field_1" in services  # a control with no name at all
    report = result.output
    assert "the content control [effective date] held '1 March 2027'" in report
    assert "a content control with no title or tag became [Field 1]" in report
    assert "a highlighted passage is kept as text, too long for a blank: 'Check this clause" in report
    assert "Check this clause with the legal team" in services  # kept, not a field


def test_footnotes_are_kept_through_pdf_docx_and_html(tmp_path):
    doc = WordDoc()
    doc.numbering("outline", ["%1.", "%1.%2."], ["decimal", "decimal"])
    doc.para(run("Services. ", bold=True), run("The Consultant provides the services."),
             doc.footnote("As agreed at the kick-off meeting."), num=("outline", 0))
    doc.para(run("Fees. ", bold=True), run("Fees are due monthly."), doc.footnote("Before tax."), num=("outline", 0))
    path = doc.save(tmp_path / "notes.docx")
    data = {}  # a field inside a footnote: a highlighted run in word/footnotes.xml
    with zipfile.ZipFile(path) as package:
        for name in package.namelist():
            data[name] = package.read(name)
    data["word/footnotes.xml"] = data["word/footnotes.xml"].replace(
        b"<w:r><w:t xml:space=\"preserve\">Before tax.</w:t></w:r>",
        b"<w:r><w:t xml:space=\"preserve\">Before tax, paid in </w:t></w:r><w:r><w:rPr><w:highlight w:val=\"yellow\"/>"
        b"</w:rPr><w:t>Currency</w:t></w:r><w:r><w:t>.</w:t></w:r>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, content in data.items():
            package.writestr(name, content)
    root = _repo(tmp_path)
    _import(root, path, "notes")
    assert "^[As agreed at the kick-off meeting.]" in _text(root, "services")
    fees = _text(root, "notes-fees")
    assert "^[Before tax, paid in \\[Currency\\].]" in fees or "currency" in fees
    out = _build(root, "notes", "pdf,docx,html")
    pdf = subprocess.run(["pdftotext", "-layout", str(out / "notes-example.pdf"), "-"], capture_output=True,
                         text=True, check=True).stdout
    docx = pypandoc.convert_file(str(out / "notes-example.docx"), "plain", extra_args=["--sandbox", "--wrap=none"])
    html = (out / "notes-example.html").read_text(encoding="utf-8")
    for shown in (pdf, docx, html):
        assert "As agreed at the kick-off meeting." in shown
    assert "[^1]: As agreed at the kick-off meeting." in pypandoc.convert_file(
        str(out / "notes-example.docx"), "markdown", extra_args=["--sandbox"])  # a real Word footnote again
    assert 'role="doc-endnote"' in html or "footnote" in html


def test_category_map(tmp_path):
    root = _repo(tmp_path)
    source = _outline_by_style(tmp_path)
    good = tmp_path / "categories.yml"
    good.write_text("# section title or clause id: category\nSERVICES: obligations\nconsulting-fees: payment\n",
                    encoding="utf-8")
    result = _import(root, source, "consulting", "--category-map", str(good))
    assert "category: obligations" in (root / "clauses" / "services" / "clause.yml").read_text(encoding="utf-8")
    assert "category: payment" in (root / "clauses" / "consulting-fees" / "clause.yml").read_text(encoding="utf-8")
    assert "Services (category `obligations`, from --category-map)" in result.output


def test_category_map_errors_name_the_line(tmp_path):
    root = _repo(tmp_path)
    source = _outline_by_style(tmp_path)
    unknown = tmp_path / "unknown.yml"
    unknown.write_text("Services: obligations\nFees: money\n", encoding="utf-8")
    result = _import(root, source, "consulting", "--category-map", str(unknown), ok=False)
    shown = result.output + str(result.exception)
    assert f"{unknown}:2:7: error: Fees: unknown category 'money'; the library's categories (clausier.yml): " \
           "parties, scope" in shown
    typo = tmp_path / "typo.yml"
    typo.write_text("Services: obligations\nFeez: payment\n", encoding="utf-8")
    result = _import(root, source, "consulting", "--category-map", str(typo), ok=False)
    assert f"{typo}:2:1: error: 'Feez' is neither a section title nor a clause id of this document; its " \
           "sections: Services (services); Fees (consulting-fees)" in result.output + str(result.exception)
    assert not (root / "templates" / "consulting.md.j2").exists()  # nothing written
