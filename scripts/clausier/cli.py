"""The `clausier` command: a thin layer over the library."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from .build import AgreementResult, build as run_build, parse_formats
from .errors import ClausierError, ContentError
from .repository import agreement_paths, load_agreement, load_repository
from .skeleton import skeleton

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


def _root(path: str | None) -> Path:
    """The repository: --root, else the nearest folder upwards holding clausier.yml."""
    if path:
        return Path(path).resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "clausier.yml").exists():
            return folder
    return here


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--root", type=click.Path(file_okay=False), help="Repository folder (default: found from the current folder).")
@click.version_option(package_name="clausier")
@click.pass_context
def main(ctx: click.Context, root: str | None) -> None:
    """Clausier: service agreements as code."""
    ctx.obj = _root(root)


@main.command()
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
                files = ", ".join(_shown(Path(p)) for p in result.outputs.values())
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


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


@main.command()
@click.option("--template", "-t", required=True, help="Contract type (see `clausier list`).")
@click.option("--lang", "language", type=click.Choice(["fr", "en"]), required=True, help="Language of the agreement.")
@click.option("--id", "agreement_id", help="Identifier and file name (default: <date>-<template>).")
@click.pass_obj
def new(root: Path, template: str, language: str, agreement_id: str | None) -> None:
    """Write a complete agreement skeleton to agreements/<id>.md."""
    repo = load_repository(root)
    valid = sorted(n for n, t in repo.templates.items() if t.meta is not None)
    if template not in valid:
        raise click.UsageError(f"unknown template {template!r}; valid templates: {', '.join(valid)}")
    today = dt.date.today()
    agreement_id = agreement_id or f"{today.isoformat()}-{template}"
    if not all(c.isalnum() or c in "-_" for c in agreement_id):
        raise click.UsageError("--id may only hold letters, digits, '-' and '_'")
    target = repo.root / "agreements" / f"{agreement_id}.md"
    if target.exists():
        raise click.UsageError(f"{_shown(target)} already exists; choose another --id")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(skeleton(repo, template, language, agreement_id, today), encoding="utf-8")
    out.print(f"wrote {_shown(target)}: fill it in, then run `make pdf`")


@main.command(name="list")
@click.pass_obj
def list_(root: Path) -> None:
    """List templates, clauses and agreements."""
    repo = load_repository(root)
    table = Table(title="Templates")
    for column in ("template", "title (fr)", "title (en)", "clauses"):
        table.add_column(column)
    for name, template in sorted(repo.templates.items()):
        if template.meta:
            table.add_row(name, template.meta.title.fr, template.meta.title.en, str(len(template.meta.clauses)))
    out.print(table)
    table = Table(title="Clauses")
    for column in ("clause", "category", "version", "variants", "title (fr)"):
        table.add_column(column)
    for clause_id, clause in sorted(repo.clauses.items()):
        table.add_row(clause_id, clause.meta.category, clause.meta.version, ", ".join(clause.variants()),
                      clause.title("fr"))
    out.print(table)
    table = Table(title="Agreements")
    for column in ("agreement", "template", "language", "status"):
        table.add_column(column)
    for path in agreement_paths(repo):
        try:
            agreement = load_agreement(repo, path)
        except ContentError:
            table.add_row(repo.rel(path), "—", "—", "[red]invalid[/] (run clausier check)")
            continue
        language = agreement.model.language or (repo.config.language if repo.config else "fr")
        table.add_row(agreement.id, agreement.model.template, language, agreement.model.status)
    out.print(table)
    for finding in repo.errors():
        err.print(str(finding), markup=False)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.pass_obj
def check(root: Path, paths: tuple[str, ...]) -> None:
    """Validate the library, the templates and the agreements (nothing is written)."""
    from .assemble import assemble

    repo = load_repository(root)
    findings = list(repo.findings)
    for path in agreement_paths(repo, [Path(p) for p in paths] or None):
        try:
            assemble(repo, load_agreement(repo, path))
        except ContentError as exc:
            findings.extend(exc.findings)
    for finding in sorted(set(findings), key=lambda f: (f.path, f.line, f.col, f.message)):
        err.print(str(finding), markup=False)
    errors = [f for f in findings if f.level == "error"]
    err.print(f"[{'red' if errors else 'green'}]{len(errors)} error(s)[/]")
    sys.exit(1 if errors else 0)
