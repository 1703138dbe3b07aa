"""`clausier send`: an agreement by e-mail, to a file always and to a server when one is named."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import ClausierError
from .common import err, out, shown


@click.command()
@click.argument("agreement", type=click.Path(exists=True, dir_okay=False))
@click.option("--to", "to", multiple=True, required=True, metavar="ADDRESS",
              help="Recipient, e.g. 'Claire Martin <claire.martin@example.fr>'; repeat for several.")
@click.option("--cc", multiple=True, metavar="ADDRESS", help="Recipient in copy; repeat for several.")
@click.option("--from", "sender", metavar="ADDRESS",
              help="Sender (default: the provider's name and email, from clausier.yml or the agreement).")
@click.option("--attach", default="pdf", show_default=True,
              help="What to attach, comma-separated: pdf (always; the signed one from signatures/ when it "
                   "exists), docx, redline (the marked-up PDF of `clausier diff`).")
@click.option("--redline-base", metavar="REV", help="Revision the redline compares from (default: the merge "
              "base with the main branch, as `clausier diff`).")
@click.option("--smtp", "server", metavar="HOST:PORT", help="Deliver through this SMTP server (587 if no port; "
              "465 is TLS from the start). Without it nothing leaves the machine and nothing is recorded. "
              "Credentials: CLAUSIER_SMTP_USER and CLAUSIER_SMTP_PASSWORD.")
@click.option("--require-tls", is_flag=True, help="Refuse to deliver unless the server offers STARTTLS (or TLS on 465).")
@click.pass_obj
def send(root: Path, agreement: str, to: tuple[str, ...], cc: tuple[str, ...], sender: str | None, attach: str,
         redline_base: str | None, server: str | None, require_tls: bool) -> None:
    """Write AGREEMENT as an e-mail to build/send/<id>/<id>.eml, with a cover message in its
    language (templates/send/message.<lang>.txt.j2) and the PDF attached; with --smtp, deliver it
    (STARTTLS whenever offered) and record `sent:` (time, recipients, Message-ID, sha256 of each
    attachment) in its front matter.

    Exit status: 0 written (and delivered, with --smtp), 1 not sent (bad address, the agreement
    does not build, the server unreachable or refusing), 2 usage error.
    """
    from ..sending import SendError  # e-mail, the pipeline and the models: only when sending
    from ..sending.attachments import parse_kinds
    from ..sending.outgoing import prepare, send as deliver_and_record
    from ..sending.smtp import parse_server

    try:
        kinds = parse_kinds(attach)
        if server:
            parse_server(server)
    except SendError as exc:
        raise click.UsageError(str(exc)) from None
    if require_tls and not server:
        raise click.UsageError("--require-tls applies to delivery: give --smtp HOST:PORT too")
    try:
        prepared = prepare(root, Path(agreement).resolve(), list(to), list(cc), kinds, sender, redline_base)
    except ClausierError as exc:
        err.print(f"error: {exc}", markup=False)
        sys.exit(1)
    for item in prepared.attachments:
        err.print(f"attached {item.name} ({item.origin}, sha256 {prepared.composed.attachments[item.name][:16]}…)",
                  markup=False)
    err.print(f"wrote {shown(prepared.eml)}", markup=False)
    if not server:
        out.print("not sent: nothing left this machine and `sent:` is not recorded (give --smtp HOST:PORT to "
                  "deliver)", markup=False)
        return
    try:
        delivery, entry = deliver_and_record(prepared, server, require_tls)
    except ClausierError as exc:
        err.print(f"error: {exc}", markup=False)
        sys.exit(1)
    out.print(f"sent to {', '.join(entry['to'] + entry.get('cc', []))} through {delivery.server} "
              f"({'TLS: ' + delivery.security if delivery.security != 'none' else 'without TLS'}), "
              f"Message-ID {entry['message_id']}; recorded in {prepared.shown}: commit it", markup=False)
    if delivery.refused:
        for who, answer in delivery.refused.items():
            err.print(f"error: {delivery.server} refused {who}: {answer}", markup=False)
        sys.exit(1)
