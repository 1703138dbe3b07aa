"""`clausier handbook pages --out DIR`: the generated pages and navigation as plain files."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from clausier.cli import main
from clausier.handbook.pages import handbook_pages
from clausier.repository import load_repository

runner = CliRunner()


def _pages(repo: Path, out: Path):
    return runner.invoke(main, ["--root", str(repo), "handbook", "pages", "--out", str(out)], catch_exceptions=False)


def test_handbook_pages_writes_every_generated_page_and_the_navigation(repo, tmp_path):
    out = tmp_path / "pages"
    done = _pages(repo, out)
    assert done.exit_code == 0, done.output
    book = handbook_pages(load_repository(repo), with_specimens=False)
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*.md"))
    assert written == sorted(page.path for page in book.pages)
    clause_ids = {p.name for p in (repo / "clauses").iterdir() if (p / "clause.yml").is_file()}
    assert {Path(p).stem for p in written if not p.endswith("index.md") and p.startswith("clauses/")} == clause_ids
    termination = (out / "clauses/termination/termination.md").read_text()
    assert termination.startswith('---\ntitle: "Résiliation · Termination"') and "### Risques · Risks" in termination
    assert "(specimens/" not in (out / "contract-types/mini.md").read_text()  # no links to files it does not write
    nav = json.loads((out / "nav.json").read_text())
    assert nav == book.nav and nav[0]["Clauses"][0] == "clauses/index.md"
    # Run again: the earlier output is replaced, a page of a clause removed since goes with it.
    (out / "clauses/termination/stale.md").write_text("old")
    assert _pages(repo, out).exit_code == 0
    assert not (out / "clauses/termination/stale.md").exists()


def test_handbook_pages_refuses_a_folder_it_did_not_write(repo, tmp_path):
    out = tmp_path / "notes"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    done = _pages(repo, out)
    assert done.exit_code == 1 and "not empty and not an earlier" in done.output
    assert (out / "mine.txt").read_text() == "keep me"


def test_handbook_pages_reports_a_broken_clause_at_its_place_and_writes_nothing(repo, tmp_path):
    clause = repo / "clauses/fees/clause.yml"
    clause.write_text(clause.read_text() + "feess: 1\n")
    done = _pages(repo, tmp_path / "pages")
    assert done.exit_code == 1
    assert "clauses/fees/clause.yml:3:1: error: unknown key 'feess'" in done.output
    assert not (tmp_path / "pages").exists() and list(tmp_path.iterdir()) == [repo]
