"""One e-mail, made once and serialised once: the .eml written to build/send/<id>/ and the bytes
handed to the server are the same (CRLF line ends, as SMTP carries them)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from .addresses import bare
from .attachments import Attachment


@dataclass(frozen=True)
class Composed:
    data: bytes  # the whole message, CRLF line ends
    sender: str  # the envelope's sender
    recipients: list[str]  # the envelope's: To and Cc, bare addresses
    message_id: str
    date: dt.datetime
    attachments: dict[str, str]  # file name → sha256 of what is attached


def compose(sender: str, to: list[str], cc: list[str], subject: str, body: str,
            attachments: list[Attachment], now: dt.datetime | None = None) -> Composed:
    """The message: headers, the cover text, then each attachment as it is (base64)."""
    now = (now or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0)
    domain = bare(sender).rpartition("@")[2]
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = sender
    message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    message_id = make_msgid(domain=domain)  # random left part: not guessable, unique per sending
    message["Message-ID"] = message_id
    message.set_content(body, subtype="plain", charset="utf-8", cte="quoted-printable")
    for item in attachments:
        maintype, subtype = item.mime
        message.add_attachment(item.data, maintype=maintype, subtype=subtype, filename=item.name)
    return Composed(data=message.as_bytes(policy=policy.SMTP), sender=bare(sender),
                    recipients=[bare(a) for a in [*to, *cc]], message_id=message_id, date=now,
                    attachments={a.name: hashlib.sha256(a.data).hexdigest() for a in attachments})
