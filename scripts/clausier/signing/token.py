"""A signer's key on a PKCS#11 token (smart card, USB token, HSM): the token maker's library
named on the command line, the token and the key by their labels, the PIN from the environment.

The private key never leaves the token: pyHanko's PKCS11Signer asks the token to sign. The
certificate is the one stored with the key (same label, else same ID); the token's other
certificates (its chain, when it holds one) go into the signature.
"""

from __future__ import annotations

import os
from pathlib import Path

from . import SigningError
from .keys import SigningKey, subject_of


def pin_from(variable: str | None) -> str | None:
    if variable is None:
        return None
    value = os.environ.get(variable)
    if value is None:
        raise SigningError(f"--pin-env {variable}: no such environment variable is set")
    return value


def open_token(library: Path, token_label: str, key_label: str, pin: str | None) -> SigningKey:
    """The key labelled `key_label` on the token labelled `token_label`, logged in with `pin`
    (None: the token's own PIN pad, or a token without login); the session closes with
    SigningKey.close."""
    try:
        import pkcs11
    except ImportError:
        raise SigningError("signing with a PKCS#11 token needs python-pkcs11: pip install 'pyHanko[pkcs11]'") from None
    if not library.is_file():
        raise SigningError(f"--pkcs11-lib {library}: no such file; name the token's PKCS#11 library "
                           "(e.g. /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so)")
    try:
        lib = pkcs11.lib(str(library))
    except pkcs11.PKCS11Error as exc:
        raise SigningError(f"--pkcs11-lib {library}: cannot load it as a PKCS#11 library: {exc}") from None
    token = _token(lib, library, token_label)
    session = _login(pkcs11, token, token_label, pin)
    try:
        return _key(pkcs11, session, token_label, key_label)
    except BaseException:
        session.close()
        raise


def _token(lib, library: Path, label: str):
    from pkcs11 import PKCS11Error, TokenFlag

    found = []
    for slot in lib.get_slots(token_present=True):
        try:
            token = slot.get_token()
        except PKCS11Error:
            continue
        if token.label == label:
            return token
        if token.flags & TokenFlag.TOKEN_INITIALIZED:
            found.append(token.label)
    there = f"tokens there: {', '.join(repr(t) for t in found)}" if found else "no token is present"
    raise SigningError(f"--token {label}: no such token in {library} ({there})")


def _login(pkcs11, token, label: str, pin: str | None):
    from pkcs11 import TokenFlag

    if pin is None:
        if token.flags & TokenFlag.PROTECTED_AUTHENTICATION_PATH:
            pin = pkcs11.PROTECTED_AUTH  # the reader's own PIN pad
        elif token.flags & TokenFlag.LOGIN_REQUIRED:
            raise SigningError(f"token '{label}' needs its PIN: --pin-env VAR (an environment variable holding it)")
    try:
        return token.open(user_pin=pin) if pin is not None else token.open()
    except pkcs11.PinIncorrect:
        raise SigningError(f"token '{label}': wrong PIN") from None
    except pkcs11.PinLocked:
        raise SigningError(f"token '{label}': its PIN is locked (too many wrong tries); unlock it with the "
                           "token's tools") from None
    except pkcs11.PKCS11Error as exc:
        raise SigningError(f"token '{label}': cannot log in: {type(exc).__name__} {exc}".rstrip()) from None


def _key(pkcs11, session, token_label: str, key_label: str) -> SigningKey:
    from asn1crypto import x509
    from pkcs11 import Attribute, ObjectClass
    from pyhanko.sign.pkcs11 import PKCS11Signer

    keys = list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.LABEL: key_label}))
    if not keys:
        labels = sorted({k.label for k in session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY})})
        there = f"keys there: {', '.join(repr(k) for k in labels)}" if labels else "it holds no private key"
        raise SigningError(f"--key-label {key_label}: no such private key on token '{token_label}' ({there})")
    if len(keys) > 1:
        raise SigningError(f"--key-label {key_label}: {len(keys)} private keys have that label on token "
                           f"'{token_label}'; give each its own")
    key = keys[0]
    if not key[Attribute.SIGN]:
        raise SigningError(f"--key-label {key_label}: the token does not allow this key to sign")
    cert = _certificate(session, key, key_label)
    if cert is None:
        raise SigningError(f"--key-label {key_label}: no certificate with that label or the key's ID on token "
                           f"'{token_label}'; store the signer's certificate beside the key")
    signing_cert = x509.Certificate.load(cert)
    # other_certs_to_pull=None: every certificate on the token, the chain with it where there is one
    signer = PKCS11Signer(session, signing_cert=signing_cert, key_label=key_label, other_certs_to_pull=None)
    return SigningKey(signer, subject_of(signing_cert), close=session.close)


def _certificate(session, key, label: str) -> bytes | None:
    from pkcs11 import Attribute, ObjectClass

    for query in ({Attribute.LABEL: label}, {Attribute.ID: _id(key)}):
        if None in query.values():
            continue
        found = list(session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE, **query}))
        if found:
            return found[0][Attribute.VALUE]
    return None


def _id(key) -> bytes | None:
    from pkcs11 import Attribute, PKCS11Error

    try:
        return key[Attribute.ID] or None
    except PKCS11Error:
        return None
