"""`clausier preview`: an agreement in the browser, rendered again at each save."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import ClausierError
from .common import say


@click.command()
@click.argument("agreement")
@click.option("--port", type=click.IntRange(0, 65535), default=8100, show_default=True,
              help="Port on 127.0.0.1 (0: any free port). The preview never listens on another address.")
@click.option("--no-browser", is_flag=True, help="Do not open the page in the browser.")
@click.option("--pdf", is_flag=True, help="Also keep the PDF current, served at /pdf.")
@click.pass_obj
def preview(root: Path, agreement: str, port: int, no_browser: bool, pdf: bool) -> None:
    """Serve AGREEMENT (a file in agreements/ or an id) on http://127.0.0.1:PORT/ and render it
    again each time a file it depends on is saved: its own file, its template and the partials,
    the clauses it uses, clausier.yml and the styles. An edit that does not build shows its
    findings (path:line:col) above the last good rendering. Ctrl-C stops it.
    """
    from ..preview import run_preview  # the server and the renderers: only here

    try:
        run_preview(root, agreement, port=port, browser=not no_browser, pdf=pdf, say=say)
    except ClausierError as exc:
        raise click.ClickException(str(exc)) from None
