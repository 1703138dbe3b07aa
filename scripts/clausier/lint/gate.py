"""What `check` finds, `build` refuses: the rules of `check`, run by the build on what it builds.

Two calls, the same rules (RULES) as `clausier check`, errors only:

- `library_errors(repo)`: once per build, when the building process loads the library: every
  rule on the library with no agreement (clauses, templates, clausier.yml, content folders).
  The build records them with the library's digest (incremental.py), like the loader's errors.
- `agreement_errors(repo, agreement, path, assembled)`: in a worker, for each agreement it
  builds, on that agreement alone (as `clausier check <file>`), reusing the assembly the build
  just made. An error fails the agreement: its previous outputs stay, it is not recorded as
  built, so the next build checks it again.

The rules see the library through `_AgreementLibrary`: clauses by id only and none of the
library's own findings. What is about the library (a loader's finding, a rule's loop over every
clause) is reported once, by `library_errors`, not again as every agreement's; and a worker,
which loads clauses as they are asked for, never loads the whole library for a rule's loop.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ContentError, Finding
from . import findings_in
from .context import AgreementIds, CheckContext, CheckedAgreement

if TYPE_CHECKING:
    from ..assemble import Assembled
    from ..repository import AgreementFile, Repository


class _ClausesById(Mapping):
    """The library's clauses as one agreement's rules see them: any clause when asked for by id
    (its own, or one a ref() names), none when iterated over. A rule's loop over every clause
    is about the library, not the agreement: `library_errors` runs it, once per build (and a
    worker, which loads clauses as they are asked for, need not load them all)."""

    def __init__(self, clauses: Mapping) -> None:
        self._clauses = clauses

    def __getitem__(self, clause_id: str):
        return self._clauses[clause_id]

    def __contains__(self, clause_id: object) -> bool:
        return clause_id in self._clauses

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


class _AgreementLibrary:
    """The repository as one agreement's rules see it: clauses by id, no library findings."""

    findings: tuple = ()

    def __init__(self, repo: Repository) -> None:
        self._repo = repo
        self.clauses = _ClausesById(repo.clauses)

    def __getattr__(self, name: str):
        return getattr(self._repo, name)


def library_errors(repo: Repository) -> list[Finding]:
    """The loader's errors and the rules' errors about the library itself (no agreement),
    sorted, each told once (a rule may report a loader's finding under its own name)."""
    context = CheckContext(repo.root, repo, [], explicit_paths=False)
    told: dict[str, Finding] = {str(f): f for f in findings_in(context, errors_only=True)}
    for finding in repo.errors():
        told.setdefault(str(finding), finding)
    return sorted(told.values(), key=lambda f: (f.path, f.line, f.col, f.rule, f.message))


def agreement_errors(repo: Repository, agreement: AgreementFile, path: Path,
                     assembled: Assembled | None = None) -> list[Finding]:
    """The rules' errors about one agreement, as `clausier check <its file>` reports them.
    `assembled`: the build's own assembly of it in `repo`, when it has one (not assembled again)."""
    checked = CheckedAgreement(repo, Path(path), repo.rel(Path(path)), file=agreement)
    if assembled is not None:  # the same value the cached properties would compute
        checked.__dict__["plan"] = assembled.plan
        checked.__dict__["_assembly"] = (assembled, [])
    context = CheckContext(repo.root, _AgreementLibrary(repo), [checked], explicit_paths=True,
                           agreement_ids=AgreementIds(repo.root))
    return findings_in(context, errors_only=True)


def refuse_errors(repo: Repository, agreement: AgreementFile, path: Path, assembled: Assembled | None = None) -> None:
    """The build's stage: raise ContentError with the agreement's errors, if it has any."""
    errors = agreement_errors(repo, agreement, path, assembled)
    if errors:
        raise ContentError(errors)
