"""An English-only library end to end (#22): the "sections" library declares `languages: [en]`;
its PDF, DOCX, HTML and Markdown and its handbook (pages and specimens) hold no French word,
`clausier check` passes, and an agreement asking for French is refused at its `language:` line."""

from __future__ import annotations

import html as htmllib
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from clausier.build import build
from clausier.cli import main

from pdftext import pdf_text
from sections_library import edit, make_sections_repo
from sitebuild import mkdocs_build

# Words a French library or handbook prints and an English one never does (case kept: "article"
# is English running text, "Article 3" a French heading).
FRENCH = ("Article", "Articles", "Prestataire", "Conseils", "Français", "PROJET", "Résumé", "Catégorie",
          "Catégories", "Modèle", "Modèles", "Texte", "Paramètres", "Variantes", "Spécimens", "Dernière",
          "Termes", "Libellé", "Négociation", "Risques", "Quand", "Conditions particulières", "Bibliothèque",
          "Signatures précédées", "Lu et approuvé", "ci-après", "Entre", "Fait", "Contrat", "N°")
_FRENCH = re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in FRENCH) + r")(?![\w-])")


def french_words(text: str) -> list[str]:
    return sorted(set(_FRENCH.findall(text)))


def _visible(page: str) -> str:
    """What a reader sees of an HTML page: tags, scripts and styles out, entities decoded."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", page))


def _docx_words(path: Path) -> str:
    """Every run of text in the document, its headers and footers, and its properties."""
    with zipfile.ZipFile(path) as archive:
        parts = [archive.read(name).decode("utf-8") for name in archive.namelist()
                 if name.startswith(("word/", "docProps/")) and name.endswith(".xml")]
    return " ".join(htmllib.unescape(t) for part in parts for t in re.findall(r">([^<>]+)<", part))


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    root = make_sections_repo(tmp_path_factory.mktemp("english") / "repo")
    report = build(root, formats=["pdf", "docx", "html", "md"])
    assert report.ok, [r.errors for r in report.results]
    return root


@pytest.fixture(scope="module")
def site(library) -> Path:
    site = library.parent / "site"
    done = mkdocs_build(library, site)
    assert done.returncode == 0, done.stderr[-3000:]
    return site


def test_the_library_checks_clean_in_english_only(library):
    assert (library / "clausier.yml").read_text().count("languages: [en]") == 1
    assert not list(library.glob("clauses/*/fr.md"))
    result = CliRunner().invoke(main, ["--root", str(library), "check"])
    assert result.exit_code == 0, result.output
    assert "0 error(s), 0 warning(s)" in result.output


def test_every_output_is_english_only(library):
    out = library / "build" / "northwind"
    pdf = pdf_text(out / "northwind.pdf")
    assert "Section 3. Liability" in pdf and "DRAFT" in pdf
    assert "30 days of a notice" in pdf  # the template's key term, read by two clauses
    docx = _docx_words(out / "northwind.docx")
    page = (out / "northwind.html").read_text(encoding="utf-8")
    markdown = (out / "northwind.md").read_text(encoding="utf-8")
    assert 'lang="en' in page and 'lang="fr' not in page
    found = {name: french_words(text) for name, text in
             (("pdf", pdf), ("docx", docx), ("html", _visible(page)), ("md", markdown))}
    assert found == {"pdf": [], "docx": [], "html": [], "md": []}


def test_the_handbook_speaks_english_only(site):
    pages = {path.relative_to(site).as_posix(): path.read_text(encoding="utf-8") for path in site.rglob("*.html")}
    assert "clauses/liability/liability/index.html" in pages and "contract-types/sections/index.html" in pages
    found = {name: french_words(_visible(page)) for name, page in pages.items() if french_words(_visible(page))}
    assert found == {}
    assert not [name for name, page in pages.items() if 'lang="fr' in page]  # no French tab, no French block
    clause = _visible(pages["clauses/liability/liability/index.html"])
    assert "tabbed-set" not in pages["clauses/liability/liability/index.html"]  # nothing to choose
    assert "X.1 Cap" in clause and "**" not in clause and "](" not in clause  # its text is Markdown read
    assert '<html lang="en"' in pages["clauses/liability/liability/index.html"]
    for label in ("Category:", "Last change:", "Guidance", "Text", "Parameters", "Section:", "When to use it"):
        assert label in clause, label
    assert "Templates" in _visible(pages["index.html"])  # the navigation tab
    template = _visible(pages["contract-types/sections/index.html"])
    assert "Key terms" in template and "notice_days" in template
    specimens = sorted(p.name for p in (site / "contract-types" / "specimens").iterdir())
    assert specimens == ["sections-en.docx", "sections-en.pdf"]
    specimen = site / "contract-types" / "specimens"
    assert french_words(pdf_text(specimen / "sections-en.pdf")) == []
    assert french_words(_docx_words(specimen / "sections-en.docx")) == []


def test_an_agreement_in_french_is_an_error_at_its_language_line(tmp_path):
    root = make_sections_repo(tmp_path / "repo")
    agreement = root / "agreements" / "northwind.md"
    edit(agreement, "language: en", "language: fr")
    line = agreement.read_text(encoding="utf-8").split("\n").index("language: fr") + 1
    result = CliRunner().invoke(main, ["--root", str(root), "check"])
    assert result.exit_code == 1
    assert "agreements/northwind.md" in result.output
    assert f"{line}:11  error  the library has no 'fr' text; languages available: en" in result.output
