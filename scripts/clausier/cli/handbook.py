"""`clausier handbook pages`: the handbook's generated pages and navigation, as plain files."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import err


@click.group()
def handbook() -> None:
    """The clause handbook (`make docs` builds the site with MkDocs)."""


@handbook.command()
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the pages to: new, empty, or an earlier output (it is replaced).")
@click.option("--specimens/--no-specimens", default=False, show_default=True,
              help="Link template pages to specimen PDF and DOCX files (which `mkdocs build` makes).")
@click.pass_obj
def pages(root: Path, out_dir: Path, specimens: bool) -> None:
    """Write the generated pages (clauses, categories, contract types) and nav.json to a folder.

    The same pages the MkDocs plugin adds to the handbook, for review or for another site tool.
    Exit status: 0 written, 1 the library has errors (each at its file and line).
    """
    from ..errors import ClausierError  # the library: only when the command runs
    from ..handbook.generate import write_pages

    try:
        written = write_pages(root, out_dir, specimens)
    except ClausierError as exc:
        err.print(f"handbook pages: {exc}", markup=False)
        sys.exit(1)
    err.print(f"wrote {len(written) - 1} pages and nav.json to {out_dir}", markup=False)
