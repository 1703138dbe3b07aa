"""Delivery to an SMTP server: the message is handed over as composed, STARTTLS is used whenever
the server offers it (and required with `require_tls`), port 465 speaks TLS from the start.

Credentials come from the environment only (CLAUSIER_SMTP_USER, CLAUSIER_SMTP_PASSWORD), never
from the repository, and are never sent over a connection without TLS. The server's certificate
is checked against the system's trust store (SSL_CERT_FILE names another one). Every failure is a
SendError that says what happened: unreachable, refused, certificate, credentials.
"""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from typing import Mapping

from . import SendError
from .message import Composed

USER_VARIABLE = "CLAUSIER_SMTP_USER"
PASSWORD_VARIABLE = "CLAUSIER_SMTP_PASSWORD"
SUBMISSION_PORT = 587
IMPLICIT_TLS_PORT = 465
TIMEOUT = 30.0  # seconds per network operation


@dataclass
class Delivery:
    server: str
    security: str  # "STARTTLS", "TLS" or "none"
    refused: dict[str, str] = field(default_factory=dict)  # recipient → the server's answer


def parse_server(text: str) -> tuple[str, int]:
    """HOST:PORT (a bare HOST means port 587; an IPv6 address goes in brackets: [::1]:25)."""
    value = text.strip()
    host, port = value, str(SUBMISSION_PORT)
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        if rest:
            if not rest.startswith(":"):
                raise SendError(f"--smtp {text!r}: expected HOST:PORT or [IPv6]:PORT")
            port = rest[1:]
    elif value.count(":") == 1:
        host, port = value.split(":")
    if not host or any(c.isspace() or ord(c) < 32 for c in host) or "/" in host:
        raise SendError(f"--smtp {text!r}: expected HOST:PORT, e.g. smtp.example.fr:587")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise SendError(f"--smtp {text!r}: the port must be a number from 1 to 65535")
    return host, int(port)


def credentials(environ: Mapping[str, str] = os.environ) -> tuple[str, str] | None:
    user, password = environ.get(USER_VARIABLE, ""), environ.get(PASSWORD_VARIABLE, "")
    if bool(user) != bool(password):
        missing = PASSWORD_VARIABLE if user else USER_VARIABLE
        raise SendError(f"{USER_VARIABLE} and {PASSWORD_VARIABLE} go together: {missing} is not set")
    return (user, password) if user else None


def deliver(composed: Composed, host: str, port: int, require_tls: bool,
            environ: Mapping[str, str] = os.environ, timeout: float = TIMEOUT) -> Delivery:
    """Hand `composed` to the server; a Delivery when it accepted it for at least one recipient."""
    login = credentials(environ)
    server = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    context = ssl.create_default_context()
    try:
        if port == IMPLICIT_TLS_PORT:
            client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
        with client:
            security = _secure(client, context, port, server, require_tls)
            if login is not None:
                if security == "none":
                    raise SendError(f"{server} offers no TLS: the credentials in {USER_VARIABLE} and "
                                    f"{PASSWORD_VARIABLE} are never sent in clear; nothing was sent")
                client.login(*login)
            refused = client.sendmail(composed.sender, composed.recipients, composed.data)
    except SendError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise SendError(f"{server} refused the credentials ({USER_VARIABLE}={login[0] if login else ''!r}): "
                        f"{_answer(exc.smtp_code, exc.smtp_error)}; nothing was sent") from None
    except smtplib.SMTPNotSupportedError as exc:
        raise SendError(f"{server}: {exc} (the server does not offer AUTH: unset {USER_VARIABLE}); "
                        "nothing was sent") from None
    except smtplib.SMTPRecipientsRefused as exc:
        answers = "; ".join(f"{who}: {_answer(*answer)}" for who, answer in exc.recipients.items())
        raise SendError(f"{server} refused every recipient ({answers}); nothing was sent") from None
    except smtplib.SMTPSenderRefused as exc:
        raise SendError(f"{server} refused the sender {exc.sender}: {_answer(exc.smtp_code, exc.smtp_error)}; "
                        "nothing was sent") from None
    except smtplib.SMTPResponseException as exc:
        raise SendError(f"{server} refused the message: {_answer(exc.smtp_code, exc.smtp_error)}; "
                        "nothing was sent") from None
    except ssl.SSLCertVerificationError as exc:
        raise SendError(f"{server}: its TLS certificate is not trusted ({exc.verify_message}); a private "
                        "authority's certificate can be named with SSL_CERT_FILE; nothing was sent") from None
    except (ssl.SSLError, smtplib.SMTPException) as exc:
        raise SendError(f"{server}: {exc}; nothing was sent") from None
    except socket.gaierror as exc:
        raise SendError(f"cannot find the server {host!r}: {exc.strerror}; nothing was sent") from None
    except (OSError, TimeoutError) as exc:
        raise SendError(f"cannot reach {server}: {exc.strerror or exc}; nothing was sent") from None
    return Delivery(server, security, {who: _answer(*answer) for who, answer in refused.items()})


def _secure(client: smtplib.SMTP, context: ssl.SSLContext, port: int, server: str, require_tls: bool) -> str:
    client.ehlo()
    if port == IMPLICIT_TLS_PORT:
        return "TLS"
    if client.has_extn("starttls"):
        client.starttls(context=context)
        client.ehlo()
        return "STARTTLS"
    if require_tls:
        raise SendError(f"{server} does not offer STARTTLS and --require-tls was given: nothing was sent")
    return "none"


def _answer(code: int, text: bytes | str) -> str:
    said = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(said.split())}"
