"""Labels and references: ref() reaches any labelled article, sub-clause or item, as a link, in
every output; refs() lists them in the agreement's language; moving clauses renumbers them; a
missing or repeated label is an error at its file and line."""

from __future__ import annotations

import re
import zipfile
from html.parser import HTMLParser

import pytest
from pypdf import PdfReader

from clausier.build import build
from clausier.lint import run_checks

from sections_library import edit, make_sections_repo, with_french

# What the sections library's references must print (article order: purpose, services,
# liability, termination, general-provisions), and where each leads.
EXPECTED = {
    "en": ["Section 2", "Sections 3.1 and 3.2", "Sections 4, 2.2 and 3.1(a)", "Section 3.1", "Section 4.1",
           "Section 3.1(b)(i)", "Section 3.1(a)", "Sections 3 and 2.2", "Section 2",
           "Sections 1, 2, 3 and 4", "Section 4.2(a)"],
    "fr": ["article 2", "articles 3.1 et 3.2", "articles 4, 2.2 et 3.1(a)", "article 3.1", "article 4.1",
           "article 3.1(b)(i)", "article 3.1(a)", "articles 3 et 2.2", "article 2",
           "articles 1, 2, 3 et 4", "article 4.2(a)"],
}


# What refs() prints in the library (ref() alone prints only a number).
LISTS = {
    "en": ["Section 2", "Sections 3.1 and 3.2", "Sections 4, 2.2 and 3.1(a)", "Section 3.1", "Sections 3 and 2.2",
           "Sections 1, 2, 3 and 4", "Section 4.2(a)"],
    "fr": ["article 2", "articles 3.1 et 3.2", "articles 4, 2.2 et 3.1(a)", "article 3.1", "articles 3 et 2.2",
           "articles 1, 2, 3 et 4", "article 4.2(a)"],
}


@pytest.fixture
def sections(tmp_path):
    return make_sections_repo(tmp_path / "repo")


def _build(repo, formats=("md",)):
    report = build(repo, formats=list(formats))
    assert report.ok, [r.errors for r in report.results]
    return repo / "build" / "northwind"


def _md_links(markdown: str) -> list[tuple[str, str]]:
    return re.findall(r"\[([^\]]+)\]\(#([^)]+)\)", markdown)


class _Html(HTMLParser):
    """Links (text, target) and what each id marks: a heading's text or an item's place."""

    def __init__(self):
        super().__init__()
        self.links, self.ids, self.stack, self.items = [], {}, [], []
        self.link = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "ol":
            self.items.append([attrs.get("type", "1"), 0])
        if tag == "li":
            self.items[-1][1] += 1
        if tag == "a" and attrs.get("href", "").startswith("#"):
            self.link = [attrs["href"][1:], ""]
        if "id" in attrs:
            self.ids[attrs["id"]] = [tag, "", [tuple(i) for i in self.items]]
            self.stack.append(attrs["id"])

    def handle_endtag(self, tag):
        if tag == "ol":
            self.items.pop()
        if tag == "a" and self.link:
            self.links.append(tuple(self.link))
            self.link = None
        if tag in ("h1", "h2") and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if self.link:
            self.link[1] += data
        if self.stack and self.ids[self.stack[-1]][0] in ("h1", "h2"):
            self.ids[self.stack[-1]][1] += data


