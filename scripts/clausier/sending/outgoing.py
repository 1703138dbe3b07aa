"""`clausier send` in order: prepare the message (nothing leaves the machine), then, when a server
is named, deliver it and record `sent:`.

    prepare   addresses checked → attachments (signed PDF, or rendered now) → cover message →
              one message, written to build/send/<id>/<id>.eml
    send      deliver (smtp.py); only what a server accepted is recorded (record.py)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from . import SendError
from .addresses import bare, parse_address, parse_addresses
from .attachments import Attachment, collect
from .cover import message_template, render_message
from .message import Composed, compose
from .record import record_sent
from .smtp import Delivery, deliver, parse_server

SEND_FOLDER = Path("build") / "send"


@dataclass(frozen=True)
class Prepared:
    root: Path  # the repository
    agreement_id: str
    path: Path  # the agreement's file
    shown: str  # its path as errors name it
    composed: Composed
    attachments: list[Attachment]
    signed_pdf: bool
    eml: Path
    to: list[str]
    cc: list[str]


def prepare(root: Path, path: Path, to: list[str], cc: list[str], kinds: list[str], sender: str | None = None,
            redline_base: str | None = None, now: dt.datetime | None = None) -> Prepared:
    """The message for the agreement at `path`, written to build/send/<id>/<id>.eml; nothing sent."""
    from ..assemble import agreement_data
    from ..repository import load_agreement, load_repository

    recipients, copies = parse_addresses(to, "--to"), parse_addresses(cc, "--cc")
    if not recipients:
        raise SendError("give at least one recipient with --to")
    repo = load_repository(root)
    if repo.config is None:
        raise SendError("clausier.yml has errors; fix it first (clausier check)")
    agreement = load_agreement(repo, path)
    provider = agreement.model.provider or repo.config.organisation
    from_address = parse_address(sender, "--from") if sender else _sender(provider, agreement.path)
    folder = repo.root / SEND_FOLDER / agreement.id
    attachments, signed = collect(repo, path, agreement.id, kinds, redline_base, folder)
    language = agreement.model.language or repo.config.language
    template = repo.templates[agreement.model.template]
    context = {**agreement_data(repo, agreement), "lang": language, "status": agreement.model.status,
               "title": agreement.model.title or template.meta.title[language],
               "attachments": [a.name for a in attachments], "signed_pdf": signed}
    subject, body = render_message(*message_template(repo.root, language), context)
    composed = compose(from_address, recipients, copies, subject, body, attachments, now)
    eml = folder / f"{agreement.id}.eml"
    from ..output import write_atomic

    write_atomic(eml, composed.data)
    return Prepared(repo.root, agreement.id, path, agreement.path, composed, attachments, signed, eml, recipients, copies)


def _sender(provider, shown: str) -> str:
    if provider is None or not provider.email:
        raise SendError(f"{shown}: no sender address: set the provider's `email:` (clausier.yml organisation.email "
                        "or the agreement's provider.email), or give --from")
    return parse_address(f"{provider.name} <{provider.email}>" if provider.name else provider.email,
                         "the provider's email")


def send(prepared: Prepared, server: str, require_tls: bool) -> tuple[Delivery, dict]:
    """Deliver the prepared message and record it in the agreement; (delivery, the `sent:` entry)."""
    host, port = parse_server(server)
    delivery = deliver(prepared.composed, host, port, require_tls)
    refused = {address.lower() for address in delivery.refused}
    to = [bare(a) for a in prepared.to if bare(a).lower() not in refused]
    cc = [bare(a) for a in prepared.cc if bare(a).lower() not in refused]
    if not to:  # only copies were accepted: a record names at least one recipient under `to:`
        to, cc = cc, []
    entry = {"at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(), "to": to,
             **({"cc": cc} if cc else {}), "message_id": prepared.composed.message_id,
             "server": delivery.server, "attachments": dict(prepared.composed.attachments)}
    try:
        record_sent(prepared.root, prepared.path, prepared.shown, entry)
    except Exception as exc:  # noqa: BLE001 - the message is gone: say so, whatever stopped the record
        raise SendError(f"the message was delivered (Message-ID {prepared.composed.message_id}) but `sent:` could "
                        f"not be recorded in {prepared.shown}: {exc}; add it by hand") from None
    return delivery, entry
