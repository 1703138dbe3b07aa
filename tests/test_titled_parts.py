"""Preamble and closing clauses under their title (template `titled:`): an unnumbered heading in
every format, filed under its own clause by the redline; a mistake at its line. And errors in an
agreement's annex texts, named at the agreement's file and the front-matter line they sit on."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from clausier.build import build
from clausier.lint import run_checks
from clausier.redline import compare

ANNEXES = """annexes:
  parts:
    - id: sow
      title: {en: Statement of Work, fr: Cahier des charges}
      clauses: [non-solicitation]
    - id: pricing
      title: {en: Pricing, fr: Prix}
      from_agreement: pricing
"""


def _words(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def _line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().split("\n"), start=1) if needle in line)


def _set_template(repo: Path, extra: str) -> Path:
    template = repo / "templates/mini.md.j2"
    template.write_text(template.read_text().replace("closing: [signatures]\n", "closing: [signatures]\n" + extra))
    return template


def _english(repo: Path, extra: str = "") -> Path:
    """The example agreement in English (with `extra` front matter), in place of the French one."""
    french = repo / "agreements/acme-fr.md"
    path = repo / "agreements/acme-en.md"
    path.write_text(french.read_text().replace("language: fr\n", "language: en\n" + extra).replace(
        "Le Prestataire assure une formation d'une demi-journée.", "The Provider gives a half-day training."))
    french.unlink()
    return path


@pytest.fixture
def titled_repo(repo: Path) -> Path:
    """The mini library with its signatures clause without a heading of its own; the template
    titles the parties and the signatures."""
    for language in ("fr", "en"):
        clause = repo / f"clauses/signatures/{language}.md"
        clause.write_text(clause.read_text().replace("# Signatures\n\n", "", 1))
    _english(repo)
    return repo


def test_titled_clauses_show_their_title_unnumbered_in_every_format(titled_repo):
    _set_template(titled_repo, "titled: [parties, signatures]\n")
    assert [str(f) for f in run_checks(titled_repo) if f.level == "error"] == []
    report = build(titled_repo, formats=["pdf", "docx", "html", "md"])
    assert report.ok, [str(e) for r in report.failed for e in r.errors]
    out = titled_repo / "build/acme-en"

    markdown = (out / "acme-en.md").read_text(encoding="utf-8")
    assert "\n# The parties\n\n## Between\n\n::: {#parties}\n" in markdown
    assert "\n# Signatures\n\n::: {#signatures}\n" in markdown

    pdf = PdfReader(out / "acme-en.pdf")
    outline = [item.title for item in pdf.outline if not isinstance(item, list)]
    assert outline[0] == "The parties" and outline[1] == "Clause 1 — Purpose" and outline[-1] == "Signatures", outline
    text = _words(" ".join(page.extract_text() for page in pdf.pages))
    assert "The parties Between Clair Obscur Studio" in text and "Special conditions The Provider gives a " \
        "half-day training. Signatures Signed in Lyon" in text

    paragraphs = docx.Document(out / "acme-en.docx").paragraphs
    headings = [(p.text, p.style.name) for p in paragraphs if p.style.name.startswith("Heading")]
    assert headings[:3] == [("The parties", "Heading 1"), ("Between", "Heading 2"),
                            ("Clause 1 — Purpose", "Heading 1")]
    assert headings[-1] == ("Signatures", "Heading 1")
    html = (out / "acme-en.html").read_text(encoding="utf-8")
    assert "<h1>The parties</h1>\n<h2>Between</h2>\n<div id=\"parties\">" in html
    assert "<h1>Signatures</h1>\n<div id=\"signatures\">" in html


def test_the_redline_files_each_title_under_its_own_clause(titled_repo):
    """Titling the parties and the signatures changes those two parts, not the article before them."""
    assert build(titled_repo, formats=["md"]).ok
    untitled = (titled_repo / "build/acme-en/acme-en.md").read_text(encoding="utf-8")
    _set_template(titled_repo, "titled: [parties, signatures]\n")
    assert build(titled_repo, formats=["md"]).ok
    titled = (titled_repo / "build/acme-en/acme-en.md").read_text(encoding="utf-8")
    comparison = compare(untitled, titled)
    changed = {(section.key, section.status) for section in comparison.sections if section.status != "unchanged"}
    assert changed == {("parties", "changed"), ("signatures", "changed")}, changed
    assert not compare(titled, titled).changed


@pytest.mark.parametrize("titled, needle", [("titled: [parties, fees]\n", "titled:"),
                                            ("titled:\n  - signature\n", "- signature")])
def test_titled_names_a_preamble_or_closing_clause(repo, titled, needle):
    template = _set_template(repo, titled)
    findings = [f for f in run_checks(repo) if f.path == "templates/mini.md.j2" and f.level == "error"]
    assert [f.line for f in findings] == [_line_of(template, needle)], [str(f) for f in findings]
    assert "is not a preamble or closing clause of this template (preamble: parties; closing: signatures)" \
        in findings[0].message


# ---------------------------------------------------------------- errors in an agreement's annex text


@pytest.mark.parametrize("text, message", [
    ("The rates are {{ rates.daily }}.", "undefined variable: 'rates' is undefined"),
    ("The rates are {{ ref('sow' }}.", "template syntax:"),
    ("The rates are <b>firm</b>.", "an HTML tag '<b>' would be printed as it is"),
    ("The rates are ![firm](https://example.com/a.png).", "images are not allowed in contract text"),
    ("The rates are [firm](javascript:alert(1)).", "link to 'javascript:alert(1)' refused"),
])
def test_an_error_in_an_annex_text_is_named_at_its_front_matter_line(repo, text, message):
    template = repo / "templates/mini.md.j2"
    template.write_text(template.read_text().replace("  - {id: non-solicitation, optional: true}\n", ""))
    _set_template(repo, ANNEXES)
    path = _english(repo, f"annexes:\n  pricing: |\n    Rates in euros.\n\n    {text}\n")
    report = build(repo, formats=["md"])
    errors = [str(e) for r in report.failed for e in r.errors]
    assert errors and errors[0].startswith(f"agreements/acme-en.md:{_line_of(path, text)}:"), errors
    assert message in errors[0]
    checked = [str(f) for f in run_checks(repo, [path]) if f.level == "error"]
    assert checked and checked[0].startswith(f"agreements/acme-en.md:{_line_of(path, text)}:"), checked
