"""Characters that can hide or reorder contract text, and text decoding.

A character is refused by what it is (its Unicode category), not by a list of names: format
characters (Cf: bidirectional controls, zero-width characters, invisible operators, tags, the
soft hyphen, interlinear annotations), controls (Cc) other than tab and newline, private-use
(Co), surrogate (Cs) and unassigned (Cn) code points, plus the few invisible characters filed
under other categories (the grapheme joiner, variation selectors, Hangul fillers, the line and
paragraph separators). Typography keeps what it needs: the no-break spaces U+00A0 and U+202F,
the thin space U+2009 and the non-breaking hyphen U+2011 are visible spacing, not format
characters, and are allowed; the soft hyphen U+00AD is refused (it is invisible except at a
line break, so "pay" and "p-ay" look the same and search differently; Typst hyphenates by
itself).

Three scans see the text as it will be rendered, each naming the place in the source file:
the file as written (`hidden_character_findings`, which also sees comments), the HTML entities
pandoc decodes (`&#x202E;`, `&rlm;`: `entity_findings`) and the escapes YAML decodes in
double-quoted values (`"\\u202E"`: `yaml_escape_findings`). What Jinja builds (`{{ "\\u202e" }}`)
is scanned after rendering (hidden_rendered.py).
"""

from __future__ import annotations

import html.entities
import re
import unicodedata

from .errors import Finding
from .markdown import front_matter

RULE = "hidden-characters"
# Allowed whatever their category: layout characters and the spacing typography needs.
ALLOWED = frozenset("\t\n\u00a0\u202f\u2009\u2011")
REFUSED_CATEGORIES = {"Cf": "format character", "Cc": "control character", "Co": "private-use character",
                      "Cs": "surrogate", "Cn": "unassigned code point"}
# Invisible, or a line break in disguise, though not in the categories above.
INVISIBLE = frozenset(
    "\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180f\u2028\u2029\u3164\uffa0"
    + "".join(map(chr, range(0xFE00, 0xFE10)))
    + "".join(map(chr, range(0xE0100, 0xE01F0)))
)
# Names for the characters unicodedata does not name (controls) or names obscurely.
NAMES = {
    "\ufeff": "ZERO WIDTH NO-BREAK SPACE (byte-order mark)",
    "\x1b": "ESCAPE (starts terminal escape sequences)",
}


def refused(char: str) -> str | None:
    """Why `char` may not appear in contract text, or None when it may."""
    if char in ALLOWED:
        return None
    if char in INVISIBLE:
        return "invisible character"
    return REFUSED_CATEGORIES.get(unicodedata.category(char))


def describe(char: str) -> str:
    """`U+202E RIGHT-TO-LEFT OVERRIDE`: the code point and its name (or what it is)."""
    name = NAMES.get(char) or unicodedata.name(char, "") or refused(char) or "character"
    return f"U+{ord(char):04X} {name}"


def _suspects() -> re.Pattern[str]:
    """Every character outside the common scripts and punctuation (where nothing is refused):
    a match is only a suspect, which `refused` then decides. One C-speed pass over a file."""
    common = [(0x20, 0x7E), (0xA0, 0x24F), (0x300, 0x52F), (0x1E00, 0x1FFF), (0x2000, 0x20CF),
              (0x2100, 0x22FF), (0x2500, 0x25FF)]
    safe = sorted(c for low, high in common for c in range(low, high + 1) if refused(chr(c)) is None)
    ranges, start = [], None
    for index, code in enumerate(safe):
        if start is None:
            start = code
        if index + 1 == len(safe) or safe[index + 1] != code + 1:
            ranges.append(re.escape(chr(start)) + ("-" + re.escape(chr(code)) if code != start else ""))
            start = None
    return re.compile("[^\t\n" + "".join(ranges) + "]")


_SUSPECT = _suspects()


def _place(text: str, offset: int, line_offset: int = 0) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1 + line_offset, offset - line_start + 1


def _finding(path: str, line: int, col: int, char: str, how: str = "") -> Finding:
    return Finding(path, line, col, message=f"hidden character {describe(char)}{how} can disguise contract text; "
                   "delete it", rule=RULE)


def hidden_offsets(text: str) -> list[tuple[int, str]]:
    """(offset, character) of every refused character in `text`."""
    return [(m.start(), m.group()) for m in _SUSPECT.finditer(text) if refused(m.group())]


def hidden_character_findings(text: str, path: str, line_offset: int = 0) -> list[Finding]:
    """Every refused character as written in the file, with its line and column."""
    return [_finding(path, *_place(text, offset, line_offset), char) for offset, char in hidden_offsets(text)]


