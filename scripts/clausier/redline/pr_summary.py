"""The short Markdown summary of a comparison: posted on pull requests, printed by `clausier
diff` and written as its `.diff.md`."""

from __future__ import annotations

from .align import Comparison, SectionDiff
from .inline import DELETED, EQUAL, Segment
from .tokenizer import comment_text, plain


def _ranges(numbers: list[int]) -> str:
    """[7, 8, 9, 12] → "7–9, 12"."""
    out, start = [], None
    for k, n in enumerate(numbers):
        if start is None:
            start = n
        if k + 1 == len(numbers) or numbers[k + 1] != n + 1:
            out.append(str(start) if start == n else f"{start}–{n}")
            start = None
    return ", ".join(out)


def section_label(section: SectionDiff) -> str:
    if section.is_article:
        old, new = section.old_number, section.new_number
        if section.status == "deleted":
            number = f"~~{old}~~" if old else ""
        elif old and new and old != new:
            number = f"{new} (was {old})"
        else:
            number = new or old or ""
        return f"{number} — {comment_text(section.title)}" if number else comment_text(section.title)
    return comment_text(section.title)


def summary(comparison: Comparison, agreement_id: str, base_label: str, head_label: str,
            max_excerpts: int = 3) -> str:
    """A short Markdown summary for a pull request: what changed, in the contract's words."""
    heading = f"#### {comment_text(agreement_id)}" + (f" — {comment_text(comparison.title)}" if comparison.title else "")
    sides = f"{base_label} → {head_label}"
    if not comparison.changed:
        return f"{heading}\n\n{sides}: no change in the rendered text.\n"
    changed = comparison.with_status("changed", "inserted", "deleted")
    renumbered = comparison.with_status("renumbered")
    counts = comparison.counts
    articles = [s for s in changed if s.is_article]
    facts = [f"**{len(articles)} article{'s' if len(articles) != 1 else ''} changed**"]
    others = len(changed) - len(articles)
    if others:
        facts.append(f"{others} other part{'s' if others != 1 else ''} changed")
    if renumbered:
        facts.append(f"{len(renumbered)} renumbered only")
    facts.append(f"**+{counts.added} / −{counts.removed} words**")
    lines = [heading, "", f"{sides} · " + " · ".join(facts), ""]
    if comparison.title_change is not None:
        lines += [f"- Title: {_segments_excerpt(comparison.title_change)}", ""]
    if changed:
        lines += ["| Article | Change | Words |", "| --- | --- | --: |"]
        for section in changed:
            lines.append(f"| {section_label(section)} | {section.status} | "
                         f"+{section.counts.added} −{section.counts.removed} |")
        lines.append("")
        for section in changed:
            for excerpt in section.counts.excerpts[:max_excerpts]:
                lines.append(f"- {excerpt}")
            hidden = len(section.counts.excerpts) - max_excerpts
            if hidden > 0:
                lines.append(f"- … and {hidden} more change{'s' if hidden != 1 else ''} in "
                             f"{section_label(section)}")
        lines.append("")
    if renumbered:
        numbers = sorted(int(s.new_number) for s in renumbered if s.new_number and s.new_number.isdigit())
        if numbers:
            lines += [f"Renumbered only (numbers and cross-references): articles {_ranges(numbers)}.", ""]
    return "\n".join(lines)


def _segments_excerpt(segments: list[Segment]) -> str:
    parts = []
    for segment in segments:
        text = comment_text(plain(segment.text))
        if text:
            parts.append(text if segment.kind == EQUAL else (f"~~{text}~~" if segment.kind == DELETED else f"**{text}**"))
    return " ".join(parts)
