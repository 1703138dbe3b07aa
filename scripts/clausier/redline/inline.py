"""Inline comparison: two pieces of inline Markdown compared word by word (difflib), as
segments (equal, deleted, inserted) that each carry their own spaces, with counts of the words
changed and short excerpts for the summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import SequenceMatcher

from .tokenizer import SEPARATORS, SOFT_SPACES, comment_text, count_words, is_numbering, join_words, plain, tokens

EQUAL, DELETED, INSERTED = "=", "-", "+"


@dataclass(frozen=True)
class Segment:
    kind: str  # "=", "-", "+"
    text: str  # Markdown


@dataclass
class Counts:
    added: int = 0
    removed: int = 0
    renumbered: int = 0  # number changes due to renumbering (headings, lead-ins, cross-references)
    edits: int = 0  # changes that are not renumbering (even without a word, e.g. punctuation)
    excerpts: list[str] = field(default_factory=list)

    def add(self, other: "Counts") -> None:
        self.added += other.added
        self.removed += other.removed
        self.renumbered += other.renumbered
        self.edits += other.edits
        self.excerpts.extend(other.excerpts)


def _cleanup(opcodes: list[tuple], old: list[str], new: list[str]) -> list[tuple]:
    """Fold a short equal run lying between two larger changes into them ("de", "la"…), so a
    rewritten sentence reads as one deletion and one insertion rather than confetti."""
    ops = [list(op) for op in opcodes]
    changed = True
    while changed:
        changed = False
        for k in range(1, len(ops) - 1):
            tag, i1, i2, _, _ = ops[k]
            if tag != "equal" or ops[k - 1][0] == "equal" or ops[k + 1][0] == "equal":
                continue
            size = i2 - i1
            left = max(ops[k - 1][2] - ops[k - 1][1], ops[k - 1][4] - ops[k - 1][3])
            right = max(ops[k + 1][2] - ops[k + 1][1], ops[k + 1][4] - ops[k + 1][3])
            if size <= 3 and 2 * size < min(left, right):
                merged = ["replace", ops[k - 1][1], ops[k + 1][2], ops[k - 1][3], ops[k + 1][4]]
                ops[k - 1 : k + 2] = [merged]
                changed = True
                break
    return [tuple(op) for op in ops]


def _change_segments(a, b, i1: int, i2: int, j1: int, j2: int, after_change: bool = False) -> list[Segment]:
    """One change with its spaces: the separators before its words and before the next equal
    word belong to each side. What both sides share at the edges stays equal; the rest goes
    into the deletion and the insertion, so each side reads exactly as its own text (Accept all
    in Word gives the new text, Reject all the old one, with no space missing or doubled)."""
    old = "".join(sep + word for sep, word in a[i1:i2]) + (a[i2][0] if i2 < len(a) else "")
    new = "".join(sep + word for sep, word in b[j1:j2]) + (b[j2][0] if j2 < len(b) else "")
    if (not i1 and not j1) or after_change:  # no text before it, or written by the change before
        old = old[len(a[i1][0]):] if i1 < i2 else old
        new = new[len(b[j1][0]):] if j1 < j2 else new
    spaces = SEPARATORS + SOFT_SPACES
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head] and old[head] in spaces:
        head += 1
    tail = 0
    while (tail < min(len(old), len(new)) - head and old[len(old) - 1 - tail] == new[len(new) - 1 - tail]
           and old[len(old) - 1 - tail] in spaces):
        tail += 1
    out = [Segment(EQUAL, old[:head])] if head else []
    if old[head : len(old) - tail]:
        out.append(Segment(DELETED, old[head : len(old) - tail]))
    if new[head : len(new) - tail]:
        out.append(Segment(INSERTED, new[head : len(new) - tail]))
    if tail:
        out.append(Segment(EQUAL, new[len(new) - tail :]))
    return out


def diff_inline(old: str, new: str, in_heading: bool = False, label: str = "") -> tuple[list[Segment], Counts]:
    """Word-level comparison of two pieces of inline Markdown."""
    a, b = tokens(old), tokens(new)
    matcher = SequenceMatcher(None, [w for _, w in a], [w for _, w in b], autojunk=False)
    segments: list[Segment] = []
    counts = Counts()
    opcodes = _cleanup(matcher.get_opcodes(), [w for _, w in a], [w for _, w in b])
    edits: list[int] = []  # positions of the opcodes that are real edits (not renumbering)
    for position, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            for k, (sep, word) in enumerate(b[j1:j2]):
                if k == 0 and position:
                    sep = ""  # written by the change before it (_change_segments)
                segments.append(Segment(EQUAL, sep + word))
            continue
        deleted, inserted = a[i1:i2], b[j1:j2]
        after_change = bool(position) and opcodes[position - 1][0] != "equal"
        segments.extend(_change_segments(a, b, i1, i2, j1, j2, after_change))
        words = [w for _, w in deleted] + [w for _, w in inserted]
        if len(deleted) == len(inserted) and all(is_numbering(w, in_heading) for w in words):
            counts.renumbered += len(inserted)
            continue
        counts.edits += 1
        counts.added += count_words(w for _, w in inserted)
        counts.removed += count_words(w for _, w in deleted)
        edits.append(position)
    counts.excerpts.extend(_excerpts(a, b, opcodes, edits, label))
    return segments, counts


def _excerpts(a, b, opcodes, edits: list[int], label: str, context: int = 6, gap: int = 8) -> list[str]:
    """The edits of one block with a few words of context, for the summary; edits a few words
    apart share one excerpt: `… payable à ~~30~~ **45** jours **fin de mois**.`"""
    groups: list[list[int]] = []
    for position in edits:
        if groups and opcodes[position][3] - opcodes[groups[-1][-1]][4] <= gap:
            groups[-1].append(position)
        else:
            groups.append([position])
    out = []
    for group in groups:
        first, last = opcodes[group[0]], opcodes[group[-1]]
        j1, j2 = first[3], last[4]
        parts = [f"**{comment_text(label)}** " if label else ""]
        if j1 > context:
            parts.append("… ")
        parts.append(comment_text(plain(join_words(b[max(0, j1 - context) : j1]))))
        for position in range(group[0], group[-1] + 1):
            tag, i1, i2, k1, k2 = opcodes[position]
            if tag == "equal":
                between = plain("".join(sep + w for sep, w in b[k1:k2]))
                parts.append((" " if between[:1].isspace() else "") + comment_text(between))
                continue
            old_text, new_text = comment_text(plain(join_words(a[i1:i2]))), comment_text(plain(join_words(b[k1:k2])))
            separator = (a[i1:i2] or b[k1:k2])[0][0]
            space = " " if separator and (k1 > 0 or position > group[0]) else ""
            if old_text:
                parts.append(f"{space}~~{old_text}~~")
                space = " "
            if new_text:
                parts.append(f"{space}**{new_text}**")
        if j2 < len(b):
            parts.append((" " if b[j2][0] else "") + comment_text(plain(join_words(b[j2 : j2 + context]))))
            if j2 + context < len(b):
                parts.append(" …")
        text = "".join(parts)
        out.append(text if len(text) <= 400 else text[:399] + "…")
    return out


def whole(text: str, kind: str) -> tuple[list[Segment], Counts]:
    """A block that exists on one side only: all of it inserted or deleted."""
    counts = Counts()
    words = tokens(text)
    if kind == INSERTED:
        counts.added = count_words(w for _, w in words)
    else:
        counts.removed = count_words(w for _, w in words)
    counts.edits = 1 if words else 0
    return ([Segment(kind, join_words(words))] if words else []), counts
