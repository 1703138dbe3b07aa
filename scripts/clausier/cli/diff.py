"""`clausier diff`: the redline of one agreement between two revisions."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import ClausierError
from .common import err, out, shown


@click.command()
@click.argument("agreement")
@click.option("--base", help="Revision to compare from (default: the merge base with the main branch).")
@click.option("--head", help="Revision to compare to (default: the working tree).")
@click.option("--to", "to", default="html,pdf,docx,md", show_default=True,
              help="Outputs, comma-separated: html, pdf (marked redlines), docx (tracked changes), md (summary).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Output folder (default: build/diff/<id>/).")
@click.pass_obj
def diff(root: Path, agreement: str, base: str | None, head: str | None, to: str, out_dir: str | None) -> None:
    """Redline of AGREEMENT (a file in agreements/ or an id) between --base and --head.

    Prints the summary (Markdown, for a pull request) on standard output.
    Exit status: 0 done (changed or not), 1 the agreement does not assemble or render on a side,
    2 usage error (unknown revision or agreement, not a git repository, unknown format).
    """
    from ..two_sides import SideError, UsageProblem, diff_agreement, parse_diff_formats  # the redline engine: only here
    from ..gitsource import GitError

    try:
        formats = parse_diff_formats(to)
        result = diff_agreement(root, agreement, base, head, formats, Path(out_dir) if out_dir else None)
    except (GitError, UsageProblem) as exc:
        raise click.UsageError(str(exc)) from None
    except (SideError, ClausierError) as exc:
        err.print(str(exc), markup=False)
        sys.exit(1)
    for note in result.notes:
        err.print(f"note: {note}", markup=False)
    out.print(result.summary, markup=False, soft_wrap=True)
    for path in result.outputs.values():
        err.print(f"wrote {shown(path)}", markup=False)
    err.print(f"{result.agreement_id}: {result.base.label} → {result.head.label} in {result.seconds:.1f} s", markup=False)
