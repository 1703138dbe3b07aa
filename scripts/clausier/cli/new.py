"""`clausier new`: a complete agreement skeleton."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from .common import out, shown


@click.command()
@click.option("--template", "-t", required=True, help="Contract type (see `clausier list`).")
@click.option("--lang", "language", help="Language of the agreement, one of the template's (default: clausier.yml's "
              "`language:`).")
@click.option("--id", "agreement_id", help="Identifier and file name (default: <date>-<template>).")
@click.pass_obj
def new(root: Path, template: str, language: str | None, agreement_id: str | None) -> None:
    """Write a complete agreement skeleton to agreements/<id>.md."""
    from ..repository import load_repository  # the models: only when writing a skeleton
    from ..skeleton import skeleton

    repo = load_repository(root)
    valid = sorted(n for n, t in repo.templates.items() if t.meta is not None)
    if template not in valid:
        raise click.UsageError(f"unknown template {template!r}; valid templates: {', '.join(valid)}")
    available = repo.template_languages(repo.templates[template])
    language = language or (repo.config.language if repo.config else available[0])
    if language not in available:
        raise click.UsageError(f"--lang {language}: template {template!r} is written in {', '.join(available)}")
    today = dt.date.today()
    agreement_id = agreement_id or f"{today.isoformat()}-{template}"
    if not all(c.isalnum() or c in "-_" for c in agreement_id):
        raise click.UsageError("--id may only hold letters, digits, '-' and '_'")
    target = repo.root / "agreements" / f"{agreement_id}.md"
    if target.exists():
        raise click.UsageError(f"{shown(target)} already exists; choose another --id")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(skeleton(repo, template, language, agreement_id, today), encoding="utf-8")
    out.print(f"wrote {shown(target)}: fill it in, then run `make pdf`")
