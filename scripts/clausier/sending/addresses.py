"""Recipients' addresses, checked before anything is built: one address per value, ASCII local
part, a domain with a dot. A bad one is an error naming it (and the option it came with)."""

from __future__ import annotations

import re
from email.utils import formataddr, parseaddr

from . import SendError

# The characters RFC 5322 allows unquoted in a local part ("atext"), dots between them.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL = re.compile(rf"^{_ATOM}(?:\.{_ATOM})*$")
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
MAX_ADDRESS = 254  # what an SMTP path can hold


def _domain(domain: str) -> str | None:
    """The domain in ASCII (an internationalised one as IDNA), or None when it is not one."""
    try:
        ascii_domain = domain.encode("idna").decode("ascii") if not domain.isascii() else domain
    except UnicodeError:
        return None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        return None
    return ascii_domain.lower()


def parse_address(value: str, option: str) -> str:
    """`value` ("name@example.fr" or "Claire Martin <name@example.fr>") as a header's address,
    or SendError naming it."""
    shown = value.strip()
    if not shown or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise SendError(f"{option} {value!r}: not an e-mail address (empty, or a control character in it)")
    if "," in shown and "<" not in shown:
        raise SendError(f"{option} {shown!r}: give one address per {option} (repeat the option)")
    name, address = parseaddr(shown)
    local, at, domain = address.rpartition("@")
    problem = None
    if not at or not local or not domain:
        problem = "not an e-mail address (expected name@domain)"
    elif not local.isascii() or not _LOCAL.match(local):
        problem = f"the part before @ ({local!r}) has characters an address cannot hold"
    elif _domain(domain) is None:
        problem = f"the domain {domain!r} is not a domain name (e.g. example.fr)"
    elif len(address) > MAX_ADDRESS:
        problem = f"longer than {MAX_ADDRESS} characters"
    elif "<" in shown and not shown.endswith(">"):
        problem = "text after the address"
    if problem:
        raise SendError(f"{option} {shown!r}: {problem}")
    return formataddr((name, f"{local}@{_domain(domain)}"))


def parse_addresses(values: list[str] | tuple[str, ...], option: str) -> list[str]:
    """Each value checked; the same address twice is given once."""
    found: dict[str, str] = {}
    for value in values:
        header = parse_address(value, option)
        found.setdefault(parseaddr(header)[1].lower(), header)
    return list(found.values())


def bare(header: str) -> str:
    """The address alone, as the SMTP envelope and `sent:` write it."""
    return parseaddr(header)[1]