def test_references_in_every_output(sections):
    out = _build(sections, ("md", "pdf", "docx", "html"))
    markdown = (out / "northwind.md").read_text(encoding="utf-8")
    plain = re.sub(r"\[([^\]]+)\]\(#[^)]+\)", r"\1", markdown).replace("\u00a0", " ")
    for shown in EXPECTED["en"]:
        assert shown in plain
    assert "Section 365(n) of the Bankruptcy Code" in plain  # only ref() makes references
    links = _md_links(markdown)
    assert len(links) == 19

    # HTML: each link goes to an id that exists, on the heading numbered as the link says, or
    # on the item at that place of its list.
    page = _Html()
    page.feed((out / "northwind.html").read_text(encoding="utf-8"))
    assert [(text, target) for target, text in page.links] == links
    for target, text in page.links:
        tag, heading, lists = page.ids[target]
        if tag in ("h1", "h2"):
            assert re.sub(r"^Section ", "", heading).startswith(text + (". " if tag == "h1" else " "))
        else:  # an item: 3.1(b)(i) is the second item of an (a) list, the first of an (i) list
            places = re.findall(r"\(([a-z]+)\)", text)
            assert [(kind, count) for kind, count in lists] == [
                ("a" if i == 0 else "i", "abcdefgh".index(p) + 1 if i == 0 else ["i", "ii", "iii"].index(p) + 1)
                for i, p in enumerate(places)]

    # DOCX: each hyperlink goes to a bookmark the document has, around the right words.
    document = zipfile.ZipFile(out / "northwind.docx").read("word/document.xml").decode("utf-8")
    anchors = re.findall(r'<w:hyperlink w:anchor="([^"]+)"', document)
    bookmarks = set(re.findall(r'<w:bookmarkStart w:id="\d+" w:name="([^"]+)"', document))
    assert len(anchors) == len(links) and set(anchors) <= bookmarks
    heading = re.search(r'w:name="sub-liability.cap" ?/>.*?</w:p>', document, re.S).group(0)
    assert "".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", heading)).startswith("3.1 Cap")

    # PDF: as many internal links, each to a place in the document (named for headings).
    reader = PdfReader(out / "northwind.pdf")
    named = reader.named_destinations
    internal = [a.get_object() for p in reader.pages for a in p.get("/Annots") or []
                if a.get_object().get("/Subtype") == "/Link" and "/URI" not in (a.get_object().get("/A") or {})]
    assert len(internal) == len(links)
    for annotation, (text, target) in zip(internal, links):
        dest = annotation.get("/Dest")
        if isinstance(dest, str):
            assert dest == target and target in named


def test_moving_a_clause_renumbers_every_reference(sections):
    template = sections / "templates" / "sections.md.j2"
    edit(template, "  - liability\n  - termination\n", "  - termination\n  - liability\n")
    markdown = (_build(sections) / "northwind.md").read_text(encoding="utf-8")
    plain = re.sub(r"\[([^\]]+)\]\(#[^)]+\)", r"\1", markdown).replace("\u00a0", " ")
    assert "# Section 3. Termination" in markdown and "# Section 4. Liability" in markdown
    for shown in ("Sections 4.1 and 4.2", "Sections 3, 2.2 and 4.1(a)", "a breach of Section 3.1",
                  "revision in Section 4.1(b)(i)", "Sections 4 and 2.2 survive", "Section 3.2(a) applies"):
        assert shown in plain
    assert ("4.1(a)", "sub-liability.cap.fees") in _md_links(markdown)


def test_the_list_helper_in_both_languages(sections):
    for language in ("en", "fr"):
        if language == "fr":  # the English-only library made bilingual: refs() writes French words
            with_french(sections)
            edit(sections / "agreements" / "northwind.md", "language: en", "language: fr")
        markdown = (_build(sections) / "northwind.md").read_text(encoding="utf-8")
        plain = re.sub(r"\[([^\]]+)\]\(#[^)]+\)", r"\1", markdown)
        number = r"\d+(?:\.\d+)*(?:\([a-z]+\))*"
        found = [f"{word} {numbers}" for word, numbers in re.findall(
            rf"(Sections?|articles?)\u00a0({number}(?:(?:, | and | et ){number})*)", plain)]
        assert found == LISTS[language]


def _errors(repo) -> list[str]:
    report = build(repo, formats=["md"])
    assert not report.ok
    return [e for r in report.results for e in r.errors]


def test_a_missing_label_is_an_error_at_its_line(sections):
    edit(sections / "clauses/termination/en.md", 'ref("liability.cap.fees")', 'ref("liability.cap.fee")')
    errors = _errors(sections)
    assert any(e.startswith("clauses/termination/en.md:11:") and "no label 'cap.fee'" in e for e in errors), errors
    checked = [str(f) for f in run_checks(sections, errors_only=True)]
    assert any(f.startswith("clauses/termination/en.md:11:") and "'liability.cap.fee'" in f for f in checked), checked


def test_a_repeated_label_is_an_error_at_its_line(sections):
    edit(sections / "clauses/services/en.md", 'label("reports")', 'label("changes")')
    errors = _errors(sections)
    assert any(e.startswith("clauses/services/en.md:17:") and "label('changes') is used twice" in e
               for e in errors), errors
    checked = [str(f) for f in run_checks(sections, errors_only=True)]
    assert any(f.startswith("clauses/services/en.md:17:") and "used twice" in f for f in checked), checked


