"""Words of inline Markdown: the units a redline compares (`tokens`), and what a reader sees of
them (`plain`, `count_words`). Links, code spans and emphasis runs stay whole, punctuation is a
word of its own, and each word carries the separator before it."""

from __future__ import annotations

import re
from typing import Iterable

SEPARATORS = " \t\n"
SOFT_SPACES = "\u00a0\u202f"
_UNITS = "€$£%¥"
_DELIMITERS = ("**", "__", "~~", "*", "_")
_SIMPLE_EMPHASIS = re.compile(
    r"(?<![\\*_~\w])(\*\*|__|~~|\*|_)(?=[^\s*_~])([^*_~\[\]`\\]*?[^\s*_~\[\]`\\])\1(?![*_~\w])")


def _is_separator(text: str, index: int) -> int:
    """Length of the separator starting at `index` (0 if none).

    Spaces, tabs, newlines and hard line breaks separate words. A no-break space separates them
    too, except inside an amount or before a unit (`12 000,00 €`, `30 %` stay one word).
    """
    char = text[index]
    if char in SEPARATORS:
        return 1
    if char == "\\" and text[index + 1 : index + 2] == "\n":
        return 2
    if char in SOFT_SPACES:
        before = text[index - 1] if index else ""
        after = text[index + 1] if index + 1 < len(text) else ""
        if after and (after in _UNITS or (before.isdigit() and after.isdigit())):
            return 0
        return 1
    return 0


def _distribute(text: str) -> str:
    """`**Clair Obscur**` → `**Clair** **Obscur**`: each word carries its own emphasis, so a
    mark around one word never splits a pair of delimiters. Renders the same."""

    def spread(match: re.Match) -> str:
        delimiter, inner = match.group(1), match.group(2)
        if not any(c in inner for c in SEPARATORS):
            return match.group(0)
        return delimiter + re.sub(r"([ \t\n]+)", lambda m: delimiter + m.group(1) + delimiter, inner) + delimiter

    return _SIMPLE_EMPHASIS.sub(spread, text)


def _closing(text: str, start: int, opener: str, closer: str) -> int:
    """Index just after the `closer` matching the `opener` at `start`, or -1."""
    depth, index = 0, start
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "`":
            end = text.find("`", index + 1)
            index = end + 1 if end != -1 else index + 1
            continue
        if char == opener:
            depth += 1
        elif char == closer:
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return -1


def _emphasis_run(text: str, start: int) -> int:
    """End of an emphasis run that contains spaces and could not be spread word by word, or -1."""
    for delimiter in _DELIMITERS:
        if not text.startswith(delimiter, start):
            continue
        body = start + len(delimiter)
        if body >= len(text) or text[body] in SEPARATORS + "*_~":
            return -1
        index = body
        while True:
            index = text.find(delimiter, index + 1)
            if index == -1:
                return -1
            if text[index - 1] not in SEPARATORS + "\\" and text[index + len(delimiter) : index + len(delimiter) + 1] not in ("*", "_", "~"):
                end = index + len(delimiter)
                return end if any(c in text[start:end] for c in SEPARATORS) else -1
    return -1


def tokens(text: str) -> list[tuple[str, str]]:
    """Words of inline Markdown, each with the separator before it: [(sep, word), …].

    Links, spans, code and emphasis runs that hold spaces are single words; stray brackets are
    escaped so that no word can open or close a bracket outside itself.
    """
    text = _distribute(text)
    out: list[tuple[str, str]] = []
    index, length = 0, len(text)
    while index < length:
        start = index
        while index < length:
            step = _is_separator(text, index)
            if not step:
                break
            index += step
        separator = text[start:index]
        if index >= length:
            break
        word: list[str] = []
        while index < length and not _is_separator(text, index):
            char = text[index]
            if char == "\\" and index + 1 < length:
                word.append(text[index : index + 2])
                index += 2
                continue
            if char == "[":
                end = _closing(text, index, "[", "]")
                if end != -1 and text[end : end + 1] in ("(", "{"):
                    after = _closing(text, end, text[end], ")" if text[end] == "(" else "}")
                    end = after
                elif end != -1 and not (word and word[-1].endswith("^")):
                    end = -1
                if end == -1:
                    word.append("\\[")
                    index += 1
                else:
                    word.append(text[index:end])
                    index = end
                continue
            if char == "]":
                word.append("\\]")
                index += 1
                continue
            if char == "`":
                ticks = len(text[index:]) - len(text[index:].lstrip("`"))
                end = text.find("`" * ticks, index + ticks)
                end = length if end == -1 else end + ticks
                word.append(text[index:end])
                index = end
                continue
            if not word and char in "*_~":
                end = _emphasis_run(text, index)
                if end != -1:
                    word.append(text[index:end])
                    index = end
                    continue
            word.append(char)
            index += 1
        # punctuation is a word of its own, so "Studio," → "Studio Lyon," inserts one word
        head = 0
        while head < len(word) - 1 and word[head] in _OPENING:
            head += 1
        tail = len(word)
        while tail > head + 1 and word[tail - 1] in _CLOSING:
            tail -= 1
        pieces = ["".join(word[:head])] if head else []
        pieces += ["".join(word[head:tail])] + list(word[tail:])
        for k, piece in enumerate(pieces):
            out.append((separator if k == 0 else "", piece))
    return out


_OPENING = set("(«“")
_CLOSING = set(",.;:!?)»”")


_LINK = re.compile(r"\[((?:[^\[\]\\]|\\.)*)\](?:\([^)]*\)|\{[^}]*\})")


def plain(markdown: str) -> str:
    """The text a reader sees for a piece of inline Markdown (links → their text, no markup)."""
    text = _LINK.sub(r"\1", markdown)
    text = re.sub(r"(?<!\\)(\*\*|__|~~|\*|(?<![\w])_|_(?![\w]))", "", text)
    text = re.sub(r"(?<!\\)`+", "", text)
    return re.sub(r"\\(.)", r"\1", text).replace("\\\n", "\n")


def count_words(markdown_words: Iterable[str]) -> int:
    """Words as a reader counts them: runs of text holding a letter or a digit."""
    total = 0
    for word in markdown_words:
        # split on ordinary spaces only: "12 000,00 €" (no-break spaces) is one word
        total += sum(1 for part in re.split(r"[ \t\n]+", plain(word)) if any(c.isalnum() for c in part))
    return total


_NUMBER = re.compile(r"^\d+(?:\.\d+)*\.?$")
_LEAD_IN = re.compile(r"^\*\*\d+(?:\.\d+)*\*\*$")
_CROSS_REFERENCE = re.compile(r"^\[\d+(?:\.\d+)*\]\(#art-[^)]*\)[^\w]*$")


def is_numbering(word: str, in_heading: bool) -> bool:
    """An article or sub-clause number, as renumbering changes it (not a figure in the text)."""
    return bool(_LEAD_IN.match(word) or _CROSS_REFERENCE.match(word) or (in_heading and _NUMBER.match(word)))


def join_words(words: list[tuple[str, str]]) -> str:
    """Words back into text, without the separator before the first one."""
    if not words:
        return ""
    return words[0][1] + "".join(sep + word for sep, word in words[1:])


def comment_text(text: str) -> str:
    """Plain text made safe for a GitHub comment (one line, markup characters escaped)."""
    text = re.sub(r"[ \t\r\n]+", " ", text).strip(" \t\r\n")
    return re.sub(r"([\\`*_{}\[\]<>()#+!|~])", r"\\\1", text)
