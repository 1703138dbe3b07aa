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
@click.option("--pkcs11-lib", type=click.Path(dir_okay=False, path_type=Path), metavar="PATH",
              help="Instead of --key: the PKCS#11 library of the token holding the key (smart card, USB "
              "token, HSM), with --token and --key-label.")
@click.option("--token", "token_label", metavar="LABEL", help="With --pkcs11-lib: the token's label.")
@click.option("--key-label", metavar="LABEL", help="With --pkcs11-lib: the label of the private key on the token "
              "(its certificate has the same label or ID).")
@click.option("--pin-env", metavar="VAR", help="With --pkcs11-lib: environment variable holding the token's PIN "
              "(without it: the reader's PIN pad, or a token that needs no PIN).")
@click.option("--tsa", metavar="URL", help="Timestamp authority (RFC 3161) to ask; nothing is fetched without it.")
@click.option("--level", type=click.Choice(LEVELS), help="PAdES level: B-B (default), B-T (a timestamp: the "
              "default with --tsa) or B-LT (also the revocation data named in the certificates, fetched now).")
@click.option("--trust", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="sign import: a trusted certificate (PEM or DER) besides clausier.yml's; repeatable.")
@click.pass_obj
def sign(root: Path, words: tuple[str, ...], role, key, passphrase_env, pkcs11_lib, token_label, key_label,
         pin_env, tsa, level, trust) -> None:
    """Sign the signed-off AGREEMENT as one party, into signatures/<id>.pdf (PAdES, PDF/A-3b with the
    agreement's source attached), and record the signature in its front matter.

    The first signature makes the archive and puts a signature field on each party's box; the
    second party signs in the same file. The key is a PKCS#12 file (--key) or on a PKCS#11 token
    (--pkcs11-lib, --token, --key-label; the PIN from --pin-env).

    `clausier sign import AGREEMENT FILE.pdf` brings in a copy signed elsewhere (a qualified
    certificate, a signing service): its first revision must be the archive and what follows only
    signatures. Nothing is written when anything fails.
    """
    quiet_pyhanko()
    if words[0] == "import":
        if len(words) != 3:
            raise click.UsageError("clausier sign import AGREEMENT FILE.pdf")
        if role or key or passphrase_env or pkcs11_lib or token_label or key_label or pin_env or tsa or level:
            raise click.UsageError("sign import takes no --as, key options, --tsa or --level")
        _import(root, Path(words[1]), Path(words[2]), list(trust))
        return
    if len(words) != 1:
        raise click.UsageError("one AGREEMENT to sign (or: clausier sign import AGREEMENT FILE.pdf)")
    on_token = _token_options(key, passphrase_env, pkcs11_lib, token_label, key_label, pin_env)
    if role is None or (key is None and not on_token):
        raise click.UsageError("say who signs and with which key: --as provider|client --key FILE.p12 "
                               "(or a token: --pkcs11-lib PATH --token LABEL --key-label LABEL)")
    if trust:
        raise click.UsageError("--trust is for `sign import`")
    agreement = Path(words[0])
    if not agreement.is_file():
        raise click.UsageError(f"{agreement}: no such agreement file")
    from ..signing.sign import sign as run_sign

    signer = None
    try:
        if on_token:
            from ..signing.token import open_token, pin_from

            signer = open_token(pkcs11_lib, token_label, key_label, pin_from(pin_env))
        else:
            from ..signing.keys import load_key, passphrase_from

            signer = load_key(key, passphrase_from(passphrase_env), root)
        entry = run_sign(root, agreement.resolve(), role, signer, level=level, tsa=tsa)
    except ClausierError as exc:
        err.print(f"error: {exc}", markup=False)
        sys.exit(1)
    finally:
        if signer is not None:
            signer.close()  # a token's session: logged out
    out.print(f"signed as the {entry.party}: {entry.subject}, {entry.time}, {entry.level}; commit "
              "the agreement and its signed PDF now", markup=False)


def _token_options(key, passphrase_env, pkcs11_lib, token_label, key_label, pin_env) -> bool:
    """Whether the key is on a PKCS#11 token; usage errors for a mix of the two ways."""
    given = [name for name, value in (("--pkcs11-lib", pkcs11_lib), ("--token", token_label),
                                      ("--key-label", key_label), ("--pin-env", pin_env)) if value]
    if not given:
        return False
    if key is not None or passphrase_env:
        other = "--key FILE.p12" if key is not None else "--passphrase-env"
        raise click.UsageError(f"{other} and {given[0]} are two ways to give the key: use one "
                               "(a file with --key and --passphrase-env, or a token with --pkcs11-lib, "
                               "--token, --key-label and --pin-env)")
    missing = [name for name, value in (("--pkcs11-lib PATH", pkcs11_lib), ("--token LABEL", token_label),
                                        ("--key-label LABEL", key_label)) if not value]
    if missing:
        raise click.UsageError(f"a key on a token also needs {' and '.join(missing)}")
    return True


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
