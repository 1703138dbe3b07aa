"""`clausier negotiate`: the client's Word file, returned, mapped to the library and the playbook."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import ClausierError
from .common import err, out, shown


@click.command()
@click.argument("agreement")
@click.argument("returned", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True,
              help="text: a summary; json: a list of changes for CI and tools; markdown: a pull-request comment.")
@click.option("--apply", "apply_", is_flag=True, help="Write the field, parameter and variant changes (not the refused "
              "ones) into the agreement's front matter, and the report with the free-text proposals into "
              "build/negotiate/<id>.md.")
@click.option("--base", metavar="REV", help="The revision the file was sent from, when its own record is not a "
              "commit (built from a working tree).")
@click.pass_obj
def negotiate(root: Path, agreement: str, returned: str, fmt: str, apply_: bool, base: str | None) -> None:
    """Map the changes in RETURNED (the DOCX of AGREEMENT, edited by the other side: tracked changes,
    comments, edits made with tracking off) to fields, clause parameters, variants and free text,
    each judged against the playbook (clause.yml ranges and approvals, clausier.yml).

    Exit status: 0 read (whatever the decisions), 1 the file cannot be read as this agreement's
    (not a DOCX, not ours, another agreement) or --apply could not write, 2 usage error.
    """
    from ..gitsource import GitError
    from ..negotiate.changes import Negotiation
    from ..negotiate.identity import NotOurs, open_docx, read_identity
    from ..negotiate.mapping import map_changes
    from ..negotiate.reading import read_returned
    from ..negotiate.report import as_json, as_markdown, as_text
    from ..negotiate.sent import SentUnknown, rebuild
    from ..two_sides import Revision, UsageProblem, agreement_location, revision, side_at

    try:
        relative = agreement_location(root, agreement)
        if not (root / relative).is_file():
            raise UsageProblem(f"{relative} does not exist")
        with open_docx(Path(returned)) as archive:
            identity = read_identity(archive, Path(returned))
        sent = rebuild(root, identity, base)
        identity, changes = read_returned(Path(returned), sent.paragraphs, agreement=relative)
        where = revision(root, sent.commit) if sent.commit else Revision(None, "working tree")
        with side_at(root, where, relative) as side:
            meanings = map_changes(side.repo, side.agreement, changes)
    except (GitError, UsageProblem) as exc:
        raise click.UsageError(str(exc)) from None
    except (NotOurs, SentUnknown, ClausierError) as exc:
        err.print(f"error: {exc}", markup=False)
        sys.exit(1)
    negotiation = Negotiation(relative, identity.commit, changes, meanings, list(sent.findings))
    out.print({"json": as_json, "markdown": as_markdown}.get(fmt, as_text)(negotiation), markup=False,
              soft_wrap=True, end="")
    if apply_:
        from ..negotiate.apply import apply

        try:
            applied = apply(root, root / relative, relative, negotiation, Path(relative).stem)
        except ClausierError as exc:
            err.print(f"error: {exc}", markup=False)
            sys.exit(1)
        for target, old, new in applied.written:
            err.print(f"wrote {target}: {old} → {new} in {relative}", markup=False)
        for reason in applied.skipped:
            err.print(f"not written: {reason}", markup=False)
        err.print(f"wrote {shown(applied.report)}; run `clausier check {relative}`", markup=False)
