"""`clausier sign-off`: freeze a signed agreement."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from ..errors import ClausierError
from .common import err, out


def _render(repo, agreement):
    from ..pipeline import render_outputs

    _, outputs = render_outputs(repo, agreement, ["md", "pdf"])
    return outputs["md"], outputs["pdf"]


@click.command(name="sign-off")
@click.argument("agreement", type=click.Path(exists=True, dir_okay=False))
@click.option("--date", "on", type=click.DateTime(formats=["%Y-%m-%d"]), help="Signing date (default: today).")
@click.pass_obj
def sign_off(root: Path, agreement: str, on) -> None:
    """Record that AGREEMENT is signed: status, date, library commit and the hashes of its text and PDF."""
    from ..signoff import sign_off as run_sign_off  # git, ruamel and the models: only when signing

    date = on.date() if on else dt.date.today()
    try:
        signed = run_sign_off(root, Path(agreement).resolve(), date, _render)
    except ClausierError as exc:
        err.print(f"error: {exc}", markup=False)
        sys.exit(1)
    out.print(f"signed on {signed.on}, library {signed.commit[:12]}, PDF sha256 {signed.pdf_sha256[:16]}…; "
              "commit the agreement now", markup=False)
