"""`clausier build`: agreements into PDF, DOCX, HTML and Markdown."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..build import AgreementResult, build as run_build, parse_formats
from ..errors import ClausierError
from .common import err, shown


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--to", "to", default="pdf", show_default=True, help="Formats, comma-separated: pdf,docx,html,md.")
@click.option("--out", type=click.Path(file_okay=False), help="Output folder (default: build/).")
@click.option("--quiet", "-q", is_flag=True, help="Print errors and the summary only.")
@click.pass_obj
def build(root: Path, paths: tuple[str, ...], to: str, out: str | None, quiet: bool) -> None:
    """Build agreements (default: every file in agreements/) into build/<id>/."""
    try:
        formats = parse_formats(to)
    except ClausierError as exc:
        raise click.UsageError(str(exc)) from None

    def show(result: AgreementResult) -> None:
        if result.ok:
            if not quiet:
                files = ", ".join(shown(Path(p)) for p in result.outputs.values())
                err.print(f"[green]✓[/] {result.id}  →  {files}")
        else:
            err.print(f"[red]✗[/] {result.path}")
            for line in result.errors:
                err.print(f"  {line}", markup=False)

    report = run_build(root, [Path(p) for p in paths] or None, formats, Path(out) if out else None, on_result=show)
    for finding in report.library_errors:
        err.print(str(finding), markup=False)
    built, failed = len(report.results) - len(report.failed), len(report.failed)
    colour = "red" if failed or report.library_errors else "green"
    err.print(f"[{colour}]built {built}, failed {failed}[/]"
              + (f", library errors {len(report.library_errors)}" if report.library_errors else ""))
    if failed:
        err.print("failed: " + ", ".join(r.path for r in report.failed), markup=False)
    sys.exit(0 if report.ok else 1)
