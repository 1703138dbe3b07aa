"""What the rules look at: the loaded library and each agreement, loaded and assembled once."""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..assemble import Assembled, Plan, assemble, plan_agreement
from ..errors import ClausierError, ContentError, Finding
from ..safefile import read_bytes
from ..repository import AgreementFile, Repository, agreement_paths, load_agreement, load_repository


@dataclass
class CheckedAgreement:
    """One agreement file: its text, its model when it validates, its assembly when that works."""

    repo: Repository
    path: Path
    shown: str
    file: AgreementFile | None = None
    load_findings: list[Finding] = field(default_factory=list)

    @cached_property
    def plan(self) -> Plan | None:
        if self.file is None:
            return None
        try:
            return plan_agreement(self.repo, self.file)
        except ClausierError:
            return None

    @cached_property
    def _assembly(self) -> tuple[Assembled | None, list[Finding]]:
        if self.file is None:
            return None, []
        try:
            return assemble(self.repo, self.file), []
        except ContentError as exc:
            return None, exc.findings
        except ClausierError as exc:
            return None, [Finding(self.shown, message=str(exc), rule="template")]

    @property
    def assembled(self) -> Assembled | None:
        return self._assembly[0]

    @property
    def assembly_findings(self) -> list[Finding]:
        return self._assembly[1]

    def place(self, *path: object) -> tuple[int, int]:
        """Line and column of a front-matter field (or of its nearest parent)."""
        if self.file is None:
            return (0, 0)
        return self.file.positions.of(tuple(path), prefer_key=True)

    def finding(self, path: tuple, message: str, level: str = "error", rule: str = "") -> Finding:
        line, col = self.place(*path)
        return Finding(self.shown, line, col, level, message, ".".join(str(p) for p in path), rule)

    def parties(self):
        """(role, party) for the client and, when the agreement names one, its own provider."""
        if self.file is None:
            return
        for role in ("client", "provider"):
            party = getattr(self.file.model, role)
            if party is not None:
                yield role, party

    @cached_property
    def raw_text(self) -> str:
        try:
            return read_bytes(self.repo.root, self.path).decode("utf-8", errors="replace")
        except (OSError, ClausierError):  # the loader reports why the file cannot be read
            return ""


@dataclass
class CheckContext:
    root: Path
    repo: Repository
    agreements: list[CheckedAgreement]
    explicit_paths: bool = False  # True when the user named files: repository-wide rules stay quiet
    # The id of every agreement file in agreements/, checked or not (`amends:` may name another).
    agreement_ids: Container[str] = frozenset()


class AgreementIds(Container):
    """The id of every agreement file in agreements/, listed when first asked (rarely: an
    `amends:` naming an agreement not checked this time), not once per agreement built."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._ids: frozenset[str] | None = None

    def __contains__(self, ident: object) -> bool:
        if self._ids is None:
            from ..selection import agreement_files, agreement_id

            self._ids = frozenset(agreement_id(path) for path in agreement_files(self.root, None))
        return ident in self._ids


def build_context(root: Path, paths: list[Path] | None = None) -> CheckContext:
    repo = load_repository(Path(root))
    agreements = []
    for path in agreement_paths(repo, paths):
        checked = CheckedAgreement(repo, path, repo.rel(path))
        try:
            if repo.config is not None:
                checked.file = load_agreement(repo, path)
        except ContentError as exc:
            checked.load_findings = exc.findings
        except OSError as exc:
            checked.load_findings = [Finding(checked.shown, message=f"cannot read the file: {exc.strerror}")]
        agreements.append(checked)
    return CheckContext(Path(root), repo, agreements, explicit_paths=bool(paths),
                        agreement_ids=AgreementIds(root))
