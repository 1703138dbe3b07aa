"""`clausier check`: every problem, with its place; nothing is written."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import ContentError
from ..repository import agreement_paths, load_agreement, load_repository
from .common import err


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.pass_obj
def check(root: Path, paths: tuple[str, ...]) -> None:
    """Validate the library, the templates and the agreements (nothing is written)."""
    from ..assemble import assemble

    repo = load_repository(root)
    findings = list(repo.findings)
    for path in agreement_paths(repo, [Path(p) for p in paths] or None):
        try:
            assemble(repo, load_agreement(repo, path))
        except ContentError as exc:
            findings.extend(exc.findings)
    for finding in sorted(set(findings), key=lambda f: (f.path, f.line, f.col, f.message)):
        err.print(str(finding), markup=False)
    errors = [f for f in findings if f.level == "error"]
    err.print(f"[{'red' if errors else 'green'}]{len(errors)} error(s)[/]")
    sys.exit(1 if errors else 0)
