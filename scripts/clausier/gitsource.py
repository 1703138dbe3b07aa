"""The repository as it was at a git revision, read from git objects (nothing is checked out).

`git archive` exports the content folders of a revision into a scratch folder, which is then
loaded like any repository: same loader, same safety rules (symbolic links stay links and are
refused), same relative paths in every message.
"""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import ClausierError

CONTENT = ("clausier.yml", "clauses", "templates", "agreements")


class GitError(ClausierError):
    """A git command failed: not a repository, an unknown revision…"""


class NotARepository(GitError):
    pass


def git(root: Path, *args: str, binary: bool = False) -> str | bytes:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, timeout=120)
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        if "not a git repository" in message:
            raise NotARepository(f"{root} is not a git repository: clausier diff, impact and sign-off need git history")
        raise GitError(f"git {' '.join(args[:2])} failed: {message}")
    return done.stdout if binary else done.stdout.decode("utf-8", "replace")


def resolve(root: Path, revision: str) -> str:
    """The full commit id of a revision, or a clear error naming it."""
    try:
        return git(root, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}").strip()
    except NotARepository:
        raise
    except GitError:
        raise GitError(f"unknown revision {revision!r}: give a commit, a branch or a tag that exists") from None


def default_base(root: Path) -> str:
    """The merge base with the main branch (main, else master, else the first commit)."""
    for branch in ("origin/main", "main", "origin/master", "master"):
        try:
            return git(root, "merge-base", "HEAD", branch).strip()
        except GitError:
            continue
    raise GitError("no main branch to compare with: pass --base REV")


def changed_files(root: Path, base: str, head: str | None = None) -> list[str]:
    """Files changed between base and head (default: the working tree, staged or not)."""
    args = ["diff", "--name-only", base] + ([head] if head else [])
    names = git(root, *args).split("\n")
    if head is None:
        names += git(root, "ls-files", "--others", "--exclude-standard").split("\n")
    return sorted({n for n in names if n})


def export(root: Path, revision: str, destination: Path) -> Path:
    """Write the content folders of `revision` into `destination` (a scratch folder)."""
    commit = resolve(root, revision)
    listed = set(git(root, "ls-tree", "--name-only", commit).split("\n"))
    paths = [p for p in CONTENT if p in listed]
    destination.mkdir(parents=True, exist_ok=True)
    if not paths:
        return destination
    data = git(root, "archive", "--format=tar", commit, "--", *paths, binary=True)
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        archive.extractall(destination, filter="data")
    return destination


@contextmanager
def tree_at(root: Path, revision: str) -> Iterator[Path]:
    """A scratch folder holding the repository's content as of `revision`, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="clausier-rev-") as scratch:
        yield export(root, revision, Path(scratch) / "repo")


def path_in_repository(root: Path, given: str) -> str | None:
    """A path given on the command line, relative to the repository ("." for the root): taken
    from the current folder first, then from the root; None when it lies outside."""
    path = Path(given)
    candidates = [path] if path.is_absolute() else [Path.cwd() / path, root / path]
    for candidate in candidates:
        try:
            relative = Path(os.path.abspath(candidate)).relative_to(Path(os.path.abspath(root)))
        except ValueError:
            continue
        if candidate.exists() or candidate.is_symlink() or candidate is candidates[-1]:
            return relative.as_posix() if relative.parts else "."
    return None
