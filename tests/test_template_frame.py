"""A template's frame around the text, for a mutual agreement or a licensed standard: what the
running header shows (`header: {left: provider | title | parties}`), a footer note printed once
after the end (`footer_note:`, text only), and the parties block as body text
(`preamble_style: plain`). Each read back from every format, on both build routes; today's
look when a template sets none of them; mistakes at their line."""

from __future__ import annotations

import hashlib
import re
import shutil
import zipfile
from html import unescape
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from clausier.build import build
from clausier.lint import run_checks

FORMATS = ["pdf", "docx", "html", "md"]
# Markup, an entity and Jinja in the note: each must come out as these very characters.
NOTE = {"fr": "D'après le modèle Exemple, CC BY 4.0 — *pas* <b>de</b> balisage & {{ x }}",
        "en": "Based on the Example NDA, CC BY 4.0 — *not* <b>markup</b> & {{ x }}"}
FRAME = f"""header: {{left: parties}}
footer_note:
  fr: "{NOTE['fr']}"
  en: "{NOTE['en']}"
preamble_style: plain
"""
PARTIES = "Clair Obscur Studio · Atelier Lumière SARL"


def _words(text: str) -> str:
    """Text as compared: spaces of any width as one, typographic apostrophes as typed."""
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").replace("’", "'").split())


def _with_template(repo: Path, extra: str) -> Path:
    template = repo / "templates/mini.md.j2"
    template.write_text(template.read_text().replace("closing: [signatures]\n", "closing: [signatures]\n" + extra))
    return template


def _line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().split("\n"), start=1) if needle in line)


def _files(out: Path) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file() and "_cache" not in p.relative_to(out).parts}


def _header_lines(pdf: Path) -> list[str]:
    """Each page's first line of text (the draft mark aside): its running header, or its title."""
    lines = []
    for page in PdfReader(pdf).pages:
        text = [line for line in page.extract_text().split("\n") if line.strip() and line.strip() != "PROJET"]
        lines.append(_words(text[0]) if text else "")
    return lines


def _left_edge(pdf: Path, needle: str) -> float:
    """The x where the first line holding `needle` starts on page 1."""
    found = []

    def visit(text, cm, tm, font, size):
        if needle in text and not found:
            found.append(cm[4] + tm[4])
    PdfReader(pdf).pages[0].extract_text(visitor_text=visit)
    assert found, needle
    return found[0]


@pytest.fixture
def framed_repo(repo: Path) -> Path:
    """The mini library with the three options set, and the example agreement in English too."""
    _with_template(repo, FRAME)
    french = (repo / "agreements/acme-fr.md").read_text()
    (repo / "agreements/acme-en.md").write_text(french.replace("language: fr\n", "language: en\n").replace(
        "Le Prestataire assure une formation d'une demi-journée.", "The Provider gives a half-day training."))
    return repo


def test_the_frame_in_every_format_and_the_same_bytes_on_both_routes(framed_repo, tmp_path):
    assert [str(f) for f in run_checks(framed_repo) if f.level == "error"] == []
    fast = build(framed_repo, formats=FORMATS, out=tmp_path / "fast", simple=False)
    simple = build(framed_repo, formats=FORMATS, out=tmp_path / "simple", simple=True)
    assert fast.ok and simple.ok, [e for r in fast.failed + simple.failed for e in r.errors]
    assert _files(tmp_path / "fast") == _files(tmp_path / "simple")

    for language in ("en", "fr"):
        out = tmp_path / "simple" / f"acme-{language}"
        note = NOTE[language]
        # PDF: both parties' names head every page but the first; the note once, on the last page.
        pdf = out / f"acme-{language}.pdf"
        headers = _header_lines(pdf)
        assert len(headers) >= 2 and all(h.startswith(PARTIES) for h in headers[1:]), headers
        assert not headers[0].startswith(PARTIES)
        pages = [_words(page.extract_text()) for page in PdfReader(pdf).pages]
        assert [note in page for page in pages].count(True) == 1 and note in pages[-1], pages[-1]
        # DOCX: the names in the running header; the note is the last paragraph, in small type.
        with zipfile.ZipFile(out / f"acme-{language}.docx") as parts:
            header = parts.read("word/header-clausier.xml").decode("utf-8")
        assert f">{PARTIES}<" in header
        last = docx.Document(out / f"acme-{language}.docx").paragraphs[-1]
        assert _words(last.text) == note and {r.font.size.pt for r in last.runs} == {8.5}
        # HTML: the note as text in its div, after everything else; the plain preamble's marker.
        html = (out / f"acme-{language}.html").read_text(encoding="utf-8")
        shown = re.search(r'<div id="footer-note">\s*<p>([^<]*)</p>\s*</div>\s*</body>', html)
        assert shown and _words(unescape(shown.group(1))) == note, html[-400:]
        assert '<div class="clausier-preamble-plain"></div>' in html
        # Markdown: the same text, escaped, at the end.
        markdown = (out / f"acme-{language}.md").read_text(encoding="utf-8")
        assert markdown.endswith("::: {#footer-note}\n" + note.replace("*", "\\*").replace("<", "\\<").replace(
            ">", "\\>").replace("&", "\\&").replace("{", "\\{").replace("}", "\\}") + "\n:::\n"), markdown[-300:]