# ---------------------------------------------------------------- HTML entities, as pandoc reads them

# pandoc decodes `&#x…;`, `&#…;` and HTML5 names, all with their semicolon, unless the `&` is
# escaped; a code point that cannot be (0, surrogates, past U+10FFFF) reads as U+FFFD.
_ENTITY = re.compile(r"&(?:#[xX]([0-9a-fA-F]{1,16})|#([0-9]{1,16})|([A-Za-z][A-Za-z0-9]{0,40}));")


def decode_entity(match: re.Match[str]) -> str:
    hexa, decimal, name = match.groups()
    if name is not None:
        return html.entities.html5.get(name + ";", "")
    code = int(hexa, 16) if hexa is not None else int(decimal)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return "\ufffd"
    return chr(code)


def _escaped(text: str, offset: int) -> bool:
    """Whether the character at `offset` follows an odd number of backslashes."""
    count = 0
    while offset - count > 0 and text[offset - count - 1] == "\\":
        count += 1
    return count % 2 == 1


def hidden_entities(text: str) -> list[tuple[int, int, str]]:
    """(start, end, character) of every entity that decodes to a refused character."""
    if "&" not in text:
        return []
    found = []
    for match in _ENTITY.finditer(text):
        if _escaped(text, match.start()):
            continue
        for char in decode_entity(match):
            if refused(char):
                found.append((match.start(), match.end(), char))
                break
    return found


def entity_findings(text: str, path: str, line_offset: int = 0) -> list[Finding]:
    return [_finding(path, *_place(text, start, line_offset), char, f", written as the entity {text[start:end]},")
            for start, end, char in hidden_entities(text)]


# ---------------------------------------------------------------- YAML escapes in double-quoted values

_YAML_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", re.S)
_YAML_SINGLE = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f",
                "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0",
                "L": "\u2028", "P": "\u2029", "\n": ""}


def _decode_yaml_escape(body: str) -> str:
    if len(body) > 1:
        code = int(body[1:], 16)
        return chr(code) if code <= 0x10FFFF else ""
    return _YAML_SINGLE.get(body, "")


def yaml_escape_findings(text: str, path: str, line_offset: int = 0) -> list[Finding]:
    """Every escape in a double-quoted YAML scalar (a key or a value) that decodes to a refused
    character: YAML's own scanner finds the scalars, so `"\\u202E"` in a comment, a plain or a
    single-quoted value (where YAML does not decode it) is left alone. Characters written as
    themselves are the file scan's."""
    if "\\" not in text:
        return []
    import yaml

    # YAML (1.1, PyYAML's) also breaks lines at NEL, LS and PS: count lines as its marks do.
    starts = [0] + [m.end() for m in re.finditer("[\n\x85\u2028\u2029]", text)]
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    findings = []
    try:
        for token in yaml.scan(text, Loader=loader):
            if not isinstance(token, yaml.ScalarToken) or token.style != '"':
                continue
            start = starts[token.start_mark.line] + token.start_mark.column
            end_line = token.end_mark.line
            end = starts[end_line] + token.end_mark.column if end_line < len(starts) else len(text)
            for match in _YAML_ESCAPE.finditer(text, start, end):
                char = _decode_yaml_escape(match.group(1))
                if char and refused(char):
                    line, col = _place(text, match.start(), line_offset)
                    findings.append(_finding(path, line, col, char, f", written as the YAML escape {match.group()},"))
    except yaml.YAMLError:
        pass  # what was scanned is reported; the parser names the syntax error
    return findings


def _yaml_part(text: str, path: str) -> tuple[str, int] | None:
    """The YAML a content file holds, and the line it starts after: a whole .yml file, or a
    Markdown file's front matter."""
    if path.endswith((".yml", ".yaml")):
        return text, 0
    if text.startswith("---") and "\\" in text:  # no backslash: nothing to decode
        front = front_matter(text)
        if front is not None:
            return front.yaml, 1
    return None


def decoded_findings(text: str, path: str) -> list[Finding]:
    """Every refused character in a content file: as written, as an HTML entity, as a YAML escape."""
    findings = hidden_character_findings(text, path) + entity_findings(text, path)
    part = _yaml_part(text, path)
    if part is not None:
        findings += yaml_escape_findings(part[0], path, part[1])
    return sorted(findings)


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
    findings = decoded_findings(text, path)
    return unicodedata.normalize("NFC", text), findings
