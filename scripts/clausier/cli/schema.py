"""`clausier schema`: write the JSON Schema of agreement front matter."""

from __future__ import annotations

from pathlib import Path

import click

from ..output import write_atomic
from .common import out, shown

SCHEMA_PATH = "schema/agreement.schema.json"  # schema.SCHEMA_PATH, spelt here so other commands do not import the models


@click.command()
@click.option("--out", "target", type=click.Path(dir_okay=False), help=f"Where to write it (default: {SCHEMA_PATH}).")
@click.option("--stdout", "to_stdout", is_flag=True, help="Print it instead of writing a file.")
@click.pass_obj
def schema(root: Path, target: str | None, to_stdout: bool) -> None:
    """Write the JSON Schema (draft-07) of agreement front matter, for editors and CI."""
    from ..languages import library_languages
    from ..schema import schema_text

    text = schema_text(library_languages(root))  # `language:` is one of the library's languages
    if to_stdout:
        click.echo(text, nl=False)
        return
    path = Path(target) if target else root / SCHEMA_PATH
    write_atomic(path, text.encode("utf-8"))
    out.print(f"wrote {shown(path)}", markup=False)
