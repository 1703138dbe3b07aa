"""Sending an agreement by e-mail: `clausier send`.

    addresses     the recipients, validated one by one (a clear error names the bad one)
    attachments   what is attached: the signed PDF as it is, else the PDF the pipeline renders;
                  the DOCX and the redline on request
    cover         the short cover message, a Jinja template rendered in the contracts' sandbox
    message       one RFC 5322 message, serialised once: the .eml and what is delivered are the
                  same bytes
    smtp          delivery: STARTTLS whenever offered (required with --require-tls), credentials
                  from the environment only
    record        `sent:` written into the agreement's front matter, comments and layout kept
    outgoing      the steps in order: prepare (nothing leaves the machine), then deliver and record

Nothing is sent unless a server is named, and `sent:` records only what a server accepted.
"""

from __future__ import annotations

from ..errors import ClausierError


class SendError(ClausierError):
    """Sending failed or was refused; nothing is recorded."""
