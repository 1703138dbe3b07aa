"""`clausier init DIR`: a new contracts repository, ready to check and build."""

from __future__ import annotations

from pathlib import Path

import click

from .common import out, shown


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--languages", default="fr,en", show_default=True,
              help="The library's languages, comma-separated: en, fr or fr,en (the first is the default language).")
def init(folder: Path, languages: str) -> None:
    """Write a new contracts repository into FOLDER (new or empty): clausier.yml, Makefile,
    mkdocs.yml, CI workflow, styles, one template with its clauses and an example agreement."""
    from ..init import InitError, init_repository, parse_languages

    try:
        written = init_repository(folder, parse_languages(languages))
    except InitError as exc:
        raise click.UsageError(str(exc)) from None
    out.print(f"wrote {len(written)} files into {shown(folder)}; next: cd {shown(folder)} && make check pdf",
              markup=False)
