"""`clausier sign`: sign a signed-off agreement electronically, or bring in one signed elsewhere."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from ..errors import ClausierError
from .common import err, out

ROLES = ("provider", "client")  # (signing.ROLES: the CLI imports no signing module until it runs)
LEVELS = ("B-B", "B-T", "B-LT")


def quiet_pyhanko() -> None:
    """pyHanko logs what it tries and gives up on (paths it cannot build without trust roots):
    our errors say what matters."""
    for name in ("pyhanko", "pyhanko_certvalidator"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


@click.command(name="sign")
@click.argument("words", nargs=-1, required=True, metavar="AGREEMENT | import AGREEMENT FILE.pdf")
@click.option("--as", "role", type=click.Choice(ROLES), help="The party signing (its box in the signature block).")
@click.option("--key", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The signer's key and certificate: a PKCS#12 file (.p12/.pfx) outside the repository.")
@click.option("--passphrase-env", metavar="VAR", help="Environment variable holding the key's passphrase.")
@click.option("--tsa", metavar="URL", help="Timestamp authority (RFC 3161) to ask; nothing is fetched without it.")
@click.option("--level", type=click.Choice(LEVELS), help="PAdES level: B-B (default), B-T (a timestamp: the "
              "default with --tsa) or B-LT (also the revocation data named in the certificates, fetched now).")
@click.option("--trust", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="sign import: a trusted certificate (PEM or DER) besides clausier.yml's; repeatable.")
@click.pass_obj
def sign(root: Path, words: tuple[str, ...], role, key, passphrase_env, tsa, level, trust) -> None:
    """Sign the signed-off AGREEMENT as one party, into signatures/<id>.pdf (PAdES, PDF/A-3b with the
    agreement's source attached), and record the signature in its front matter.

    The first signature makes the archive and puts a signature field on each party's box; the
    second party signs in the same file. `clausier sign import AGREEMENT FILE.pdf` brings in a
    copy signed elsewhere (a qualified certificate, a signing service): its first revision must be
    the archive and what follows only signatures. Nothing is written when anything fails.
    """
    quiet_pyhanko()
    if words[0] == "import":
        if len(words) != 3:
            raise click.UsageError("clausier sign import AGREEMENT FILE.pdf")
        if role or key or passphrase_env or tsa or level:
            raise click.UsageError("sign import takes no --as, --key, --passphrase-env, --tsa or --level")
        _import(root, Path(words[1]), Path(words[2]), list(trust))
        return
    if len(words) != 1:
        raise click.UsageError("one AGREEMENT to sign (or: clausier sign import AGREEMENT FILE.pdf)")
    if role is None or key is None:
        raise click.UsageError("say who signs and with which key: --as provider|client --key FILE.p12")
    if trust:
        raise click.UsageError("--trust is for `sign import`")
    agreement = Path(words[0])
    if not agreement.is_file():
        raise click.UsageError(f"{agreement}: no such agreement file")
    from ..signing.keys import load_key, passphrase_from
    from ..signing.sign import sign as run_sign

    try:
        signer = load_key(key, passphrase_from(passphrase_env), root)
        entry = run_sign(root, agreement.resolve(), role, signer, level=level, tsa=tsa)
    except ClausierError as exc:
        err.print(f"error: {exc}", markup=False)
        sys.exit(1)
    out.print(f"signed as the {entry.party}: {entry.subject}, {entry.time}, {entry.level}; commit "
              "the agreement and its signed PDF now", markup=False)


def _import(root: Path, agreement: Path, pdf: Path, trust: list[Path]) -> None:
    from ..repository import load_repository
    from ..signing.keys import load_trust
    from ..signing.sign import import_signed

    if not agreement.is_file() or not pdf.is_file():
        raise click.UsageError(f"{agreement if not agreement.is_file() else pdf}: no such file")
    try:
        repo = load_repository(root)
        listed = repo.config.signing.trust if repo.config else []
        entries = import_signed(root, agreement.resolve(), pdf, load_trust(repo.root, listed, trust))
    except ClausierError as exc:
        err.print(f"error: {exc}", markup=False)
        sys.exit(1)
    for entry in entries:
        out.print(f"imported the {entry.party}'s signature: {entry.subject}, {entry.time}, {entry.level}",
                  markup=False)
    out.print("commit the agreement and its signed PDF now", markup=False)
