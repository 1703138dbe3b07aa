"""`clausier impact`: the agreements a change to the library touches."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from typing import TYPE_CHECKING

from .common import err, out

if TYPE_CHECKING:
    from ..impact import AgreementImpact, ImpactReport


@click.command()
@click.argument("paths", nargs=-1)
@click.option("--base", help="Revision to compare from (default: the merge base with the main branch).")
@click.option("--format", "fmt", type=click.Choice(["human", "json", "paths", "paths0"]), default="human",
              show_default=True, help="human (a table), json, paths (the files of the agreements to rebuild, one "
              "a line), or paths0 (the same, each ended by a NUL byte: for `xargs -0 ... --`, any file name).")
@click.pass_obj
def impact(root: Path, paths: tuple[str, ...], base: str | None, fmt: str) -> None:
    """Agreements whose rendered text changes because of PATHS (clauses, templates, clausier.yml,
    agreements; default: every file changed since --base), with the words changed; signed ones
    are flagged. Always exits 0 on a result; 2 on a usage error (unknown revision, not a git
    repository)."""
    from ..two_sides import UsageProblem  # the comparison pipeline: only for this command
    from ..gitsource import GitError
    from ..impact import impact as run_impact

    try:
        report = run_impact(root, list(paths) or None, base)
    except (GitError, UsageProblem) as exc:
        raise click.UsageError(str(exc)) from None
    if fmt == "json":
        out.print(json.dumps(report.as_json(), indent=2, ensure_ascii=False), markup=False, soft_wrap=True)
    elif fmt == "paths":
        for entry in report.agreements:
            if entry.state not in ("removed", "frozen"):
                out.print(entry.path, markup=False, soft_wrap=True)
    elif fmt == "paths0":  # raw bytes: no console wrapping, no escaping, nothing but the names
        sys.stdout.flush()
        sys.stdout.buffer.write(b"".join(os.fsencode(e.path) + b"\0" for e in report.agreements
                                         if e.state not in ("removed", "frozen")))
        sys.stdout.buffer.flush()
    else:
        _print_human(report)
    for error in report.errors:
        err.print(f"warning: {error}", markup=False)


def _articles(entry: AgreementImpact) -> str:
    changed = [a for a in entry.articles if a.status != "renumbered"]
    parts = [(a.number or a.title) + ("" if a.status == "changed" else f" ({a.status})") for a in changed]
    renumbered = sum(1 for a in entry.articles if a.status == "renumbered")
    if renumbered:
        parts.append(f"{renumbered} renumbered")
    return ", ".join(parts)


def _print_human(report: ImpactReport) -> None:
    files = ", ".join(report.paths) if report.paths else "none"
    out.print(f"changes since {report.base.label}: {files}", markup=False, soft_wrap=True)
    if report.ignored:
        shown = ", ".join(report.ignored[:5]) + (f" and {len(report.ignored) - 5} more" if len(report.ignored) > 5 else "")
        out.print(f"not contract content (no effect on the text): {shown}", markup=False, soft_wrap=True)
    if not report.paths:
        out.print("no clause, template, clausier.yml or agreement changed", markup=False)
        return
    if not report.agreements:
        out.print(f"no agreement's text changes ({report.unchanged} unchanged)", markup=False)
        return
    rows = [("agreement", "status", "change", "words", "articles")]
    for entry in report.agreements:
        status = "SIGNED ⚠" if entry.signed else entry.status
        rows.append((entry.id, status, entry.state, f"+{entry.added} −{entry.removed}", _articles(entry)))
    widths = [max(len(row[k]) for row in rows) for k in range(4)]
    for row in rows:
        out.print("  ".join(cell.ljust(widths[k]) for k, cell in enumerate(row[:4])) + "  " + row[4],
                  markup=False, soft_wrap=True)
    signed = sum(1 for e in report.agreements if e.signed)
    broken = sum(1 for e in report.agreements if e.state == "broken")
    line = f"{len(report.agreements)} agreement{'s' if len(report.agreements) != 1 else ''} changed, {report.unchanged} unchanged"
    if broken:
        line += f"; {broken} no longer build{'s' if broken == 1 else ''} (the reasons follow)"
    if signed:
        line += (f"; {signed} signed: a signed agreement keeps its signed text (state 'frozen' once signed off), "
                 "change it with an amendment (`amends: <id>`)")
    out.print(line, markup=False, soft_wrap=True)
