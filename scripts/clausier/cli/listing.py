"""`clausier list`: templates, clauses and agreements."""

from __future__ import annotations

from pathlib import Path

import click

from .common import err, out


@click.command(name="list")
@click.pass_obj
def list_(root: Path) -> None:
    """List templates, clauses and agreements."""
    from rich.table import Table
    from rich.text import Text

    from ..errors import ContentError
    from ..repository import agreement_paths, load_agreement, load_repository  # the models: only when listing

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
    for column in ("agreement", "template", "language", "status", "notes"):
        table.add_column(column)
    loaded, invalid = [], []
    for path in agreement_paths(repo):
        try:
            loaded.append(load_agreement(repo, path))
        except ContentError:
            invalid.append(repo.rel(path))
    amended_by: dict[str, list[str]] = {}
    for agreement in loaded:
        if agreement.model.amends:
            amended_by.setdefault(agreement.model.amends, []).append(agreement.id)
    for agreement in loaded:
        model = agreement.model
        language = model.language or (repo.config.language if repo.config else "fr")
        notes = []
        if model.signed:
            notes.append(f"signed {model.signed.on}")
        if model.amends:
            notes.append(f"amends {model.amends}")
        if agreement.id in amended_by:
            notes.append("amended by " + ", ".join(amended_by[agreement.id]))
        table.add_row(agreement.id, model.template, language, model.status, "; ".join(notes))
    for shown in invalid:
        table.add_row(shown, "—", "—", Text.assemble(("invalid", "red"), " (run clausier check)"), "")  # no markup: see common.py
    out.print(table)
    for finding in repo.errors():
        err.print(str(finding), markup=False)
