"""`clausier list`: templates, clauses and agreements."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from ..errors import ContentError
from ..repository import agreement_paths, load_agreement, load_repository
from .common import err, out


@click.command(name="list")
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
