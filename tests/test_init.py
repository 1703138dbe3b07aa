"""`clausier init`: a new repository, in the chosen languages, that checks and builds at once."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from clausier.cli import main

from conftest import PROJECT

runner = CliRunner()
CLAUSIER_BIN = Path(os.environ.get("VIRTUAL_ENV", PROJECT / ".venv")) / "bin"
CLIENTS = {"en": "Harbourside Books Ltd", "fr": "Librairie des Quais SARL"}
TITLES = {"en": "Services Agreement", "fr": "Contrat de prestation de services"}
FRENCH_WORDS = ("Article", "Prestataire", "Prix", "Résiliation", "PROJET")


def _init(folder: Path, languages: str) -> None:
    result = runner.invoke(main, ["init", str(folder), "--languages", languages])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("languages", ["en", "fr", "fr,en"])
def test_a_new_repository_checks_and_builds_in_its_languages(tmp_path, languages):
    repo = tmp_path / "contracts"
    _init(repo, languages)
    chosen = languages.split(",")
    assert f"languages: [{', '.join(chosen)}]" in (repo / "clausier.yml").read_text()
    assert sorted(p.name for p in (repo / "clauses" / "fees").glob("*.md")) == sorted(f"{lang}.md" for lang in chosen)
    for name in ("Makefile", "mkdocs.yml", ".gitignore", ".github/workflows/contracts.yml",
                 "templates/styles/style.typ", "templates/services.md.j2"):
        assert (repo / name).is_file(), name

    checked = runner.invoke(main, ["--root", str(repo), "check"])
    assert checked.exit_code == 0, checked.output
    assert "0 error(s), 0 warning(s)" in checked.output
    built = runner.invoke(main, ["--root", str(repo), "build", "--to", "pdf,docx"])
    assert built.exit_code == 0, built.output

    first = chosen[0]  # the example is written in the library's first language
    folder = repo / "build" / "example-services"
    assert (folder / "example-services.docx").stat().st_size > 0
    pdf = PdfReader(io.BytesIO((folder / "example-services.pdf").read_bytes()))
    text = "".join(page.extract_text() for page in pdf.pages)
    assert TITLES[first] in text and CLIENTS[first] in text
    if languages == "en":
        assert [word for word in FRENCH_WORDS if word in text] == []
        assert "nine thousand pounds sterling" in text
    if first == "fr":
        assert "neuf mille euros" in text


def test_the_makefile_runs_clausier_from_path(tmp_path):
    """`make test` in the new repository: `clausier` found on PATH, not in this project's venv."""
    # make is a prerequisite of this project (README), so no skip: a machine without it fails here.
    assert shutil.which("make"), "make is not installed"
    repo = tmp_path / "contracts"
    _init(repo, "en")
    env = {**os.environ, "PATH": f"{CLAUSIER_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(["make", "test"], cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (repo / "build" / "example-services" / "example-services.pdf").is_file()
    assert "CLAUSIER ?= clausier" in (repo / "Makefile").read_text()


def test_init_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = runner.invoke(main, ["init", str(tmp_path), "--languages", "en"])
    assert result.exit_code != 0
    assert "not empty" in result.output and str(tmp_path) in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize("languages", ["de", "en,en", ""])
def test_init_refuses_languages_it_has_no_texts_for(tmp_path, languages):
    result = runner.invoke(main, ["init", str(tmp_path / "new"), "--languages", languages])
    assert result.exit_code != 0
    assert "--languages" in result.output and "fr,en" in result.output
    assert not (tmp_path / "new").exists()


def test_an_english_repository_gets_an_english_handbook(tmp_path):
    """`make docs` on `clausier init --languages en`: the strict build passes and no page, tab or
    specimen of the handbook is French."""
    from sitebuild import mkdocs_build
    from test_english_only import _visible, french_words

    repo = tmp_path / "contracts"
    _init(repo, "en")
    site = tmp_path / "site"
    done = mkdocs_build(repo, site)
    assert done.returncode == 0, done.stderr[-3000:]
    pages = {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in site.rglob("*.html")}
    assert "contract-types/services/index.html" in pages and len(pages) > 10
    found = {name: french_words(_visible(page)) for name, page in pages.items() if french_words(_visible(page))}
    assert found == {}
    assert not [name for name, page in pages.items() if 'lang="fr' in page]
    assert sorted(p.name for p in (site / "contract-types" / "specimens").iterdir()) == [
        "services-en.docx", "services-en.pdf"]
