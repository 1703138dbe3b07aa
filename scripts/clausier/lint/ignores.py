"""Warnings silenced on purpose, for every rule in one place: no rule carries ignore logic.

An agreement (its front matter) or a clause (its clause.yml) writes

    lint:
      ignore:
        - {rule: completeness, contains: exclusions, reason: Nothing is excluded from a licence.}

`rule` is a rule id (RULES) or the name a finding shows (`unicode-nfc`); at most one narrowing
key: `term:` (defined-terms: the term the finding names in “…”) or `contains:` (words of the
finding's message, case ignored); `reason` is required (the model refuses an empty one).

Where an ignore applies: an agreement's, to the findings in its own file and to those a rule met
while reading it (`ReadIn`: a clause's or the template's text as assembled for it); a clause's,
to the findings in its folder (clause.yml, its texts) and to those a rule attributes to it.

Only warnings are silenced. An ignore that matches an error leaves it and is an error at its own
line (errors fail `check` and `build`: fix them); an ignore naming no rule is an error at its
line; one that silences nothing is a warning at its line (stale), judged only where it can be: an
agreement's when it assembled, a clause's when every agreement was checked and one reads it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from typing import Callable

from ..errors import ClausierError, Finding
from ..safefile import read_bytes
from ..yamlio import parse_yaml
from .rules import RULES, ReadIn

TERMS_RULE = "defined-terms"  # the rule whose findings name a term in “…”: `term:` narrows them


@dataclass
class Checked:
    """What `check` reports, and what the ignores silenced (shown as a count to reviewers)."""

    findings: list[Finding]
    silenced: list[Finding] = field(default_factory=list)


@dataclass
class _Owner:
    """A file holding ignores (an agreement, or a clause's clause.yml), and what they did."""

    path: str
    ignores: list
    place: Callable[[tuple], tuple[int, int]]
    used: set[int] = field(default_factory=set)  # indexes of the ignores that silenced a warning
    errors: dict[int, Finding] = field(default_factory=dict)  # index → the first error it matched

    def finding(self, index: int, key: tuple, level: str, message: str, rule: str) -> Finding:
        line, col = self.place(("lint", "ignore", index, *key))
        return Finding(self.path, line, col, level, message, ".".join(map(str, ("lint.ignore", index, *key))), rule)


def rule_names() -> dict[str, str]:
    """Every name an ignore may give → the rule id it belongs to."""
    names = {rule.id: rule.id for rule in RULES}
    for rule in RULES:
        names.update((name, rule.id) for name in rule.names if name not in names)
    return names


def apply_ignores(context, found: dict[Finding, str], errors_only: bool = False) -> Checked:
    """`found`: each rule's finding → the id of the rule that reported it. Returns the findings
    left (sorted, each once; the same finding read in several agreements merged), the ones
    silenced, and the ignores' own findings (unknown rule, an error matched, stale)."""
    names = rule_names()
    agreements = {a.shown: _Owner(a.shown, list(a.file.model.lint.ignore), _agreement_place(a))
                  for a in context.agreements if a.file is not None and a.file.model.lint.ignore}
    clauses: dict[str, _Owner | None] = {}
    kept, silenced = [], []
    for finding, rule_id in found.items():
        matched = [(owner, index) for owner in _owners(context, finding, agreements, clauses)
                   for index, ignore in enumerate(owner.ignores)
                   if _valid(ignore, names) and _matches(ignore, rule_id, finding)]
        if matched and finding.level != "error":
            silenced.append(finding)
            for owner, index in matched:
                owner.used.add(index)
            continue
        kept.append(finding)
        for owner, index in matched:
            owner.errors.setdefault(index, finding)
    reports = []
    for shown, owner in agreements.items():
        reports += _reports(owner, names, judged=not errors_only and _assembles(context, shown))
    if not context.explicit_paths:  # every clause is the library's: told once, by the full check
        read = _clauses_read(context) if not errors_only else set()
        for clause_id, clause in _items(context.repo.clauses):
            if clause.meta.lint.ignore:
                owner = clauses.get(clause_id) or _clause_owner(context, clause)
                reports += _reports(owner, names, judged=clause_id in read)
    else:  # named files: only what the ignores of the clauses they read did to them
        for owner in filter(None, clauses.values()):
            reports += _reports(owner, names, judged=False, valid_only=True)
    return Checked(_sorted(_merged(kept) + reports), _sorted({_plain(f) for f in silenced}))


def _owners(context, finding: Finding, agreements: dict[str, _Owner], clauses: dict) -> list[_Owner]:
    owners = []
    if finding.path in agreements:
        owners.append(agreements[finding.path])
    if isinstance(finding, ReadIn) and finding.agreement != finding.path and finding.agreement in agreements:
        owners.append(agreements[finding.agreement])
    clause_id = _clause_of(finding)
    if clause_id:
        if clause_id not in clauses:
            clause = _get(context.repo.clauses, clause_id)
            clauses[clause_id] = _clause_owner(context, clause) if clause and clause.meta.lint.ignore else None
        if clauses[clause_id] is not None:
            owners.append(clauses[clause_id])
    return owners


def _clause_of(finding: Finding) -> str:
    """The clause a finding is about: the one the rule names, or the folder it is placed in."""
    if isinstance(finding, ReadIn) and finding.clause:
        return finding.clause
    parts = finding.path.split("/")
    return parts[1] if len(parts) >= 3 and parts[0] == "clauses" else ""


def _valid(ignore, names: dict[str, str]) -> bool:
    return ignore.rule in names and (ignore.term is None or names[ignore.rule] == TERMS_RULE)


def _matches(ignore, rule_id: str, finding: Finding) -> bool:
    if ignore.rule not in (rule_id, finding.rule):
        return False
    message = finding.message.casefold()
    if ignore.term is not None:  # defined-terms names its term in curly quotes
        return f"“{ignore.term.casefold()}”" in message
    if ignore.contains is not None:
        return ignore.contains.casefold() in message
    return True


def _reports(owner: _Owner, names: dict[str, str], judged: bool, valid_only: bool = False) -> list[Finding]:
    """What one file's ignores get wrong: an unknown rule, `term:` for another rule, an error
    matched, nothing silenced (`valid_only`: only the errors matched)."""
    reports = []
    for index, ignore in enumerate(owner.ignores):
        if not _valid(ignore, names):
            if valid_only:
                continue
            if ignore.rule not in names:
                reports.append(owner.finding(index, ("rule",), "error", _unknown(ignore.rule, names), "schema"))
            else:
                reports.append(owner.finding(index, ("term",), "error", f"`term:` narrows {TERMS_RULE} findings "
                                             f"only; for rule {ignore.rule} write `contains:` with words of the "
                                             "finding's message", "schema"))
        elif index in owner.errors:
            error = owner.errors[index]
            place = f"{error.path}:{error.line}" if error.line else error.path
            reports.append(owner.finding(index, (), "error", f"errors cannot be silenced: fix the {error.rule} "
                                         f"error this ignore matches at {place} ({error.message}), or narrow the "
                                         "ignore to the warnings it is meant for", ignore.rule))
        elif judged and index not in owner.used:
            reports.append(owner.finding(index, (), "warning", _stale(ignore), ignore.rule))
    return reports


def _unknown(name: str, names: dict[str, str]) -> str:
    close = difflib.get_close_matches(name, list(names), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    ids = [rule.id for rule in RULES]
    others = [n for n in names if n not in ids]
    return (f"unknown rule '{name}'{hint}: an ignore names a rule of `clausier check`: {', '.join(ids)}; or the "
            f"name a finding shows: {', '.join(others)}")


def _stale(ignore) -> str:
    if ignore.term is not None:
        what, key = f" about “{ignore.term}”", "term"
    elif ignore.contains is not None:
        what, key = f" containing “{ignore.contains}”", "contains"
    else:
        what, key = "", "rule"
    return (f"this ignore silences nothing: no {ignore.rule} warning{what} in what was checked; remove it, or "
            f"correct its {key}")


def _agreement_place(agreement) -> Callable[[tuple], tuple[int, int]]:
    return lambda path: agreement.place(*path)


def _clause_owner(context, clause) -> _Owner:
    path = f"{clause.folder}/clause.yml"
    positions: list = []

    def place(key: tuple) -> tuple[int, int]:
        if not positions:  # read when a finding needs a line, not for every clause checked
            positions.append(_positions(context.repo.root, path))
        return positions[0].of(key, prefer_key=True) if positions[0] is not None else (0, 0)

    return _Owner(path, list(clause.meta.lint.ignore), place)


def _positions(root, path: str):
    try:
        return parse_yaml(read_bytes(root, path).decode("utf-8"), path).positions
    except (OSError, ClausierError, UnicodeDecodeError):  # the loader reports why the file cannot be read
        return None


def _assembles(context, shown: str) -> bool:
    return any(a.shown == shown and a.file is not None and a.assembled is not None for a in context.agreements)


def _clauses_read(context) -> set[str]:
    """The clauses some checked agreement reads: the ones whose ignores can be judged stale."""
    read: set[str] = set()
    for agreement in context.agreements:
        if agreement.file is not None and agreement.plan is not None and agreement.assembled is not None:
            read.update(article.id for article in agreement.plan.articles)
    return read


def _get(clauses, clause_id: str):
    try:
        return clauses.get(clause_id)
    except (KeyError, ClausierError):
        return None


def _items(clauses):
    """The library's clauses; none for one agreement's view of it (lint/gate.py)."""
    return sorted(clauses.items())


def _plain(finding: Finding) -> Finding:
    return Finding(finding.path, finding.line, finding.col, finding.level, finding.message, finding.field,
                   finding.rule)


def _merged(findings: list[Finding]) -> list[Finding]:
    """A finding read in several agreements, reported once naming them ("(in a.md, b.md)"); one
    in the agreement's own file as it is."""
    merged, read = [], {}
    for finding in findings:
        if not isinstance(finding, ReadIn):
            message, where = _read_in(finding.message)
            if where is None or where == finding.path:
                merged.append(finding)
            else:  # a clause's error as each agreement (or specimen) that read it met it: told once
                shown = read.setdefault(replace(_plain(finding), message=message), [])
                if where not in shown:
                    shown.append(where)
        elif finding.path == finding.agreement:
            merged.append(_plain(finding))
        else:
            shown = read.setdefault(_plain(finding), [])
            if finding.agreement not in shown:
                shown.append(finding.agreement)
    for finding, agreements in read.items():
        merged.append(replace(finding, message=f"{finding.message} (in {_names(agreements)})"))
    return merged


def _read_in(message: str) -> tuple[str, str | None]:
    """("text", "agreements/a.md") from "text (in agreements/a.md)", the suffix the assembler
    writes (it may itself hold parentheses: "(in (specimen nda, en))"); (message, None) without."""
    if not message.endswith(")"):
        return message, None
    depth = 0
    for index in range(len(message) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(message[index], 0)
        if depth == 0:
            if message.startswith(" (in ", index - 1) and index > 0:
                return message[: index - 1], message[index + 4 : -1]
            return message, None
    return message, None


def _names(agreements: list[str]) -> str:
    """The agreements first (a reader can open them), then the library's specimens ("(specimen …)")."""
    agreements = sorted(agreements, key=lambda name: name.startswith("("))
    if len(agreements) <= 3:
        return ", ".join(agreements)
    others = agreements[2:]
    specimens = sum(1 for name in others if name.startswith("("))
    kind = ("other agreements" if not specimens else "specimens" if specimens == len(others)
            else "other agreements and specimens")
    return f"{', '.join(agreements[:2])} and {len(others)} {kind}"


def _sorted(findings) -> list[Finding]:
    return sorted(set(findings), key=lambda f: (f.path, f.line, f.col, f.rule, f.message))