def test_without_the_options_a_template_keeps_todays_frame(repo):
    """The brand heads the pages, the parties block is set apart (indented in its shaded block),
    and nothing follows the signatures."""
    assert build(repo, formats=FORMATS).ok
    out = repo / "build/acme-fr"
    headers = _header_lines(out / "acme-fr.pdf")
    assert all(h.startswith("Clair Obscur Studio Réf.") for h in headers[1:]), headers
    assert _left_edge(out / "acme-fr.pdf", "Atelier Lumière SARL") > _left_edge(out / "acme-fr.pdf", "Article 1") + 10
    html = (out / "acme-fr.html").read_text()
    assert "footer-note" not in (out / "acme-fr.md").read_text() and '<div id="footer-note">' not in html
    assert '<div class="clausier-preamble-plain">' not in html


def test_a_plain_preamble_starts_at_the_margin_as_the_articles_do(framed_repo):
    assert build(framed_repo, [framed_repo / "agreements/acme-fr.md"], formats=["pdf"]).ok
    pdf = framed_repo / "build/acme-fr/acme-fr.pdf"
    assert abs(_left_edge(pdf, "Atelier Lumière SARL") - _left_edge(pdf, "Article 1")) < 0.5


def test_the_title_in_the_running_header_and_a_changed_option_rebuilds(repo):
    template = _with_template(repo, "header: {left: title}\n")
    assert build(repo, formats=["pdf", "docx"]).ok
    out = repo / "build/acme-fr"
    title = "Contrat de prestation de services"
    assert all(h.startswith(title) for h in _header_lines(out / "acme-fr.pdf")[1:])
    with zipfile.ZipFile(out / "acme-fr.docx") as parts:
        assert f">{title}<" in parts.read("word/header-clausier.xml").decode("utf-8")
    # The template is part of every key: the option changed, the outputs are built again.
    template.write_text(template.read_text().replace("header: {left: title}", "header: {left: parties}"))
    again = build(repo, formats=["pdf", "docx"])
    assert [r.id for r in again.built] == ["acme-fr"]
    assert all(h.startswith(PARTIES) for h in _header_lines(out / "acme-fr.pdf")[1:])


@pytest.mark.parametrize(("option", "needle", "message"), [
    ("header: {left: both}\n", "header:", "Input should be 'provider', 'title' or 'parties'"),
    ("header: {right: reference}\n", "header:", "unknown key 'right'; allowed: left"),
    ("preamble_style: shaded\n", "preamble_style", "Input should be 'block' or 'plain'"),
    ("footer_note: {fr: Une note, en: ''}\n", "footer_note", "the 'en' note is empty"),
    ("footer_note: {fr: Une note}\n", "footer_note", "no 'en' text"),
    (f"footer_note: {{fr: {'x' * 301}, en: Note}}\n", "footer_note", "a footer note is one line (at most 300)"),
    ('footer_note: {fr: "deux\\nlignes", en: Note}\n', "footer_note", "has several lines"),
])
def test_a_wrong_option_is_an_error_at_its_line(repo, option, needle, message):
    template = _with_template(repo, option)
    findings = [f for f in run_checks(repo) if f.level == "error" and f.path == "templates/mini.md.j2"]
    assert [(f.line, message in f.message) for f in findings] == [(_line_of(template, needle), True)], \
        [str(f) for f in findings]



def test_the_html_shows_a_plain_preamble_and_a_small_note(framed_repo, repo_chromium):
    """In a browser (and so in print): no shading or rule on the parties block, the note smaller
    and greyer than the body text."""
    assert build(framed_repo, [framed_repo / "agreements/acme-fr.md"], formats=["html"]).ok
    looks = repo_chromium(framed_repo / "build/acme-fr/acme-fr.html", """() => {
        const style = (selector) => getComputedStyle(document.querySelector(selector));
        const parties = style('#parties'), note = style('#footer-note p'), body = style('p');
        return [parties.backgroundColor, parties.borderLeftStyle, parties.paddingLeft,
                parseFloat(note.fontSize) < parseFloat(body.fontSize), note.color !== body.color];
    }""")
    assert looks == ["rgba(0, 0, 0, 0)", "none", "0px", True, True], looks


@pytest.fixture
def repo_chromium():
    """A function that opens a file in Chromium and gives back what `script` returns there."""
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        pytest.skip("Chromium not found (apt-get install chromium; .ci/run does it in CI)")
    sync_api = pytest.importorskip("playwright.sync_api")

    def evaluate(path: Path, script: str):
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
            try:
                page = browser.new_page()
                page.goto(path.as_uri())
                return page.evaluate(script)
            finally:
                browser.close()
    return evaluate
