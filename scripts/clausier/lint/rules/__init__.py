"""The registry: every rule, once, in reading order. Add a rule by adding its module here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable

from ...errors import Finding

if TYPE_CHECKING:
    from ..context import CheckContext


@dataclass(frozen=True)
class Rule:
    id: str
    summary: str
    check: Callable[["CheckContext"], Iterable[Finding]]
    has_errors: bool = True  # False for rules that only ever warn (skipped by --errors-only)
    # The names its findings show when not its id (text-hazards: `unicode-nfc`…): an ignore may use them.
    names: tuple[str, ...] = ()


@dataclass(frozen=True, order=True)
class ReadIn(Finding):
    """A finding a rule met while reading one agreement (`agreement`: its path as shown), in a
    clause's or the template's text as assembled for it; `clause`: the clause it is about, if any.
    The ignores of that agreement and of that clause apply to it (lint/ignores.py), and the same
    finding met in several agreements is reported once, naming them."""

    agreement: str = ""
    clause: str = ""


from . import (  # noqa: E402 - the registry needs Rule first
    completeness,
    contract_markup,
    cross_references,
    defined_terms,
    hygiene,
    key_terms,
    money_dates,
    parity,
    parties,
    playbook,
    renders,
    schema,
    signed,
    text_hazards,
)

RULES: list[Rule] = [
    schema.RULE,
    hygiene.RULE,
    text_hazards.RULE,
    contract_markup.RULE,
    renders.RULE,
    parity.RULE,
    completeness.RULE,
    parties.RULE,
    money_dates.RULE,
    cross_references.RULE,
    key_terms.RULE,
    defined_terms.RULE,
    playbook.RULE,
    signed.RULE,
]
