"""A library loaded clause by clause (a build's worker): the same text as the whole library,
only the clauses an agreement uses read, errors and messages alike."""

from __future__ import annotations

import pytest

from clausier.assemble import assemble
from clausier.errors import ContentError
from clausier.repository import agreement_paths, load_agreement, load_repository

from conftest import PROJECT


def test_a_library_loaded_clause_by_clause_assembles_the_same_and_reads_only_what_it_uses():
    """A lone rebuild's worker loads each clause when first asked for: every example agreement
    assembles to the same Markdown as from the whole library, with only its own clauses loaded;
    asking for a clause that does not exist lists every clause, as the whole library does."""
    eager = load_repository(PROJECT)
    for path in agreement_paths(eager):
        lazy = load_repository(PROJECT, lazy_clauses=True)
        assembled = assemble(lazy, load_agreement(lazy, path))
        assert assembled.markdown == assemble(eager, load_agreement(eager, path)).markdown, path.name
        used = {a.id for a in assembled.plan.articles if a.id in eager.clauses}
        assert set(lazy.clauses._loaded) == used and len(used) < len(eager.clauses)
    lazy = load_repository(PROJECT, lazy_clauses=True)
    assert "no-such-clause" not in lazy.clauses and list(lazy.clauses) == list(eager.clauses)
    assert len(lazy.clauses) == len(eager.clauses) and lazy.errors() == eager.errors() == []


def test_a_clause_with_errors_is_missing_from_a_library_loaded_clause_by_clause_too(repo):
    (repo / "clauses/fees/fr.md").write_text("no front matter\n")
    eager, lazy = load_repository(repo), load_repository(repo, lazy_clauses=True)
    assert "fees" not in eager.clauses and "fees" in eager.broken
    assert "fees" not in lazy.clauses and "fees" in lazy.broken and lazy.errors() == eager.errors()
    for library in (eager, lazy):  # the agreement that uses it fails alike
        with pytest.raises(ContentError) as caught:
            assemble(library, load_agreement(library, repo / "agreements/acme-fr.md"))
        assert "'fees', which has errors" in str(caught.value.findings)
