"""Every clause rendered as the handbook renders it, and what is wrong in what it prints.

One path for both: the handbook's clause pages (handbook/pages.py) render each clause here, and
`check` (lint rule `renders`) renders every clause, every variant, in every language, for a
business and a consumer client, with the same specimen data. So the handbook never meets an
error `check` has not reported, and both report it at the clause file and line.
"""

from __future__ import annotations

import re

from .assemble import Session, assemble, open_session
from .sandbox import highlighted
from .errors import ClausierError, ContentError, Finding
from .htmlsafety import refused_markup
from .literals import RULE as LITERAL_RULE, leftovers
from .repository import Clause, Repository, TextFile
from .specimens import CLIENT_KINDS, placed_clauses, specimen_agreement, specimen_terms, usable_templates
from .textsafety import RULE as HIDDEN_RULE, describe, hidden_entities, hidden_offsets

_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}")
_FENCE = re.compile(r"^(```|~~~)")


class Specimens:
    """A language's specimen agreements. A clause renders in the first template (by name) written
    in that language that places it, where it places it: a preamble, closing, cover or annex
    clause as such, an article numbered in that template's style, so `check` and the handbook meet
    it as agreements do. A clause no template places is an article added to the first template.
    Every session holds every clause too (added as articles), so ref() and has_clause() find them."""

    def __init__(self, sessions: dict[str, Session], owners: dict[str, str], first: str):
        self.sessions, self.owners = sessions, owners  # template → session; clause id → its template
        self.first = sessions.get(first) or next(iter(sessions.values()))

    def session(self, clause_id: str) -> Session:
        owner = self.owners.get(clause_id)
        return self.first if owner is None else self.sessions[owner]

    def clause(self, clause_id: str, variant: str | None = None) -> str:
        return self.session(clause_id).clause(clause_id, variant)

    def find(self, clause_id: str):
        """The clause's place (its Article: part, number) in the specimen that renders it."""
        return self.session(clause_id).plan.find(clause_id)


def specimen_sessions(repo: Repository, kind: str = "business") -> dict[str, Specimens]:
    """Per language, the specimen agreements that render every clause of the library: one per
    template that places a clause first (plus the first template, for clauses none places), each
    planned once. ContentError with every specimen's planning errors, when one does not plan."""
    templates = usable_templates(repo)
    found: dict[str, Specimens] = {}
    problems: list[Finding] = []
    for language in repo.languages:
        written = [t for t in templates if language in repo.template_languages(repo.templates[t])]
        owners: dict[str, str] = {}
        for name in written:
            for clause_id in sorted(placed_clauses(repo.templates[name].meta) & set(repo.clauses)):
                owners.setdefault(clause_id, name)
        needed = set(owners.values()) | ({written[0]} if written and set(repo.clauses) - set(owners) else set())
        sessions = {}
        for name in [t for t in written if t in needed]:
            try:
                sessions[name] = open_session(repo, specimen_agreement(repo, name, language, list(repo.clauses),
                                                                       kind), highlight=True)
            except ContentError as exc:
                problems += exc.findings
        if sessions:
            found[language] = Specimens(sessions, owners, written[0])
    if problems:
        raise ContentError(list(dict.fromkeys(problems)))
    for language, specimens in found.items():  # the terms of every template, whichever declares them
        terms = specimen_terms(repo, language)
        for session in specimens.sessions.values():
            for name, value in terms.items():
                session.base["terms"].setdefault(name, highlighted(value))
    return found


def clause_texts(clause: Clause, sessions: dict[str, Specimens]) -> dict[tuple[str, str], str]:
    """Each variant in each language, rendered with specimen data, parameters highlighted; a
    ContentError at the clause file and line when one does not render."""
    texts = {}
    for variant in clause.variants():
        for language in [lang for (name, lang) in clause.texts if name == variant]:  # the library's languages
            if language not in sessions:
                texts[(variant, language)] = clause.text(variant, language).body.strip()
                continue
            try:
                texts[(variant, language)] = sessions[language].clause(clause.id, variant)
            except ContentError as exc:
                source = clause.text(variant, language)
                raise ContentError([_placed(f, source) for f in exc.findings]) from None
    return texts


def text_findings(clause: Clause, texts: dict[tuple[str, str], str]) -> list[Finding]:
    """What `build` refuses in a clause's text (images, links to anything but http, https, mailto or
    an anchor; hidden characters), as written in the file or as printed by its Jinja."""
    findings: list[Finding] = []
    for (variant, language), text in texts.items():
        source = clause.text(variant, language)
        found = [Finding(source.path, line + source.body_line - 1, col, rule=rule, message=message)
                 for line, col, rule, message in refused_markup(source.body)]
        if not found:  # made by Jinja: at the source line that prints it
            found = [Finding(source.path, *_printing_line(source, text, line), rule=rule,
                             message=f"{message} (printed by the clause's Jinja)")
                     for line, col, rule, message in refused_markup(text)]
        findings += found
        findings += _hidden_in_rendered(source, text)
        findings += _literal_leftovers(source, text)
    return list(dict.fromkeys(findings))


