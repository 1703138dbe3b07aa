"""`clausier sign` with the signer's key on a PKCS#11 token: a SoftHSM2 token made in a temporary
folder, the test PKI's provider key and certificate imported into it (python-pkcs11), signed from
the token, then checked with `clausier verify` and pyHanko; and the token's errors."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from signing_pki import PASSPHRASE, SIGNERS
from test_sign import AGREEMENT, SIGNED, copy_of, pki, run, signed_off, validated  # noqa: F401 (fixtures)

TOKEN = "clausier-test"
PIN = "4321"
SO_PIN = "87654321"
LIBRARIES = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
             "/usr/lib64/pkcs11/libsofthsm2.so", "/usr/local/lib/softhsm/libsofthsm2.so")
SOFTHSM = next((path for path in LIBRARIES if Path(path).is_file()), None)

if SOFTHSM is None or shutil.which("softhsm2-util") is None:
    pytest.skip("softhsm2 is not installed (apt-get install softhsm2; .ci/run does it in CI): no token to sign "
                "with", allow_module_level=True)


def _import_key(p12: Path, label: str) -> None:
    """The key and certificate of a PKCS#12 file as token objects with one label and ID (what a
    card issuer's tool leaves on a card)."""
    import pkcs11
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12
    from pkcs11 import Attribute, KeyType, ObjectClass
    from pkcs11.util.x509 import decode_x509_certificate

    key, cert, _ = pkcs12.load_key_and_certificates(p12.read_bytes(), PASSPHRASE.encode())
    numbers = key.private_numbers()
    size = (key.key_size + 7) // 8
    big = lambda value, length=size: value.to_bytes(length, "big")  # noqa: E731
    half = size // 2
    token = pkcs11.lib(SOFTHSM).get_token(token_label=TOKEN)
    with token.open(rw=True, user_pin=PIN) as session:
        session.create_object({
            Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.KEY_TYPE: KeyType.RSA, Attribute.TOKEN: True,
            Attribute.PRIVATE: True, Attribute.SENSITIVE: True, Attribute.SIGN: True,
            Attribute.LABEL: label, Attribute.ID: b"\x01",
            Attribute.MODULUS: big(numbers.public_numbers.n),
            Attribute.PUBLIC_EXPONENT: big(numbers.public_numbers.e, 3),
            Attribute.PRIVATE_EXPONENT: big(numbers.d), Attribute.PRIME_1: big(numbers.p, half),
            Attribute.PRIME_2: big(numbers.q, half), Attribute.EXPONENT_1: big(numbers.dmp1, half),
            Attribute.EXPONENT_2: big(numbers.dmq1, half), Attribute.COEFFICIENT: big(numbers.iqmp, half)})
        certificate = decode_x509_certificate(cert.public_bytes(serialization.Encoding.DER))
        certificate.update({Attribute.TOKEN: True, Attribute.LABEL: label, Attribute.ID: b"\x01"})
        session.create_object(certificate)


@pytest.fixture(scope="module")
def token(pki, tmp_path_factory):
    """A SoftHSM2 token holding the provider's key; SoftHSM2 reads SOFTHSM2_CONF once per process,
    so the variable stays set for the rest of the run (no other test uses SoftHSM2)."""
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", TOKEN, "--pin", PIN, "--so-pin", SO_PIN],
                   check=True, capture_output=True)
    _import_key(pki.keys["provider"], "ines-garnier")
    return SOFTHSM


@pytest.fixture(autouse=True)
def token_pin(monkeypatch):
    monkeypatch.setenv("CLAUSIER_TEST_PIN", PIN)


def sign_from_token(repo: Path, library: str, *options: str):
    return run(repo, "sign", str(repo / AGREEMENT), "--as", "provider", "--pkcs11-lib", library, *options)


def test_the_provider_signs_from_a_token_and_it_verifies(signed_off, token, pki, tmp_path):
    repo = copy_of(signed_off, tmp_path)
    result = sign_from_token(repo, token, "--token", TOKEN, "--key-label", "ines-garnier",
                             "--pin-env", "CLAUSIER_TEST_PIN")
    assert result.exit_code == 0, result.output
    assert "signed as the provider: Inès Garnier (Clair Obscur Studio)" in result.output
    checked = run(repo, "verify", str(repo / AGREEMENT), "--trust", str(pki.root_pem))
    assert checked.exit_code == 0, checked.output
    assert "provider: Inès Garnier (Clair Obscur Studio)" in checked.output
    assert "B-B: intact, trusted, certified" in checked.output
    signature, status = validated((repo / SIGNED).read_bytes(), pki)["provider"]
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.signing_cert.subject.native["common_name"] == SIGNERS["provider"]
    assert signature.docmdp_level is not None  # certified, as with a key file


def test_token_errors_are_clear_and_nothing_is_written(signed_off, token, pki, tmp_path, monkeypatch):
    repo = copy_of(signed_off, tmp_path)
    before = (repo / AGREEMENT).read_bytes()
    monkeypatch.setenv("WRONG_PIN", "0000")
    cases = [
        (("--token", TOKEN, "--key-label", "ines-garnier", "--pin-env", "WRONG_PIN"), f"token '{TOKEN}': wrong PIN"),
        (("--token", "no-such-token", "--key-label", "ines-garnier", "--pin-env", "CLAUSIER_TEST_PIN"),
         f"--token no-such-token: no such token in {token} (tokens there: '{TOKEN}')"),
        (("--token", TOKEN, "--key-label", "nobody", "--pin-env", "CLAUSIER_TEST_PIN"),
         f"--key-label nobody: no such private key on token '{TOKEN}' (keys there: 'ines-garnier')"),
        (("--token", TOKEN, "--key-label", "ines-garnier"), f"token '{TOKEN}' needs its PIN: --pin-env VAR"),
    ]
    for options, message in cases:
        result = sign_from_token(repo, token, *options)
        assert result.exit_code == 1 and message in result.output, (options, result.output)
    missing = sign_from_token(repo, str(tmp_path / "libnothing.so"), "--token", TOKEN, "--key-label", "ines-garnier")
    assert missing.exit_code == 1 and "libnothing.so: no such file" in missing.output
    both = sign_from_token(repo, token, "--token", TOKEN, "--key-label", "ines-garnier", "--key",
                           str(pki.keys["provider"]))
    assert both.exit_code == 2 and "--key FILE.p12 and --pkcs11-lib are two ways" in both.output
    assert not (repo / "signatures").exists() and (repo / AGREEMENT).read_bytes() == before
    # after a wrong PIN, the right one still opens the token (the session was closed, not left half open)
    right = sign_from_token(repo, token, "--token", TOKEN, "--key-label", "ines-garnier", "--pin-env",
                            "CLAUSIER_TEST_PIN")
    assert right.exit_code == 0, right.output
