"""Characters that can hide or reorder contract text, and text decoding."""

from __future__ import annotations

import re
import unicodedata

from .errors import Finding

# Bidirectional controls reorder what a reader sees; zero-width characters hide text.
HIDDEN_CHARACTERS = {
    "\u061c": "ARABIC LETTER MARK",
    "\u200e": "LEFT-TO-RIGHT MARK",
    "\u200f": "RIGHT-TO-LEFT MARK",
    "\u202a": "LEFT-TO-RIGHT EMBEDDING",
    "\u202b": "RIGHT-TO-LEFT EMBEDDING",
    "\u202c": "POP DIRECTIONAL FORMATTING",
    "\u202d": "LEFT-TO-RIGHT OVERRIDE",
    "\u202e": "RIGHT-TO-LEFT OVERRIDE",
    "\u2066": "LEFT-TO-RIGHT ISOLATE",
    "\u2067": "RIGHT-TO-LEFT ISOLATE",
    "\u2068": "FIRST STRONG ISOLATE",
    "\u2069": "POP DIRECTIONAL ISOLATE",
    "\u200b": "ZERO WIDTH SPACE",
    "\u200c": "ZERO WIDTH NON-JOINER",
    "\u200d": "ZERO WIDTH JOINER",
    "\u2060": "WORD JOINER",
    "\ufeff": "ZERO WIDTH NO-BREAK SPACE (byte-order mark)",
}


_HIDDEN = re.compile("[" + "".join(HIDDEN_CHARACTERS) + "]")


def hidden_character_findings(text: str, path: str, line_offset: int = 0) -> list[Finding]:
    """Every bidirectional-control or zero-width character, with its line and column.
    (A regular expression finds them: every file is read at every build, and most have none.)"""
    findings = []
    for match in _HIDDEN.finditer(text):
        start = match.start()
        line_start = text.rfind("\n", 0, start) + 1
        char = match.group()
        findings.append(
            Finding(
                path,
                text.count("\n", 0, start) + 1 + line_offset,
                start - line_start + 1,
                message=f"hidden character U+{ord(char):04X} {HIDDEN_CHARACTERS[char]} "
                "can disguise contract text; delete it",
                rule="hidden-characters",
            )
        )
    return findings


def decode_text(data: bytes, path: str) -> tuple[str, list[Finding]]:
    """Decode UTF-8, normalise line ends and Unicode (NFC); report what is wrong."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return "", [
            Finding(path, line, col, message="file is not valid UTF-8; save it as UTF-8", rule="encoding")
        ]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    findings = hidden_character_findings(text, path)
    return unicodedata.normalize("NFC", text), findings