def rendered_clause(clause: Clause, sessions: dict[str, Specimens],
                    told: bool = True) -> tuple[dict[tuple[str, str], str], list[Finding]]:
    """One clause as the handbook renders it (every variant, every language) and everything wrong
    with it, at its file and line; the handbook and `check` both call this. `told`: each message
    says which clause does not render (the handbook's words; `check` already names the file)."""
    try:
        texts = clause_texts(clause, sessions)
        findings = text_findings(clause, texts)
    except ContentError as exc:
        texts, findings = {}, exc.findings
    except ClausierError as exc:
        texts, findings = {}, [Finding(next(iter(clause.texts.values())).path, message=str(exc), rule="template")]
    return texts, [_not_rendered(finding, clause) for finding in findings] if told else findings


def _not_rendered(finding: Finding, clause: Clause) -> Finding:
    """The finding, still one line at its place, saying why a clause no agreement uses is reported."""
    return Finding(finding.path, finding.line, finding.col, finding.level,
                   f"{finding.message} (clause {clause.id!r} does not render with specimen data)",
                   finding.field, finding.rule)


def library_findings(repo: Repository, told: bool = False) -> list[Finding]:
    """Every clause × variant × language × client kind, and every template's specimen (the files
    the handbook offers for download), rendered once: what the handbook would refuse."""
    findings: list[Finding] = []
    for kind in CLIENT_KINDS:
        try:
            sessions = specimen_sessions(repo, kind)
        except ContentError as exc:
            findings += exc.findings
            continue
        except ClausierError as exc:
            findings.append(Finding("clausier.yml", message=f"the specimen agreement does not plan: {exc}",
                                    rule="renders"))
            continue
        for clause in repo.clauses.values():
            findings += rendered_clause(clause, sessions, told)[1]
    if not findings:  # a clause that fails has been told; the specimens would only repeat it
        findings += _specimen_findings(repo)
    return list(dict.fromkeys(findings))


def _specimen_findings(repo: Repository) -> list[Finding]:
    from .render import renderable_findings  # pandoc's module: only when every clause renders

    findings: list[Finding] = []
    for template in usable_templates(repo):
        for language in repo.template_languages(repo.templates[template]):
            try:
                assembled = assemble(repo, specimen_agreement(repo, template, language))
            except ContentError as exc:
                findings += exc.findings
                continue
            except ClausierError as exc:
                findings.append(Finding(repo.templates[template].path, message=str(exc), rule="template"))
                continue
            findings += renderable_findings(assembled.markdown, repo.templates[template].path, repo, assembled.plan)
    return findings


def _placed(finding: Finding, source: TextFile) -> Finding:
    """A finding at line 0 of a clause file (a `#` heading found after rendering) at its line."""
    if finding.line or finding.path != source.path:
        return finding
    line = _heading_line(source.body) if finding.rule == "structure" else None
    return Finding(finding.path, (line or 1) + source.body_line - 1, 1, finding.level, finding.message,
                   finding.field, finding.rule)


def _heading_line(body: str) -> int | None:
    """The first `# ` heading line (1-based) outside a code fence, as number_subclauses reads it."""
    in_fence = False
    for index, line in enumerate(body.split("\n"), start=1):
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and line.startswith("#") and not line.startswith("##"):
            return index
    return None


def _printing_line(source: TextFile, text: str, line: int) -> tuple[int, int]:
    """The file line and column of the Jinja that printed line `line` (1-based) of `text`: the
    first line with an expression whose literal words are all on the printed line."""
    printed = text.split("\n")[line - 1] if 0 < line <= text.count("\n") + 1 else ""
    lines = source.body.split("\n")
    candidates = [i for i, l in enumerate(lines) if _JINJA.search(l)]
    for i in candidates:
        literal = [part.strip() for part in _JINJA.split(lines[i]) if part.strip()]
        if all(part in printed for part in literal):
            return i + source.body_line, _JINJA.search(lines[i]).start() + 1
    if candidates:
        return candidates[0] + source.body_line, _JINJA.search(lines[candidates[0]]).start() + 1
    return source.body_line, 1


def _hidden_in_rendered(source: TextFile, text: str) -> list[Finding]:
    """A hidden character Jinja printed into the clause's text (the file itself is scanned when
    read): the same rule as the build's, even where no specimen agreement renders the clause."""
    found = [(offset, char) for offset, char in hidden_offsets(text)]
    found += [(start, char) for start, _, char in hidden_entities(text)]
    if not found:
        return []
    offset, char = min(found)
    line, col = _printing_line(source, text, text.count("\n", 0, offset) + 1)
    return [Finding(source.path, line, col, rule=HIDDEN_RULE, message=f"hidden character {describe(char)} is "
                    "printed here and can disguise contract text; delete what prints it")]  # the build's words


def _literal_leftovers(source: TextFile, text: str) -> list[Finding]:
    """Markup the clause would print as it is (literals.py: what `build` refuses in the assembled
    contract), at the line that writes it, or else the line whose Jinja prints it."""
    findings = []
    lines = source.body.split("\n")
    for offset, what, shown in leftovers(text):
        written = next(((i, line.find(shown)) for i, line in enumerate(lines) if shown in line), None)
        if written is not None:
            line, col = written[0] + source.body_line, written[1] + 1
        else:
            line, col = _printing_line(source, text, text.count("\n", 0, offset) + 1)
        findings.append(Finding(source.path, line, col, rule=LITERAL_RULE,
                                message=f"{what} {shown!r} would be printed as it is in the contract; "
                                        "write it as text or fix the markup around it"))
    return findings
