"""Numbering as data: a template's `numbering:` sets how articles, sub-clauses and (a)/(i) items
are numbered; the defaults give the classic layout, byte for byte."""

from __future__ import annotations

import re

import pytest
from pypdf import PdfReader

from clausier.build import build
from clausier.lint import run_checks
from clausier.markdown import StructureError, front_matter, number_subclauses
from clausier.numbering import Numbering, article_heading, marker
from clausier.outline import number_body

from pdftext import docx_text, pdf_text
from sections_library import PROJECT, edit, make_sections_repo


@pytest.fixture
def sections(tmp_path):
    return make_sections_repo(tmp_path / "repo")


def _build(repo, formats=("md",)):
    report = build(repo, formats=list(formats))
    assert report.ok, [r.errors for r in report.results]
    return repo / "build" / "northwind"


def test_defaults_number_the_library_as_before():
    """With no `numbering:`, every clause of the project's library comes out as it did."""
    for path in sorted((PROJECT / "clauses").glob("*/*.md")):
        body = front_matter(path.read_text(encoding="utf-8")).body
        try:
            before = number_subclauses(body, "7")[0]
        except StructureError:  # the parties and signatures: not numbered, never passed here
            with pytest.raises(StructureError):
                number_body(body, "7", "x", Numbering())
            continue
        assert number_body(body, "7", "x", Numbering())[0] == before, path
    assert article_heading(Numbering(), "fr", 5, "Prix (HT)") == "Article 5 — Prix (HT)"
    assert article_heading(Numbering(), "en", 5, "Fees") == "Clause 5 — Fees"


def test_item_markers_and_nesting():
    body = "Intro:\n(a) one\n(x) two\n    (z) two-one\n    (z) two-two\n(q) three\n\nText 365(n) (b) stays.\n"
    numbered, _ = number_body(body, "4", "c", Numbering())
    assert re.findall(r"^ *\([a-z]+\)", numbered, re.M) == ["(a)", "(b)", "    (i)", "    (ii)", "(c)"]
    assert "Intro:\n\n(a) one" in numbered  # a list starts a block of its own
    assert "Text 365(n) (b) stays." in numbered
    roman = Numbering.model_validate({"items": ["(i)", "(A)"], "subclause": {"title": "run-in"}})
    numbered, _ = number_body("## Scope\n\nText.\n\n(a) one\n    (a) deep\n", "2", "c", roman)
    assert numbered.lstrip().startswith("**2.1 Scope.**\u00a0Text.")
    assert "(i) one\n    (A) deep" in numbered
    assert [marker("(a)", 27), marker("(i)", 14), marker("1.", 3)] == ["(aa)", "(xiv)", "3."]


def test_section_numbering_in_every_output(sections):
    out = _build(sections, ("md", "pdf", "docx", "html"))
    markdown = (out / "northwind.md").read_text(encoding="utf-8")
    assert "# Section 3. Liability {#art-liability}" in markdown
    assert "## 3.1 Cap {#sub-liability.cap}" in markdown
    pdf = pdf_text(out / "northwind.pdf").replace("\u00a0", " ")
    for shown in ("Section 3. Liability", "3.1 Cap", "(a) the fees paid", "(b) a floor", "(i) is revised",
                  "(ii) applies to each claim", "2.3 The Provider reports"):
        assert shown in pdf
    assert "Section 3. Liability" in docx_text(out / "northwind.docx")
    html = (out / "northwind.html").read_text(encoding="utf-8")
    assert re.search(r'<h1 id="art-liability">Section 3\. Liability</h1>', html)
    assert re.search(r'<ol type="i">\s*<li>is revised', html)


def test_other_formats(sections):
    template = sections / "templates" / "sections.md.j2"
    edit(template, 'heading: "{word} {n}. {title}"', 'heading: "{n}. {title}"')
    edit(template, 'subclause: "{article}.{n}"', 'subclause: {number: "{article}-{n}", title: run-in}')
    markdown = (_build(sections) / "northwind.md").read_text(encoding="utf-8")
    assert "# 3. Liability {#art-liability}" in markdown
    assert "**3-1 Cap.**[]{#sub-liability.cap}\u00a0The total liability" in markdown


@pytest.mark.parametrize("numbering, field, message", [
    ('items: ["[a]"]', "numbering.items", "unknown item marker '[a]'"),
    ('article: {heading: "{n} {name}"}', "numbering.article.heading", "unknown placeholder {name}"),
    ('subclause: "{article}"', "numbering.subclause", "must contain {n}"),
])
def test_bad_numbering_is_reported_at_its_line(sections, numbering, field, message):
    template = sections / "templates" / "sections.md.j2"
    text = template.read_text(encoding="utf-8")
    start = text.index("numbering:")
    end = text.index("---", start)
    template.write_text(text[:start] + "numbering:\n  " + numbering + "\n" + text[end:], encoding="utf-8")
    line = text[:start].count("\n") + 2
    findings = [str(f) for f in run_checks(sections, errors_only=True)]
    found = [f for f in findings if f.startswith(f"templates/sections.md.j2:{line}:") and message in f]
    assert found, findings
    assert field in found[0]
    report = build(sections, formats=["md"])  # and the build refuses to go on with it
    assert not report.ok


def test_a_placeholder_with_a_format_is_refused_with_a_clear_message():
    """`{n:>3}` once raised a NameError inside the check (an internal error) instead of saying why."""
    from clausier.numbering import _fields

    with pytest.raises(ValueError, match=r"placeholder \{n\} takes no format or conversion"):
        _fields("{word} {n:>3}", {"word", "n", "title"}, {"n"}, "numbering.article.heading")
