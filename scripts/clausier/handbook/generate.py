"""The handbook's pages as a plain step: load and check the library, make the pages, write them.

`clausier handbook pages --out DIR` and the MkDocs plugin both start here: `checked_library`
refuses a library with errors (the findings `check` reports, at their file and line), and the
pages come from `handbook_outline` and `clause_pages` (pages.py), which no site engine touches.
`write_pages` puts them in a folder with their navigation, for any static-site tool to read.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import ClausierError, ContentError
from ..gitsource import git_command
from ..rendered_library import library_findings
from ..repository import Repository, load_repository
from .pages import Handbook, handbook_pages

NAV_FILE = "nav.json"


def checked_library(root: Path) -> Repository:
    """The library at `root`, or ContentError with every finding that would break a page."""
    repo = load_repository(root)
    errors = repo.errors()
    if errors or repo.config is None:
        raise ContentError(errors) if errors else ClausierError(f"{root}: no clausier.yml")
    # Every clause rendered as its page will be, before any page is made: `check`'s findings
    # (rule `renders`), one line each at the clause file and line, never a page's traceback.
    errors = [f for f in library_findings(repo, told=True) if f.level == "error"]
    if errors:
        raise ContentError(errors)
    return repo


def last_changes(root: Path) -> dict[str, str]:
    """Clause id → date of the last commit that touched its folder (one git call)."""
    try:
        command, env = git_command(root, "log", "--format=%x00%cs", "--name-only", "--", "clauses")
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return {}
    if done.returncode != 0:
        return {}
    changes: dict[str, str] = {}
    date = ""
    for line in done.stdout.split("\n"):
        if line.startswith("\x00"):
            date = line[1:]
        elif line.startswith("clauses/") and date:
            changes.setdefault(line.split("/")[1], date)
    return changes


def generated_pages(root: Path, with_specimens: bool = False) -> Handbook:
    """Every generated page, rendered, and the navigation that lists them."""
    return handbook_pages(checked_library(root), last_changes(root), with_specimens)


def write_pages(root: Path, out: Path, with_specimens: bool = False) -> list[Path]:
    """Write every generated page under `out` (paths as in the site: clauses/<category>/<id>.md …)
    and `nav.json`, the navigation of those pages as MkDocs writes a `nav:`; returns the files.

    All or nothing: the pages are written to a new folder next to `out`, which then takes its
    place. `out` must be missing, empty, or an earlier output (it holds nav.json): any other
    folder is refused rather than replaced."""
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / NAV_FILE).is_file())):
        raise ClausierError(f"{out}: not empty and not an earlier `clausier handbook pages` output; "
                            "give a new or empty folder")
    book = generated_pages(root, with_specimens)
    out.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        for page in book.pages:
            target = scratch / page.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(page.content, encoding="utf-8")
        (scratch / NAV_FILE).write_text(json.dumps(book.nav, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        os.replace(scratch, out)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return [out / page.path for page in book.pages] + [out / NAV_FILE]
