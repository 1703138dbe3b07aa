"""`clausier import FILE --as ID`: an existing contract into a template and its clauses."""

from __future__ import annotations

from pathlib import Path

import click

from .common import out


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--as", "template_id", required=True, metavar="TEMPLATE_ID",
              help="Id of the template to write (templates/<TEMPLATE_ID>.md.j2), e.g. mutual-nda.")
@click.option("--language", help="Language of the document, one of the library's (default: the file's, else "
              "guessed from its words).")
@click.option("--category-map", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE.yml",
              help="Categories to give: one `section title or clause id: category` per line, each a category of "
              "clausier.yml (default: guessed from the section's title).")
@click.option("--force", is_flag=True, help="Replace a template of that id imported before, and its clauses.")
@click.pass_obj
def import_(root: Path, file: Path, template_id: str, language: str | None, category_map: Path | None,
            force: bool) -> None:
    """Import FILE (.docx, .odt, .md or .html): one clause per section, a template listing them
    with the numbering found, an example agreement, and a report (build/import/<TEMPLATE_ID>.md).
    Writes all its files or none."""
    from ..importer import import_contract

    done = import_contract(root, file, template_id, language, force, category_map=category_map)
    out.print(done.report, markup=False)
    out.print(f"wrote {len(done.written)} files; report: {done.report_path}", markup=False)
