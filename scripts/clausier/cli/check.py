"""`clausier check`: every problem at once, each with its place; nothing is written (but --fix)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import err, out

FORMATS = ("human", "github", "json")  # lint.report.FORMATS, spelt here so `clausier build` does not import the checks


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="human", show_default=True,
              help="human (grouped, with the line shown), github (annotations) or json.")
@click.option("--strict", is_flag=True, help="Warnings fail the check too.")
@click.option("--errors-only", is_flag=True, help="Run and report only what is an error.")
@click.option("--fix", is_flag=True, help="Normalise text to Unicode NFC in the files that need it, then check.")
@click.pass_obj
def check(root: Path, paths: tuple[str, ...], fmt: str, strict: bool, errors_only: bool, fix: bool) -> None:
    """Check the library, templates and agreements (default: all) and report every finding.

    Exit status: 0 clean (warnings allowed unless --strict), 1 findings, 2 usage or configuration error.
    """
    from ..lint import check_repository  # the checks load the whole pipeline: only when checking
    from ..lint.fix import normalise_files
    from ..lint.report import as_github, as_json, print_human

    if not (root / "clausier.yml").exists():
        raise click.UsageError(f"no clausier.yml in {root}: run inside a Clausier repository or pass --root")
    selected = _agreements_to_check(root, [Path(p) for p in paths])
    checked = check_repository(root, selected, errors_only)
    findings = checked.findings
    if fix:
        fixed = normalise_files(root, [f.path for f in findings if f.rule == "unicode-nfc"])
        for shown in fixed:
            err.print(f"normalised {shown} to NFC", markup=False)
        if fixed:
            checked = check_repository(root, selected, errors_only)
            findings = checked.findings
    # A clausier.yml that does not load is a configuration error (exit 2); a wrong number in a
    # loaded one is an ordinary finding (exit 1).
    config_errors = [f for f in findings if f.path == "clausier.yml" and f.level == "error"
                     and f.rule in ("schema", "yaml", "encoding", "repository")]
    if fmt == "json":
        out.print(as_json(findings), markup=False, soft_wrap=True)
    elif fmt == "github":
        if findings:
            out.print(as_github(findings), markup=False, soft_wrap=True)
    else:
        print_human(findings, root, err.get(), len(checked.silenced))
    if config_errors:
        sys.exit(2)
    failing = [f for f in findings if f.level == "error" or strict]
    sys.exit(1 if failing else 0)


def _agreements_to_check(root: Path, paths: list[Path]) -> list[Path] | None:
    """Named agreements alone; any other file (a clause, a template, clausier.yml) can change
    every agreement, so then all of them are checked. None means all."""
    if not paths:
        return None
    agreements_dir = (root / "agreements").resolve()
    named = [p for p in paths if p.suffix == ".md" and p.resolve().parent == agreements_dir]
    return named if len(named) == len(paths) else None
