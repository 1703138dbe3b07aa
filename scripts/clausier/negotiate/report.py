"""What `clausier negotiate` says: a summary for the terminal, a JSON list for CI and tools, and
Markdown fit for a pull-request comment (a table of every change, then the free-text proposals
quoted, so the lawyer reads the client's own words)."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from decimal import Decimal
from typing import Any

from .changes import Meaning, Negotiation

DECISIONS = ("standard", "needs-approval", "legal-review", "refused", "not-applicable")
_SHOWN = {"standard": "standard", "needs-approval": "needs approval", "legal-review": "legal review",
          "refused": "refused", "not-applicable": "not applicable"}


def value_text(value: Any) -> str:
    """A value as the agreement's front matter writes it: 2027-01-15, 45, 3 months, 1.5."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def record(meaning: Meaning) -> dict[str, Any]:
    """One change as the JSON output lists it."""
    change = meaning.change
    return {
        "article": change.article,
        "clause": meaning.clause,
        "kind": meaning.kind,
        "target": meaning.target,
        "old": value_text(meaning.old_value),
        "new": value_text(meaning.new_value),
        "author": change.author,
        "date": change.date,
        "comment": change.comment,
        "decision": meaning.decision,
        "approvers": list(meaning.approvers),
        "reason": meaning.reason,
        "applicable": meaning.applicable and meaning.decision != "refused",
        "change": change.kind,
        "tracked": change.tracked,
        "place": change.place,
    }


def as_json(negotiation: Negotiation) -> str:
    return json.dumps([record(m) for m in negotiation.meanings], ensure_ascii=False, indent=2) + "\n"


def counts(negotiation: Negotiation) -> str:
    """ "5 changes: 2 standard, 1 needs approval, 1 refused, 1 legal review" """
    found = Counter(m.decision for m in negotiation.meanings)
    parts = [f"{found[d]} {_SHOWN[d]}" for d in DECISIONS if found[d]]
    total = len(negotiation.meanings)
    return f"{total} change{'s' if total != 1 else ''}" + (f": {', '.join(parts)}" if parts else "")


def _what(meaning: Meaning) -> str:
    if meaning.kind in ("parameter", "field"):
        return f"{meaning.kind} {meaning.target}: {value_text(meaning.old_value)} → {value_text(meaning.new_value)}"
    if meaning.kind == "variant":
        return f"variant {meaning.target}"
    change = meaning.change
    words = _clip(change.new_text or change.old_text or change.context)
    verb = {"insert": "inserted", "delete": "deleted", "move": "moved", "comment": "comment on",
            "format": "formatting of"}.get(change.kind, "replaced" if change.old_text else "typed")
    return f"{meaning.kind} ({verb}): «{words}»"


def _clip(text: str, width: int = 70) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _by(meaning: Meaning) -> str:
    change = meaning.change
    parts = [change.author, change.date[:10], "" if change.tracked else "tracking off"]
    return ", ".join(part for part in parts if part)


def as_text(negotiation: Negotiation) -> str:
    """The terminal summary: one line per change, its decision first, the reason and comment under it."""
    lines = [f"{negotiation.agreement} (sent from {negotiation.sent_commit[:12] or 'an unknown commit'}): "
             f"{counts(negotiation)}"]
    lines += [f"  finding: {finding}" for finding in negotiation.findings]
    for meaning in negotiation.meanings:
        where = meaning.change.article or meaning.clause or "before the first article"
        lines.append(f"  [{_SHOWN[meaning.decision]}] {where}: {_what(meaning)}"
                     + (f" — {_by(meaning)}" if _by(meaning) else ""))
        lines.append(f"      {meaning.reason}")
        if meaning.change.comment:
            lines.append(f"      comment: «{_clip(meaning.change.comment, 200)}»")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """Text in a Markdown table cell: one line, pipes and markup written literally."""
    return _literal(" ".join(str(text).split()))


def _literal(text: str) -> str:
    """The client's words as Markdown that shows them, never as links, images or HTML."""
    for char in "\\|*_`[]<>#!":
        text = text.replace(char, "\\" + char)
    return text


def as_markdown(negotiation: Negotiation) -> str:
    """A pull-request comment: the table of every change, then the free-text proposals quoted."""
    out = [f"### Returned: {_cell(negotiation.agreement)}", "",
           f"Sent from commit `{negotiation.sent_commit[:12] or 'unknown'}`: {counts(negotiation)}.", ""]
    out += [f"- ⚠ {_cell(finding)}" for finding in negotiation.findings]
    if negotiation.findings:
        out.append("")
    if negotiation.meanings:
        out += ["| # | Article | Change | Old | New | Decision | By | Why |",
                "|---:|---|---|---|---|---|---|---|"]
        for number, meaning in enumerate(negotiation.meanings, start=1):
            old = value_text(meaning.old_value) if meaning.kind in ("parameter", "field", "variant") \
                else _clip(meaning.change.old_text, 40)
            new = value_text(meaning.new_value) if meaning.kind in ("parameter", "field", "variant") \
                else _clip(meaning.change.new_text, 40)
            what = f"{meaning.kind} `{meaning.target}`" if meaning.target else meaning.kind
            why = meaning.reason + (f" — comment: «{meaning.change.comment}»" if meaning.change.comment else "")
            out.append(f"| {number} | {_cell(meaning.change.article or meaning.clause or '—')} | {what} | {_cell(old)} | {_cell(new)} | "
                       f"**{_SHOWN[meaning.decision]}** | {_cell(_by(meaning))} | {_cell(why)} |")
        out.append("")
    proposals = [m for m in negotiation.meanings if m.kind == "free-text"]
    if proposals:
        out += ["#### Free-text proposals", ""]
        for meaning in proposals:
            out += proposal(meaning)
    return "\n".join(out).rstrip("\n") + "\n"


def proposal(meaning: Meaning) -> list[str]:
    """One free-text proposal: where, who, the paragraph as sent and as returned, quoted."""
    change = meaning.change
    head = f"**{_cell(meaning.clause or 'before the first article')}** — {_cell(_by(meaning)) or 'unknown author'}"
    out = [head + (f" — comment: «{_cell(change.comment)}»" if change.comment else ""), ""]
    if change.sent_paragraph:
        out += ["As sent:", "", *_quoted(change.sent_paragraph), ""]
    out += ["As returned:" if change.context else "Deleted.", ""]
    if change.context:
        out += [*_quoted(change.context), ""]
    return out


def _quoted(text: str) -> list[str]:
    return ["> " + _literal(line) if line.strip() else ">" for line in text.split("\n")]
