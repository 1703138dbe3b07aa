"""Reading a repository as it was at a revision, from git objects."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from clausier.gitsource import GitError, changed_files, default_base, resolve, tree_at
from clausier.repository import load_repository


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout


def commit_all(root: Path, message: str) -> str:
    git(root, "add", "-A")
    git(root, "-c", "user.name=Test", "-c", "user.email=test@example.com", "commit", "-qm", message)
    return git(root, "rev-parse", "HEAD").strip()


@pytest.fixture
def history(repo):
    git(repo, "init", "-q", "-b", "main")
    first = commit_all(repo, "first")
    clause = repo / "clauses/termination/fr.md"
    clause.write_text(clause.read_text().replace("30 jours", "45 jours").replace("Les articles survivent.",
                                                                                 "Les articles survivent toujours."))
    return repo, first


def test_a_revision_is_read_from_git_objects_not_the_working_tree(history):
    repo, first = history
    with tree_at(repo, first) as old:
        text = (old / "clauses/termination/fr.md").read_text()
        assert "Les articles survivent." in text
        assert load_repository(old).findings == []
    assert "toujours" in (repo / "clauses/termination/fr.md").read_text()


def test_changed_files_include_the_working_tree(history):
    repo, first = history
    (repo / "agreements/new.md").write_text("x")
    assert changed_files(repo, first) == ["agreements/new.md", "clauses/termination/fr.md"]


def test_default_base_is_the_merge_base_with_main(history):
    repo, first = history
    assert default_base(repo) == first


def test_unknown_revision_and_not_a_repository_are_clear_errors(history, tmp_path):
    repo, _ = history
    with pytest.raises(GitError, match="unknown revision 'v9.9'"):
        resolve(repo, "v9.9")
    with pytest.raises(GitError, match="is not a git repository"):
        resolve(tmp_path, "HEAD")
