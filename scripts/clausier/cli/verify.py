"""`clausier verify`: does a signed PDF still prove what was signed?"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..errors import ClausierError
from .common import err, out


@click.command(name="verify")
@click.argument("target", metavar="FILE.pdf|AGREEMENT", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output: lines for people, or one JSON object.")
@click.option("--trust", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A trusted certificate (PEM or DER) besides clausier.yml's `signing: trust:`; repeatable.")
@click.pass_obj
def verify(root: Path, target: Path, fmt: str, trust: tuple[Path, ...]) -> None:
    """Verify a signed PDF (or an agreement's signatures/<id>.pdf): every signature intact and valid,
    its first revision the archive recorded at signing, its embedded source the agreement, and
    nothing after the signatures but signatures, validation data or timestamps. Nothing is
    fetched. Exit status 0: valid; 1: not valid; 2: usage."""
    from ..repository import load_repository
    from ..signing.verify import verify_agreement
    from ..signing.keys import load_trust
    from .sign import quiet_pyhanko

    quiet_pyhanko()
    try:
        repo = load_repository(root)
        listed = repo.config.signing.trust if repo.config else []
        result = verify_agreement(repo.root, target.resolve(), load_trust(repo.root, listed, list(trust)))
    except ClausierError as exc:
        err.print(f"error: {exc}", markup=False)
        sys.exit(1)
    if fmt == "json":
        out.print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2), markup=False)
    else:
        out.print(f"{result.file}: {'valid' if result.valid else 'NOT VALID'}", markup=False)
        for s in result.signatures:
            trusted = {True: "trusted", False: "not trusted", None: "trust not checked"}[s.trusted]
            state = "intact" if s.intact and s.valid else "BROKEN"
            extra = ", certified (form filling allowed)" if s.certified else ""
            out.print(f"  {s.party or s.field}: {s.subject}, {s.time}, {s.level}: {state}, {trusted}{extra}",
                      markup=False)
        for problem in result.problems:
            out.print(f"  problem: {problem}", markup=False)
        for note in result.notes:
            out.print(f"  note: {note}", markup=False)
    sys.exit(0 if result.valid else 1)
