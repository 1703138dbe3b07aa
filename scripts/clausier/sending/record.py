"""`sent:` in the agreement's front matter: one entry per delivery, appended as text, so the
file's comments, quoting and layout stay as they were.

The new entry goes after the last item of an existing block list `sent:`, or at the end of the
front matter with a comment saying who writes it. The result is read back before it is written:
its data must be the old data plus this entry, its body the same, else nothing is written.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from . import SendError

COMMENT = "# Written by `clausier send`: one entry per message a server accepted; do not edit by hand."
_ITEM = re.compile(r"^(\s*)- ")


def entry_lines(entry: dict[str, Any], dash: str) -> list[str]:
    """The entry as a block mapping in a list item at indent `dash`; every scalar written as a
    JSON string or number, which YAML reads back as written."""
    pad = dash + "  "
    lines = []
    for index, (key, value) in enumerate(entry.items()):
        lead = f"{dash}- " if index == 0 else pad
        if isinstance(value, dict):
            lines.append(f"{lead}{key}:")
            lines += [f"{pad}  {json.dumps(k, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False)}"
                      for k, v in value.items()]
        else:
            lines.append(f"{lead}{key}: {json.dumps(value, ensure_ascii=False)}")
    return lines


def with_entry(text: str, shown: str, entry: dict[str, Any]) -> str:
    """`text` (an agreement file) with `entry` appended to its `sent:` list."""
    from ..markdown import front_matter
    from ..yamlio import split_front_matter

    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.replace("\r\n", "\n").split("\n")
    closing = front_matter(text.replace("\r\n", "\n"), required=True).closing  # the closing fence's index
    before = split_front_matter(text.replace("\r\n", "\n"), shown).meta.data or {}
    if not isinstance(before, dict):
        raise SendError(f"{shown}: its front matter is not a mapping; `sent:` cannot be recorded")
    sent = before.get("sent")
    if sent is None and "sent" not in before:
        insert, new = _end_of_front_matter(lines, closing), [COMMENT, "sent:", *entry_lines(entry, "  ")]
    else:
        insert, dash = _end_of_sent(lines, closing, shown)
        new = entry_lines(entry, dash)
    result = "\n".join(lines[:insert] + new + lines[insert:])
    _check(before, result, text, shown, entry)
    return result.replace("\n", newline) if newline != "\n" else result


def _end_of_front_matter(lines: list[str], closing: int) -> int:
    """Where a new key goes: before the closing fence and any blank lines above it."""
    index = closing
    while index > 1 and not lines[index - 1].strip():
        index -= 1
    return index


def _end_of_sent(lines: list[str], closing: int, shown: str) -> tuple[int, str]:
    """(index after the last line of the block list `sent:`, its items' indent)."""
    start = next((i for i in range(1, closing) if re.match(r"^sent\s*:\s*(#.*)?$", lines[i])), None)
    if start is None:
        raise SendError(f"{shown}: `sent:` is not a block list written by `clausier send` (one `- ` item per "
                        "line); fix it by hand, then send again")
    end, dash = start + 1, None
    for index in range(start + 1, closing):
        line = lines[index]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[:1].isspace() and not line.startswith("-"):
            break  # the next top-level key
        if dash is None and (match := _ITEM.match(line)):
            dash = match.group(1)
        end = index + 1
    if dash is None:
        raise SendError(f"{shown}:{start + 1}: `sent:` has no entry written by `clausier send`; remove it "
                        "and send again")
    return end, dash


def _check(before: dict, result: str, original: str, shown: str, entry: dict[str, Any]) -> None:
    """The text as it will be written reads back as the old data plus `entry`, with the same body."""
    from ..yamlio import split_front_matter

    try:
        after = split_front_matter(result, shown)
        old = split_front_matter(original.replace("\r\n", "\n"), shown)
    except Exception as exc:  # noqa: BLE001 - any failure means: do not write
        raise SendError(f"{shown}: recording `sent:` would break its front matter ({exc}); nothing written") from None
    expected = {**before, "sent": [*(before.get("sent") or []), entry]}
    if _plain(after.meta.data) != _plain(expected) or after.body != old.body:
        raise SendError(f"{shown}: `sent:` could not be appended without changing other fields (is it "
                        "written by hand?); nothing written")


def _plain(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def record_sent(root: Path, path: Path, shown: str, entry: dict[str, Any]) -> None:
    """Append `entry` to the agreement's `sent:`, rewriting the file in place through no link."""
    from ..safefile import read_text, replace_bytes

    text = read_text(root, path)
    replace_bytes(root, path, with_entry(text, shown, entry).encode("utf-8"))
