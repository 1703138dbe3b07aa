"""Key terms: every `terms.<name>` a clause or template reads is declared by each template that
uses it (`terms:` in the template's front matter), and no term is named like a parameter of one
of the template's clauses (`terms.x` and `params.x` would be two values under one name); a clause
no template holds reads only terms some template declares (else no agreement could add it), and
one an agreement adds (`clauses: add`) only terms of the agreement's template. An agreement's own
terms (unknown, wrong type, out of range) are checked when it is planned (planning.py)."""

from __future__ import annotations

from ...errors import ClausierError, Finding
from ...parameters import terms_read
from ...paths import read_content_file
from ...yamlio import split_front_matter
from . import Rule

RULE_ID = "key-terms"


def check(context):
    if context.repo.config is None:
        return
    for agreement in context.agreements:
        yield from _added_clauses(context.repo, agreement)
    if not context.explicit_paths:  # files named: library-wide rules stay quiet
        yield from _library(context.repo)


def _added_clauses(repo, agreement):
    """A clause an agreement adds reads only terms its template declares (at the `add:` line)."""
    model = agreement.file.model if agreement.file is not None else None
    template = repo.templates.get(model.template) if model is not None else None
    if template is None or template.meta is None:
        return
    declared = template.meta.terms
    for index, clause_id in enumerate(model.clauses.add):
        clause = repo.clauses[clause_id] if clause_id in repo.clauses else None
        texts = clause.texts.values() if clause is not None else ()
        missing = sorted({name for text in texts for name, _, _ in terms_read(text.body) if name not in declared})
        if missing:
            yield agreement.finding(("clauses", "add", index), f"clause {clause_id!r} reads term "
                                    f"{', '.join(missing)}, which template {model.template!r} does not declare "
                                    f"({_listed(declared)})", rule=RULE_ID)


def _library(repo):
    lacking: dict[tuple[str, int, int, str], list[str]] = {}  # a use in a clause → templates lacking it
    in_templates: set[str] = set()
    for name, template in sorted(repo.templates.items()):
        meta = template.meta
        if meta is None:
            continue
        declared = meta.terms
        used = [s.id for s in meta.slots()] + list(meta.preamble) + list(meta.closing) + \
            list(meta.cover.clause_ids() if meta.cover else ())  # (cover.py)
        clauses = [repo.clauses[c] for c in dict.fromkeys(used) if c in repo.clauses]
        in_templates.update(used)
        clashes = {term: clause.id for clause in clauses for term in declared if term in clause.meta.parameters}
        if clashes:
            yield from _clashes(repo, template, clashes)
        for term, line, col in terms_read(template.source):
            if term not in declared:
                yield Finding(template.path, line, col, rule=RULE_ID, message=f"terms.{term} is not declared in "
                              f"this template's `terms:`; {_listed(declared)}")
        for clause in clauses:
            for text in clause.texts.values():
                for term, line, col in terms_read(text.body, text.body_line):
                    if term not in declared:
                        lacking.setdefault((text.path, line, col, term), []).append(name)
    yield from _declared_nowhere(repo, in_templates)
    for (path, line, col, term), templates in sorted(lacking.items()):
        names = ", ".join(repr(t) for t in templates)
        which = "template" if len(templates) == 1 else "templates"
        yield Finding(path, line, col, rule=RULE_ID, message=f"terms.{term} is not declared by {which} {names}, "
                      f"which use this clause: declare it under `terms:` there "
                      f"({_listed(repo.templates[templates[0]].meta.terms)})")


def _declared_nowhere(repo, in_templates: set[str]):
    """A clause no template holds (an agreement may add it) reads only terms some template declares."""
    everywhere = {term for t in repo.templates.values() if t.meta is not None for term in t.meta.terms}
    for clause_id in sorted(set(repo.clauses) - in_templates):
        for text in repo.clauses[clause_id].texts.values():
            for term, line, col in terms_read(text.body, text.body_line):
                if term not in everywhere:
                    yield Finding(text.path, line, col, rule=RULE_ID, message=f"terms.{term} is declared by no "
                                  "template: no agreement could add this clause; declare it under `terms:` in "
                                  "the templates that may hold it")


def _listed(declared) -> str:
    return f"declared: {', '.join(declared)}" if declared else "it declares no terms"


def _clashes(repo, template, clashes: dict[str, str]):
    """Each term named like a parameter, at its line in the template's front matter."""
    try:
        text, problems = read_content_file(repo.root, repo.root / template.path)
        document = split_front_matter(text, template.path).meta if not problems else None
    except ClausierError:  # read when the library loaded; the loader says why it no longer can
        document = None
    for term, clause_id in clashes.items():
        line, col = document.positions.of(("terms", term), prefer_key=True) if document else (0, 0)
        yield Finding(template.path, line, col, rule=RULE_ID, field=f"terms.{term}", message=(
            f"term {term!r} is also a parameter of clause {clause_id!r} (clauses/{clause_id}/clause.yml): "
            f"rename one, so that terms.{term} and params.{term} are not two values under one name"))


RULE = Rule(RULE_ID, "every key term a clause or template reads is declared by its template, and no term "
            "is named like a clause parameter", check)
