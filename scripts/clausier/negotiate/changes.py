"""What `clausier negotiate` reads from a returned Word file, and what it makes of each change.

Two stages share these types: `reading` (the returned DOCX → `Change`s, each placed in its
article by our bookmarks) and `mapping` (each `Change` → a `Meaning`: a front-matter field, a
clause parameter, a known variant, free text or a structural change, judged against the
playbook). Kept here, apart from both, so neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional

ChangeKind = Literal["insert", "delete", "replace", "move", "format", "comment", "untracked"]
MeaningKind = Literal["field", "parameter", "variant", "free-text", "structure"]
Decision = Literal["standard", "needs-approval", "refused", "legal-review", "not-applicable"]


@dataclass(frozen=True)
class Change:
    """One change the client made, in document order."""

    kind: ChangeKind
    article: Optional[str]  # the clause id whose bookmark (art-<id>) holds it; None: before the first article
    old_text: str  # the sent words it replaces or deletes ("" for an insertion)
    new_text: str  # the words it inserts ("" for a deletion)
    context: str  # the whole paragraph as returned, changes accepted (to find a parameter's slot)
    sent_paragraph: str  # the same paragraph as sent
    author: str = ""
    date: str = ""  # ISO 8601 as Word wrote it, or ""
    comment: str = ""  # the text of a comment anchored on this change, if any
    tracked: bool = True  # False: found by comparing the accepted text with the sent text
    place: str = ""  # where a lawyer finds it: "word/document.xml paragraph 57"
    region: str = ""  # the named block holding it, if any: "parties", "signatures", "cover", "part-…"
    style: str = ""  # its paragraph's style as returned ("Heading1": a heading), "" for body text
    origin: Optional[str] = None  # a move: the article it was moved from


@dataclass(frozen=True)
class Meaning:
    """What a change means for the agreement, and the playbook's decision on it."""

    change: Change
    kind: MeaningKind
    decision: Decision
    clause: Optional[str] = None
    target: Optional[str] = None  # "payment.due_days", "termination.cure_days", "liability:fallback-1"
    old_value: object = None
    new_value: object = None
    approvers: tuple[str, ...] = ()  # roles whose approval a "needs-approval" change needs
    reason: str = ""  # why this decision, in a sentence a lawyer reads
    applicable: bool = False  # --apply may write it (fields, parameters, variants)


@dataclass
class Negotiation:
    """Everything `negotiate` found in one returned file."""

    agreement: str  # agreements/<id>.md
    sent_commit: str  # the commit the DOCX was built from (its custom property)
    changes: list[Change] = field(default_factory=list)
    meanings: list[Meaning] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)  # problems with the file itself, each placed
