"""`clausier send`: the message written to build/send/, delivered to a real SMTP server running
on 127.0.0.1 (aiosmtpd), with STARTTLS on a certificate made here, and `sent:` recorded only
when the server accepted it."""

from __future__ import annotations

import datetime as dt
import hashlib
import socket
import ssl
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from click.testing import CliRunner

from clausier.cli import main
from clausier.repository import load_agreement, load_repository
from clausier.sending import SendError
from clausier.sending.record import with_entry

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
from aiosmtpd.smtp import AuthResult  # noqa: E402

runner = CliRunner()
AGREEMENT = "agreements/acme-fr.md"
SIGNED_BYTES = b"%PDF-1.7\n% a signed PDF, attached as it is\n%%EOF\n"
USER, PASSWORD = "sales", "s3cret"


def run(repo: Path, *args: str):
    return runner.invoke(main, ["--root", str(repo), *args], catch_exceptions=False)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Inbox:
    """What the server accepted: (envelope sender, recipients, raw message, over TLS)."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes, bool]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content,
                              session.ssl is not None))
        return "250 Message accepted"


def _authenticate(server, session, envelope, mechanism, auth_data):
    good = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    return AuthResult(success=good, handled=False)  # handled=False: aiosmtpd answers 535 itself


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def certificate(tmp_path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1 (cert file, key file)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "smtp-cert.pem", tmp_path / "smtp-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.fixture
def smtp_server():
    """start(tls=(cert, key) or None, auth=False) → (inbox, "127.0.0.1:port"); stopped afterwards."""
    started = []

    def start(tls: tuple[Path, Path] | None = None, auth: bool = False):
        inbox = Inbox()
        options = {}
        if tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*tls)
            options.update(tls_context=context, require_starttls=True)
        if auth:
            options.update(authenticator=_authenticate, auth_require_tls=True)
        port = free_port()
        controller = aiosmtpd_controller.Controller(inbox, hostname="127.0.0.1", port=port, **options)
        controller.start()
        started.append(controller)
        return inbox, f"127.0.0.1:{port}"

    yield start
    for controller in started:
        controller.stop()


def signed_copy(repo: Path) -> Path:
    """signatures/acme-fr.pdf: any bytes, since send attaches it as it is (and renders nothing)."""
    path = repo / "signatures/acme-fr.pdf"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(SIGNED_BYTES)
    return path


def delivered(raw: bytes):
    message = message_from_bytes(raw, policy=policy.default)
    attachments = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    return message, attachments


def test_delivers_over_starttls_with_credentials_and_records_what_was_sent(repo, smtp_server, certificate,
                                                                            monkeypatch):
    inbox, server = smtp_server(tls=certificate, auth=True)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # the client trusts the test's certificate
    monkeypatch.setenv("CLAUSIER_SMTP_USER", USER)
    monkeypatch.setenv("CLAUSIER_SMTP_PASSWORD", PASSWORD)
    path = repo / AGREEMENT
    path.write_text(path.read_text().replace("status: draft", "status: draft   # sent for review"))
    before = path.read_text()

    result = run(repo, "send", str(path), "--to", "Claire Martin <claire.martin@example.fr>",
                 "--cc", "compta@example.fr", "--smtp", server, "--require-tls")

    assert result.exit_code == 0, result.output
    assert "STARTTLS" in result.output and "recorded in agreements/acme-fr.md" in result.output
    [(sender, recipients, raw, over_tls)] = inbox.messages
    assert over_tls and sender == "contrats@clair-obscur.example"
    assert recipients == ["claire.martin@example.fr", "compta@example.fr"]
    message, attachments = delivered(raw)
    assert message["Subject"] == "Contrat de prestation de services — Atelier Lumière SARL (réf. acme-fr)"
    assert "Bonjour Claire Martin," in message.get_body().get_content()
    # The attached PDF is the one `clausier build` writes, byte for byte.
    assert run(repo, "build", str(path), "--simple").exit_code == 0
    built = (repo / "build/acme-fr/acme-fr.pdf").read_bytes()
    assert sha(attachments["acme-fr.pdf"]) == sha(built)
    # The .eml is what the server received.
    assert (repo / "build/send/acme-fr/acme-fr.eml").read_bytes() == raw
    # `sent:` records it; the rest of the file is as it was, comment included.
    after = path.read_text()
    model = load_agreement(load_repository(repo), path).model
    [record] = model.sent
    assert record.message_id == message["Message-ID"]
    assert record.to == ["claire.martin@example.fr"] and record.cc == ["compta@example.fr"]
    assert record.attachments == {"acme-fr.pdf": sha(built)}
    assert record.server == server
    assert "status: draft   # sent for review" in after
    kept = [line for line in after.split("\n") if line in before.split("\n")]
    assert kept == before.split("\n")


def test_a_signed_pdf_is_attached_as_it_is_and_every_sending_is_recorded(repo, smtp_server):
    inbox, server = smtp_server()  # no TLS offered and none required: delivered without
    signed = signed_copy(repo)
    path = repo / AGREEMENT
    for _ in range(2):
        result = run(repo, "send", str(path), "--to", "claire.martin@example.fr", "--smtp", server)
        assert result.exit_code == 0, result.output
        assert "without TLS" in result.output
    assert len(inbox.messages) == 2
    message, attachments = delivered(inbox.messages[-1][2])
    assert attachments == {"acme-fr.pdf": signed.read_bytes()}
    assert "signatures électroniques" in message.get_body().get_content()
    model = load_agreement(load_repository(repo), path).model
    assert [s.attachments["acme-fr.pdf"] for s in model.sent] == [sha(SIGNED_BYTES)] * 2
    assert model.sent[0].message_id != model.sent[1].message_id


def test_require_tls_refuses_a_server_without_starttls(repo, smtp_server):
    inbox, server = smtp_server()
    signed_copy(repo)
    before = (repo / AGREEMENT).read_bytes()
    result = run(repo, "send", str(repo / AGREEMENT), "--to", "claire.martin@example.fr", "--smtp", server, "--require-tls")
    assert result.exit_code == 1
    assert "does not offer STARTTLS and --require-tls was given: nothing was sent" in result.output
    assert inbox.messages == [] and (repo / AGREEMENT).read_bytes() == before


def test_credentials_are_never_sent_without_tls(repo, smtp_server, monkeypatch):
    inbox, server = smtp_server()
    signed_copy(repo)
    monkeypatch.setenv("CLAUSIER_SMTP_USER", USER)
    monkeypatch.setenv("CLAUSIER_SMTP_PASSWORD", PASSWORD)
    before = (repo / AGREEMENT).read_bytes()
    result = run(repo, "send", str(repo / AGREEMENT), "--to", "claire.martin@example.fr", "--smtp", server)
    assert result.exit_code == 1 and "never sent in clear" in result.output
    assert inbox.messages == [] and (repo / AGREEMENT).read_bytes() == before


@pytest.mark.parametrize("trusted, password, expected", [
    (True, "wrong", "refused the credentials"),
    (False, PASSWORD, "TLS certificate is not trusted"),
])
def test_refused_credentials_and_untrusted_certificates_are_errors(repo, smtp_server, certificate, monkeypatch,
                                                                    trusted, password, expected):
    inbox, server = smtp_server(tls=certificate, auth=True)
    if trusted:
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    monkeypatch.setenv("CLAUSIER_SMTP_USER", USER)
    monkeypatch.setenv("CLAUSIER_SMTP_PASSWORD", password)
    signed_copy(repo)
    before = (repo / AGREEMENT).read_bytes()
    result = run(repo, "send", str(repo / AGREEMENT), "--to", "claire.martin@example.fr", "--smtp", server)
    assert result.exit_code == 1 and expected in result.output and "nothing was sent" in result.output
    assert inbox.messages == [] and (repo / AGREEMENT).read_bytes() == before


def test_an_unreachable_server_is_an_error_and_nothing_is_recorded(repo):
    signed_copy(repo)
    before = (repo / AGREEMENT).read_bytes()
    server = f"127.0.0.1:{free_port()}"  # nobody listens there
    result = run(repo, "send", str(repo / AGREEMENT), "--to", "claire.martin@example.fr", "--smtp", server)
    assert result.exit_code == 1 and f"cannot reach {server}" in result.output
    assert (repo / AGREEMENT).read_bytes() == before
    assert (repo / "build/send/acme-fr/acme-fr.eml").exists()  # written, for a look or a later try


def test_without_smtp_the_message_is_written_in_the_agreements_language_and_nothing_is_recorded(repo):
    english = repo / "agreements/acme-en.md"
    english.write_text((repo / AGREEMENT).read_text().replace("language: fr", "language: en"))
    before = english.read_bytes()
    result = run(repo, "send", str(english), "--to", "claire.martin@example.fr", "--attach", "pdf,docx")
    assert result.exit_code == 0, result.output
    assert "not sent: nothing left this machine and `sent:` is not recorded" in result.output
    assert english.read_bytes() == before
    message, attachments = delivered((repo / "build/send/acme-en/acme-en.eml").read_bytes())
    assert message["Subject"] == "Services Agreement — Atelier Lumière SARL (ref. acme-en)"
    assert message.get_body().get_content().startswith("Dear Claire Martin,")
    assert sorted(attachments) == ["acme-en.docx", "acme-en.pdf"]
    assert attachments["acme-en.pdf"].startswith(b"%PDF") and attachments["acme-en.docx"].startswith(b"PK")


@pytest.mark.parametrize("address, problem", [
    ("claire.martin@", "not an e-mail address"),
    ("claire martin@example.fr", "characters an address cannot hold"),
    ("claire@example", "is not a domain name"),
    ("a@example.fr, b@example.fr", "one address per --to"),
])
def test_a_bad_address_is_named_and_nothing_is_written(repo, address, problem):
    result = run(repo, "send", str(repo / AGREEMENT), "--to", "ok@example.fr", "--to", address)
    assert result.exit_code == 1
    assert f"error: --to {address!r}: " in result.output and problem in result.output
    assert not (repo / "build/send").exists()


def test_sent_is_appended_to_an_existing_list_with_its_own_indent():
    text = ("---\ntemplate: mini  # the type\nsent:\n- at: \"2026-12-01T10:00:00+00:00\"\n  to: [a@example.fr]\n"
            "  message_id: \"<1@example.fr>\"\n  server: \"smtp.example.fr:587\"\n  attachments: {}\n"
            "# about the client\nclient: {name: X}\n---\nBody\n")
    entry = {"at": "2026-12-02T10:00:00+00:00", "to": ["b@example.fr"], "message_id": "<2@example.fr>",
             "server": "smtp.example.fr:587", "attachments": {"x.pdf": "0" * 64}}
    result = with_entry(text, "a.md", entry)
    assert result.startswith(text.split("# about")[0])  # the old entry as it was, the new one after it
    assert result.endswith("# about the client\nclient: {name: X}\n---\nBody\n")
    assert '- at: "2026-12-02T10:00:00+00:00"\n  to: ["b@example.fr"]' in result


def test_a_sent_written_by_hand_in_another_shape_is_refused():
    text = "---\ntemplate: mini\nsent: []\n---\nBody\n"
    with pytest.raises(SendError, match="not a block list"):
        with_entry(text, "a.md", {"at": "x", "to": ["a@example.fr"], "message_id": "<1@x.fr>", "server": "s:1",
                                  "attachments": {}})


def test_sending_a_signed_agreement_keeps_its_sign_off_valid(repo, smtp_server):
    """`sent:` is written after signing: the `signed` rule must not take it for a change of the text."""
    import subprocess

    from clausier.lint.context import build_context
    from clausier.lint.rules import signed as signed_rule

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(repo), "-c", "user.name=T", "-c", "user.email=t@example.com", *args],
                       check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-qm", "draft")
    path = repo / AGREEMENT
    assert run(repo, "sign-off", str(path), "--date", "2026-12-03").exit_code == 0
    git("commit", "-qam", "signed")
    inbox, server = smtp_server()
    result = run(repo, "send", str(path), "--to", "claire.martin@example.fr", "--smtp", server)
    assert result.exit_code == 0, result.output
    model = load_agreement(load_repository(repo), path).model
    _, attachments = delivered(inbox.messages[0][2])
    assert model.sent[0].attachments["acme-fr.pdf"] == sha(attachments["acme-fr.pdf"]) == model.signed.pdf_sha256
    assert list(signed_rule.check(build_context(repo))) == []
