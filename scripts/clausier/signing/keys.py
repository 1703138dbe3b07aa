"""A signer's key: a PKCS#12 file named on the command line, its passphrase from the environment
(or a key on a PKCS#11 token: token.py).

Never from the repository (DESIGN.md: keys and passphrases come from the environment or a key
file named on the command line): a key file inside the repository is refused.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import SigningError


@dataclass(frozen=True)
class SigningKey:
    signer: object  # pyhanko.sign.signers.SimpleSigner, or PKCS11Signer for a key on a token
    subject: str  # the certificate's subject, as people read it
    close: Callable[[], None] = lambda: None  # a token's session ends when signing is done


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


def passphrase_from(variable: str | None) -> bytes | None:
    if variable is None:
        return None
    value = os.environ.get(variable)
    if value is None:
        raise SigningError(f"--passphrase-env {variable}: no such environment variable is set")
    return value.encode("utf-8")


def load_key(path: Path, passphrase: bytes | None, root: Path) -> SigningKey:
    """The key and certificate chain in a PKCS#12 file (.p12/.pfx), or a clear error."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    if _inside(path, root):
        raise SigningError(f"{path}: the key is inside the repository; keep signing keys out of it "
                           "(and out of git), and name the file on the command line")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningError(f"{path}: cannot read the key: {exc.strerror}") from None
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, passphrase)
    except ValueError:
        hint = "no passphrase was given (--passphrase-env VAR)" if passphrase is None else "wrong passphrase"
        raise SigningError(f"{path}: cannot open the key: {hint}, or not a PKCS#12 (.p12/.pfx) file") from None
    if key is None or cert is None:
        raise SigningError(f"{path}: the PKCS#12 file holds no private key with its certificate")
    return _signer(key, cert, extra or [])


def _signer(key, cert, extra) -> SigningKey:
    from asn1crypto import keys as asn1_keys, x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    der = lambda c: asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))  # noqa: E731
    private = asn1_keys.PrivateKeyInfo.load(key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    signing_cert = der(cert)
    signer = SimpleSigner(signing_cert=signing_cert, signing_key=private,
                          cert_registry=SimpleCertificateStore.from_certs([der(c) for c in extra]))
    return SigningKey(signer, subject_of(signing_cert))


def subject_of(cert) -> str:
    """`Claire Martin (Atelier Lumière SARL)`: the common name and organisation of a certificate."""
    native = cert.subject.native
    name = native.get("common_name") or cert.subject.human_friendly
    organisation = native.get("organization_name")
    return f"{name} ({organisation})" if organisation else str(name)


def load_trust(root: Path, listed: list[str], given: list[Path]) -> list:
    """Trust roots for verification: clausier.yml's `signing: trust:` (files in the repository,
    read through safefile) and the --trust files named on the command line."""
    from ..safefile import read_bytes

    sources = [(name, lambda name=name: read_bytes(root, name)) for name in listed]
    sources += [(str(path), path.read_bytes) for path in given]
    roots = []
    for shown, read in sources:
        roots += _certificates(shown, read)
    return roots


def _certificates(shown: str, read) -> list:
    from pyhanko.keys import load_certs_from_pemder_data

    try:
        found = list(load_certs_from_pemder_data(read()))
    except OSError as exc:
        raise SigningError(f"{shown}: cannot read it: {exc.strerror}") from None
    except Exception as exc:  # asn1crypto's parse errors
        raise SigningError(f"{shown}: not a certificate (PEM or DER): {exc}") from None
    if not found:
        raise SigningError(f"{shown}: holds no certificate")
    return found