def test_a_label_out_of_place_or_malformed(sections):
    edit(sections / "clauses/services/en.md", "every month.", 'every month {{ label("late") }}.')
    errors = _errors(sections)
    assert any(e.startswith("clauses/services/en.md:19:") and "not where a label goes" in e for e in errors), errors
    edit(sections / "clauses/services/en.md", '{{ label("late") }}', '{{ label("Late One") }}')
    errors = _errors(sections)
    assert any(e.startswith("clauses/services/en.md:19:") and "lower-case letters" in e for e in errors), errors


def test_the_handbook_shows_labels_and_sub_references_as_readers_expect(tmp_path):
    """On a clause page no label anchor is printed as text, a reference to a sub-clause or item
    names its clause and links to its page (the numbers there are one contract type's), and each
    item stays on its own line."""
    import subprocess
    import sys
    from pathlib import Path

    root = make_sections_repo(tmp_path / "repo")
    out = tmp_path / "pages"
    subprocess.run([str(Path(sys.executable).with_name("clausier")), "--root", str(root), "handbook", "pages", "--out", str(out)],
                   check=True, capture_output=True)
    termination = (out / "clauses/termination/termination.md").read_text(encoding="utf-8")
    liability = (out / "clauses/liability/liability.md").read_text(encoding="utf-8")
    for page in (termination, liability):
        assert "#sub-" not in page and "&#123;" not in page and "]{" not in page
    assert "amounts of Section “[Liability](../liability/liability.md)”" in termination
    assert "before the claim; and  \n" in liability  # a hard break before the next item
    assert "\n\u2003\u2003(i) is revised each year" in liability  # no tab to indent it: one language


def test_html_items_show_their_brackets_as_the_pdf_does(tmp_path):
    """pandoc's HTML keeps "a" and "i" of "(a)" and "(i)" only: the contract's style puts the
    brackets back, so a reader sees the "(a)" a reference such as "3.1(a)" points to."""
    import shutil
    from pathlib import Path

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        pytest.skip("Chromium not found (apt-get install chromium; .ci/run does it in CI)")
    sync_api = pytest.importorskip("playwright.sync_api")
    root = make_sections_repo(tmp_path / "repo")
    assert build(root, formats=["html"]).ok
    page_url = (root / "build/northwind/northwind.html").as_uri()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto(page_url)
        markers = page.evaluate("""() => [...document.querySelectorAll('ol[type] > li')].map(
            li => getComputedStyle(li, '::marker').content)""")
        browser.close()
    assert markers and all(m.startswith('"(" counter(list-item, lower-') and '")' in m for m in markers), markers
    assert {"alpha", "roman"} <= {m.split("lower-")[1][:5] for m in markers}, markers


def test_a_misspelt_reference_suggests_the_clause_meant(tmp_path):
    """ref("feez") names the clause it probably means, not the forty ids of the library."""
    root = make_sections_repo(tmp_path / "repo")
    edit(root / "clauses/termination/en.md", 'ref("liability', 'ref("liabilty')
    findings = run_checks(root)
    messages = [f.message for f in findings if "liabilty" in f.message]
    assert any("did you mean 'liability'?" in m for m in messages), messages
    assert not any("valid clauses" in m for m in messages), messages


def test_a_link_to_an_anchor_the_agreement_lacks_is_an_error_at_its_line(tmp_path):
    """Typst refuses a PDF with a dead internal link (and HTML and DOCX would carry it): check and
    build report it at the clause line; a hand-written link to an article that exists passes."""
    root = make_sections_repo(tmp_path / "repo")
    clause = root / "clauses/termination/en.md"
    text = clause.read_text(encoding="utf-8")
    clause.write_text(text.rstrip("\n") + "\n\nSee [the services](#art-services) and [the fees](#nowhere).\n",
                      encoding="utf-8")
    line = len(text.rstrip("\n").splitlines()) + 2
    findings = [f for f in run_checks(root) if "#nowhere" in f.message]
    assert [(f.path, f.line, f.rule) for f in findings] == [("clauses/termination/en.md", line, "contract-markup")]
    report = build(root, formats=["pdf"])
    assert not report.ok
    assert any("#nowhere" in str(e) and f"clauses/termination/en.md:{line}" in str(e)
               for failed in report.failed for e in failed.errors), report.failed
