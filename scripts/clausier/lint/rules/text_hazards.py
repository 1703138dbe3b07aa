"""Text hazards: hidden characters, as written and as rendered (error, shown as
`hidden-characters`), look-alike letters from another script in party names (warning,
`mixed-script`), text not in Unicode NFC (warning, `unicode-nfc`; `--fix` normalises the file)."""

from __future__ import annotations

import unicodedata

from ...errors import ClausierError, Finding
from ...safefile import read_bytes
from . import Rule


def _script(char: str) -> str:
    try:
        name = unicodedata.name(char)
    except ValueError:
        return ""
    for script in ("LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE"):
        if name.startswith(script):
            return script
    return ""


def mixed_scripts(text: str) -> set[str]:
    return {_script(c) for c in text if c.isalpha()} - {""}


def not_nfc_findings(path: str, text: str) -> list[Finding]:
    findings = []
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not unicodedata.is_normalized("NFC", line):
            col = next((i for i in range(len(line)) if not unicodedata.is_normalized("NFC", line[: i + 1])), 0) + 1
            findings.append(Finding(path, lineno, col, "warning", "text is not in Unicode NFC (a letter and its accent "
                                    "are stored apart); run `clausier check --fix` to normalise it",
                                    rule="unicode-nfc"))
            break
    return findings


def check(context):
    yield from (f for f in context.repo.findings if f.rule == "hidden-characters")
    printed = set()  # what a clause's Jinja prints is found in every agreement using it: told once
    for agreement in context.agreements:
        yield from (f for f in agreement.load_findings if f.rule == "hidden-characters")
        for finding in agreement.assembly_findings:
            if finding.rule == "hidden-characters" and finding not in printed:
                printed.add(finding)
                yield finding
        yield from not_nfc_findings(agreement.shown, agreement.raw_text)
        for role, party in agreement.parties():
            scripts = mixed_scripts(party.name)
            if len(scripts) > 1:
                yield agreement.finding((role, "name"), f"the name mixes {' and '.join(sorted(scripts)).lower()} "
                                        "letters that look alike; retype it", "warning", "mixed-script")
    for clause in context.repo.clauses.values():
        for text in clause.texts.values():
            try:
                raw = read_bytes(context.repo.root, text.path).decode("utf-8")
            except (OSError, UnicodeDecodeError, ClausierError):
                continue
            yield from not_nfc_findings(text.path, raw)


RULE = Rule("text-hazards", "hidden, look-alike and non-normalised characters", check,
            names=("hidden-characters", "mixed-script", "unicode-nfc"))
