"""The handbook built by the real `mkdocs build --strict`, for a test library and for ours."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

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
    write(repo, "docs/guide-fr.md", "---\nlang: fr\n---\n# Guide\n\nUn guide écrit en français.\n")
    site = tmp_path / "site"
    done = mkdocs_build(repo, site)
    assert done.returncode == 0, done.stderr
    assert (site / "clauses/termination/termination/index.html").exists()
    assert '<html lang="fr"' in (site / "guide-fr/index.html").read_text()  # a page in French says so
    assert '<html lang="en"' in (site / "index.html").read_text()
    assert (site / "contract-types/specimens/mini-fr.pdf").read_bytes().startswith(b"%PDF-")
    assert (site / "contract-types/specimens/mini-en.docx").read_bytes().startswith(b"PK")
    needles = [CANARY.encode(), CANARY.encode("unicode_escape"), CANARY.lower().encode(), b"acme-fr"]
    for path, data in _site_files(site):
        for needle in needles:
            assert needle not in data, f"{needle!r} leaked into {path}"


@pytest.fixture(scope="module")
def project_site(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("project") / "site"
    done = mkdocs_build(PROJECT, site)
    assert done.returncode == 0, done.stderr
    return site


def _clause_categories() -> dict[str, str]:
    """Clause id → category, read from clauses/*/clause.yml."""
    return {meta.parent.name: re.search(r"^category: *(\S+)", meta.read_text(), re.M).group(1)
            for meta in (PROJECT / "clauses").glob("*/clause.yml")}


def test_the_project_handbook_builds_strict_with_a_page_per_clause(project_site):
    index = (project_site / "clauses/index.html").read_text()
    assert "Bibliothèque de clauses" in index
    search = (project_site / "search/search_index.json").read_text()
    assert '"lang":["fr","en"]' in search.replace(" ", "")
    categories = _clause_categories()
    assert len(categories) >= 40
    for clause_id, category in categories.items():
        assert (project_site / f"clauses/{category}/{clause_id}/index.html").is_file(), clause_id
    pages = {p.parent.name for p in project_site.glob("clauses/*/*/index.html")}
    assert pages == set(categories)


def _template_numbers(site: Path, clause_id: str, category: str) -> dict[str, str]:
    """Template → the article number its page gives the clause (N° column)."""
    numbers = {}
    for page in site.glob("contract-types/*/index.html"):
        row = re.search(rf'<td>([^<]+)</td>\s*<td><a href="../../clauses/{category}/{clause_id}/">', page.read_text())
        if row:
            numbers[page.parent.name] = row.group(1)
    return numbers


def test_a_clause_page_gives_its_article_number_in_each_template_and_no_other(project_site):
    numbers = _template_numbers(project_site, "termination", "termination")
    assert len(numbers) == 4 and len(set(numbers.values())) > 1  # a number per template, not one for all
    page = (project_site / "clauses/termination/termination/index.html").read_text()
    for template, number in numbers.items():
        assert f'<strong>{number}</strong> in <a href="../../../contract-types/{template}/">' in page
    article = page[page.index('<article'):page.index('</article>')]
    assert not re.search(r"<strong>\d+\.\d+", article)  # no sub-clause numbered as in a hidden specimen
    assert "<strong>X.1 Résiliation pour manquement</strong>" in article
    reference = '<a href="../../confidentiality/confidentiality/">Confidentialité</a>'
    assert f"l'article «\u00a0{reference}\u00a0»" in article


def test_french_text_is_marked_french(project_site):
    page = (project_site / "clauses/termination/termination/index.html").read_text()
    sets = page.split('<div class="tabbed-set')[1:]
    assert len(sets) >= 5  # guidance (3), text, variant
    for tabs in sets:
        head = tabs.split('<div class="tabbed-content">')[0]
        labels = re.findall(r'<label for="__tabbed_[0-9_]+">([^<]+)</label>', head)
        blocks = re.findall(r'<div class="tabbed-block">\s*<div lang="([a-z]+)">', tabs)
        assert labels == ["Français", "English"] and blocks == ["fr", "en"]
    text = page[page.index('<h2 id="texte-text">'):]
    french = text[text.index('<div lang="fr">'):text.index('<div lang="en">')]
    assert "Résiliation pour manquement" in french and "Termination for breach" not in french


def test_guidance_is_near_the_top_and_in_the_table_of_contents(project_site):
    page = (project_site / "clauses/termination/termination/index.html").read_text()
    toc = page[page.index('md-sidebar--secondary'):]
    for anchor in ("#when", "#negotiation", "#risks"):
        assert f'href="{anchor}"' in toc
    assert page.index('<h3 id="when">') < page.index('<h3 id="risks">') < page.index('<h2 id="texte-text">')


def test_the_checklist_links_every_element_to_its_clause_pages(project_site):
    rows = [line for line in (PROJECT / "docs/checklist.md").read_text().splitlines()
            if line.startswith("| ") and not line.startswith(("| element", "| ---"))]
    assert len(rows) >= 13
    for row in rows:
        cell = row.strip("| ").split(" | ")[-1]
        items = cell.split(", ")
        assert all(re.fullmatch(r"\[[^\]]+\]\(clauses/[a-z0-9-]+/[a-z0-9-]+\.md\)", item) for item in items), row
    html = (project_site / "checklist/index.html").read_text()
    links = re.findall(r'<a href="\.\./(clauses/[a-z0-9-]+/[a-z0-9-]+)/">', html)
    assert len(links) == sum(row.count("](clauses/") for row in rows)
    for target in links:  # the strict build checks them too; here: each opens a clause page
        assert (project_site / target / "index.html").is_file(), target


_EXTERNAL = re.compile(rb"""(?:src|href)\s*=\s*["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import""", re.I)


def test_the_site_loads_nothing_from_another_origin(project_site):
    # Links a reader clicks (<a href="https://…">) leave the site on purpose; nothing is loaded from one.
    for path, data in _site_files(project_site):
        if path.suffix in (".html", ".css", ".js"):
            for match in _EXTERNAL.finditer(data):
                start = data.rfind(b"<", 0, match.start())
                assert re.match(rb"<a\s", data[start:]), f"{path}: {data[start:match.end() + 40]!r}"


def test_search_index_holds_accent_folded_text(project_site):
    from clausier.handbook.foldsearch import fold

    index = json.loads((project_site / "search/search_index.json").read_text())
    assert index["config"]["fields"]["folded_text"] == index["config"]["fields"]["text"]
    termination = next(doc for doc in index["docs"] if doc["location"] == "clauses/termination/termination/")
    assert "Résiliation" in termination["title"] and termination["folded_title"].startswith("Resiliation")
    assert fold("Œuvre, préavis, façon") == "OEuvre, preavis, facon"


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
