"""A test PKI for signing: certomancer's CA, two signers, a timestamp authority, OCSP and CRLs,
served on 127.0.0.1 only (an aiohttp server in a thread), with each signer's key as a .p12.

`start_pki(folder)` makes the keys (RSA 2048), the certificates and the server; `close()`
stops it. Nothing here leaves the machine: every URL in the certificates is 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path

SIGNERS = {"provider": "Inès Garnier", "client": "Claire Martin"}
PASSPHRASE = "correct horse"
ARCH = "clausier-test"


def _key(path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    # RSA: an EC signing key makes pyHanko declare PDF 2.0 (ISO 32002), which PDF/A-3 does not allow.
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))


def _config(prefix: str) -> dict:
    usage = lambda *uses: {"id": "key_usage", "critical": True,  # noqa: E731
                           "smart-value": {"schema": "key-usage", "params": list(uses)}}
    crl = {"id": "crl_distribution_points", "smart-value": {"schema": "crl-dist-url",
                                                            "params": {"crl-repo-names": ["root"]}}}
    aia = {"id": "authority_information_access", "smart-value": {"schema": "aia-urls",
                                                                 "params": {"ocsp-responder-names": ["root"]}}}
    validity = {"valid-from": "2020-01-01T00:00:00+0000", "valid-to": "2090-01-01T00:00:00+0000"}
    signer = lambda: {"issuer": "root", "validity": validity,  # noqa: E731
                      "extensions": [usage("digital_signature", "non_repudiation"), crl, aia]}
    return {
        "external-url-prefix": prefix,
        "keysets": {"test": {"keys": {name: {"path": f"{name}.key.pem"}
                                      for name in ("root", "tsa", "ocsp", "provider", "client")}}},
        "pki-architectures": {ARCH: {
            "keyset": "test",
            "entity-defaults": {"country-name": "FR", "organization-name": "Clausier Test PKI"},
            "entities": {"root": {"common-name": "Clausier Test Root"},
                         "tsa": {"common-name": "Clausier Test TSA"},
                         "ocsp": {"common-name": "Clausier Test OCSP"},
                         "provider": {"common-name": SIGNERS["provider"], "organization-name": "Clair Obscur Studio"},
                         "client": {"common-name": SIGNERS["client"], "organization-name": "Atelier Lumière SARL"}},
            "certs": {
                "root": {"subject": "root", "issuer": "root", "validity": validity,
                         "extensions": [{"id": "basic_constraints", "critical": True, "value": {"ca": True}},
                                        usage("digital_signature", "key_cert_sign", "crl_sign")]},
                "tsa": {"issuer": "root", "validity": validity,
                        "extensions": [usage("digital_signature"), crl,
                                       {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]}]},
                "ocsp": {"issuer": "root", "validity": validity,
                         "extensions": [usage("digital_signature"), {"id": "ocsp_no_check"},
                                        {"id": "extended_key_usage", "critical": True, "value": ["ocsp_signing"]}]},
                "provider": signer(),
                "client": signer(),
            },
            "services": {
                "ocsp": {"root": {"for-issuer": "root", "responder-cert": "ocsp", "signing-key": "ocsp"}},
                "crl-repo": {"root": {"for-issuer": "root", "signing-key": "root",
                                      "simulated-update-schedule": "P30D"}},
                "time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"}},
            },
        }},
    }


@dataclass
class TestPKI:
    folder: Path
    url: str  # http://127.0.0.1:PORT
    keys: dict[str, Path] = field(default_factory=dict)  # party → .p12 (PASSPHRASE)
    root_pem: Path | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None

    @property
    def tsa(self) -> str:
        return f"{self.url}/{ARCH}/tsa/tsa"

    def close(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)


def start_pki(folder: Path) -> TestPKI:
    from aiohttp import web
    from certomancer.integrations.aiohttp_animator import build_animator_app
    from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig
    from cryptography.hazmat.primitives import serialization

    folder.mkdir(parents=True, exist_ok=True)
    for name in ("root", "tsa", "ocsp", "provider", "client"):
        _key(folder / f"{name}.key.pem")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))  # a free port, held until the server takes the socket
    listener.listen()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    config = CertomancerConfig(_config(url), key_search_dir=str(folder))
    arch = config.get_pki_arch(ArchLabel(ARCH))
    pki = TestPKI(folder, url)
    for party in SIGNERS:
        target = folder / f"{party}.p12"
        target.write_bytes(arch.package_pkcs12(CertLabel(party), password=PASSPHRASE.encode()))
        pki.keys[party] = target
    root = arch.get_cert(CertLabel("root"))
    pki.root_pem = folder / "root.pem"
    from cryptography import x509

    pki.root_pem.write_bytes(x509.load_der_x509_certificate(root.dump()).public_bytes(serialization.Encoding.PEM))

    app = build_animator_app({arch.arch_label: arch}, with_web_ui=False)
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        runner = web.AppRunner(app)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.SockSite(runner, listener).start())
        ready.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    pki._loop, pki._thread = loop, threading.Thread(target=serve, daemon=True)
    pki._thread.start()
    ready.wait(timeout=10)
    return pki
