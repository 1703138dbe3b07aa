"""The handbook built by the real `mkdocs build --strict`, for a test library and for ours."""

from __future__ import annotations

import gzip
from pathlib import Path

from conftest import PROJECT, write
from sitebuild import add_handbook, mkdocs_build

CANARY = "CANARY-4f81c2-Zéphyrine"


def _site_files(site: Path):
    for path in site.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            yield path, (gzip.decompress(data) if path.suffix == ".gz" else data)


def test_the_handbook_of_a_library_builds_strict_and_holds_no_client_data(repo, tmp_path):
    add_handbook(repo)
    agreement = repo / "agreements/acme-fr.md"
    text = agreement.read_text().replace("Atelier Lumière SARL", f"{CANARY} SARL")
    agreement.write_text(text + f"\nClause secrète {CANARY}.\n")
    write(repo, f"agreements/{CANARY.lower()}.md", text)
    (repo / "build" / "acme-fr").mkdir(parents=True)
    (repo / "build/acme-fr/acme-fr.md").write_text(CANARY)
    site = tmp_path / "site"
    done = mkdocs_build(repo, site)
    assert done.returncode == 0, done.stderr
    assert (site / "clauses/termination/termination/index.html").exists()
    assert (site / "contract-types/specimens/mini-fr.pdf").read_bytes().startswith(b"%PDF-")
    assert (site / "contract-types/specimens/mini-en.docx").read_bytes().startswith(b"PK")
    needles = [CANARY.encode(), CANARY.encode("unicode_escape"), CANARY.lower().encode(), b"acme-fr"]
    for path, data in _site_files(site):
        for needle in needles:
            assert needle not in data, f"{needle!r} leaked into {path}"


def test_the_project_handbook_builds_strict(tmp_path):
    done = mkdocs_build(PROJECT, tmp_path / "site")
    assert done.returncode == 0, done.stderr
    index = (tmp_path / "site/clauses/index.html").read_text()
    assert "Bibliothèque de clauses" in index
    search = (tmp_path / "site/search/search_index.json").read_text()
    assert '"lang":["fr","en"]' in search.replace(" ", "")


def test_a_broken_clause_stops_the_handbook_with_its_place(repo, tmp_path):
    add_handbook(repo)
    clause = repo / "clauses/fees/clause.yml"
    clause.write_text(clause.read_text() + "feess: 1\n")
    done = mkdocs_build(repo, tmp_path / "site")
    assert done.returncode != 0
    assert "clauses/fees/clause.yml:3:1: error: unknown key 'feess'" in done.stderr


def test_a_clause_that_does_not_render_stops_the_handbook_with_its_place(repo, tmp_path):
    add_handbook(repo)
    clause = repo / "clauses/liability/en.md"
    clause.write_text(clause.read_text() + "See {{ ref(\"warranty\") }}.\n")
    done = mkdocs_build(repo, tmp_path / "site")
    assert done.returncode != 0
    assert "clause 'liability' does not render with specimen data" in done.stderr
    assert "clauses/liability/en.md" in done.stderr and "ref('warranty')" in done.stderr


def test_the_page_worker_builds_the_same_site_as_mkdocs_alone(repo, tmp_path):
    add_handbook(repo)
    for n in range(40):  # enough clause pages for the worker to convert some of them
        write(repo, f"clauses/extra-{n:02d}/clause.yml", "category: general\nversion: 1.0.0\n")
        for lang, word in (("fr", "Clause"), ("en", "Clause")):
            write(repo, f"clauses/extra-{n:02d}/{lang}.md",
                  f"---\ntitle: {word} {n:02d}\nsummary: S.\nguidance: {{when: W., negotiation: N., risks: R.}}\n---\n"
                  f"## Titre\n\nTexte {n} voir [la résiliation](#art-termination).\n")
    mkdocs = repo / "mkdocs.yml"
    settings = mkdocs.read_text()
    sites = {}
    for parallel in ("true", "false"):
        mkdocs.write_text(settings.replace("specimens: true\n", f"specimens: true\n      parallel: {parallel}\n"))
        done = mkdocs_build(repo, tmp_path / parallel)
        assert done.returncode == 0, done.stderr
        sites[parallel] = {path.relative_to(tmp_path / parallel): data for path, data in _site_files(tmp_path / parallel)
                           if not path.name.startswith("sitemap")}
    assert sites["true"].keys() == sites["false"].keys()
    assert [p for p in sites["true"] if sites["true"][p] != sites["false"][p]] == []
