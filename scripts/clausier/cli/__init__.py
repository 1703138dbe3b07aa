"""The `clausier` command: a thin layer over the library, one module per command."""

from __future__ import annotations

import click

from .build import build
from .check import check
from .common import find_root
from .diff import diff
from .impact import impact
from .listing import list_
from .new import new
from .schema import schema
from .signoff import sign_off


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--root", type=click.Path(file_okay=False), help="Repository folder (default: found from the current folder).")
@click.version_option(package_name="clausier")
@click.pass_context
def main(ctx: click.Context, root: str | None) -> None:
    """Clausier: service agreements as code."""
    ctx.obj = find_root(root)


for command in (build, new, list_, check, schema, sign_off, diff, impact):
    main.add_command(command)
