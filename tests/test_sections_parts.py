"""The English-only "sections" library with a cover page and two schedules, built end to end:
each reference to a schedule, to the cover and into a schedule's clause names the right heading
in the PDF, the Word file and the HTML, and follows when the schedules swap."""

from __future__ import annotations

import re
import zipfile

import pytest
from pypdf import PdfReader

from clausier.build import build
from clausier.lint import run_checks

from sections_library import edit, make_sections_repo, with_parts

SENTENCE = re.compile(r"The services meet the levels of (.+?) \(credits: Section (.+?)\) for the prices of (.+?), "
                      r"for the notice period on the (.+?)\.")


@pytest.fixture
def library(tmp_path):
    return with_parts(make_sections_repo(tmp_path / "repo"))


def _built(repo, formats):
    report = build(repo, formats=list(formats))
    assert report.ok, [r.errors for r in report.results]
    return repo / "build" / "northwind"


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " "))


def test_the_library_with_parts_checks_clean(library):
    assert [str(f) for f in run_checks(library) if f.level == "error"] == []


def test_references_to_parts_name_the_right_headings_in_every_output(library):
    out = _built(library, ("md", "pdf", "docx", "html"))
    expected = ("Schedule A", "A.1.2", "Schedule B", "Cover Page")

    pdf = _plain(" ".join(page.extract_text() for page in PdfReader(out / "northwind.pdf").pages))
    assert SENTENCE.search(pdf).groups() == expected
    # the headings those words name exist, in that order: cover, body, then the schedules
    assert pdf.index("Cover Page") < pdf.index("Section 1.") < pdf.index("Schedule A — Service Levels") \
        < pdf.index("A.1.2 Credits") < pdf.index("Schedule B — Pricing") < pdf.index("The monthly report costs")
    assert "Effective Date" in pdf and "1 February 2027" in pdf

    html = (out / "northwind.html").read_text(encoding="utf-8")
    links = {_plain(text): target for target, text in re.findall(r'<a\s+href="#([^"]+)"[^>]*>([^<]+)</a>', html)}
    assert [links[shown] for shown in expected] == ["part-service-levels", "sub-availability.credits",
                                                    "part-pricing", "cover"]
    for shown in expected[:2]:  # the heading each link opens starts with the words of the link
        opened = re.search(rf'<h[12] id="{re.escape(links[shown])}"[^>]*>([^<]*)</h', html)
        assert opened and _plain(opened.group(1)).startswith(shown), shown
    assert re.search(r'<h1 id="part-pricing"[^>]*>Schedule B', html) and 'id="cover"' in html
    assert SENTENCE.search(_plain(re.sub(r"<[^>]+>", "", html))).groups() == expected

    document = zipfile.ZipFile(out / "northwind.docx").read("word/document.xml").decode("utf-8")
    anchors = set(re.findall(r'<w:hyperlink w:anchor="([^"]+)"', document))
    bookmarks = set(re.findall(r'<w:bookmarkStart w:id="\d+" w:name="([^"]+)"', document))
    assert anchors <= bookmarks
    words = _plain("".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", document)))
    assert SENTENCE.search(words).groups() == expected


def test_swapping_the_schedules_renumbers_their_references(library):
    template = library / "templates" / "sections.md.j2"
    edit(template, "    - {id: service-levels, title: {en: Service Levels}, clauses: [availability]}\n"
         "    - {id: pricing, title: {en: Pricing}, from_agreement: pricing}\n",
         "    - {id: pricing, title: {en: Pricing}, from_agreement: pricing}\n"
         "    - {id: service-levels, title: {en: Service Levels}, clauses: [availability]}\n")
    markdown = (_built(library, ("md",)) / "northwind.md").read_text(encoding="utf-8")
    plain = _plain(re.sub(r"\[([^\]]+)\]\(#[^)]+\)", r"\1", markdown))
    assert SENTENCE.search(plain).groups() == ("Schedule B", "B.1.2", "Schedule A", "Cover Page")
    assert plain.index("Schedule A — Pricing") < plain.index("Schedule B — Service Levels")
