"""An agreement at two points in history, assembled by the same pipeline on both sides.

A side is a git revision (read from git objects with `gitsource.tree_at`, nothing is checked
out) or the working tree. Each side loads its own repository (clauses, templates,
clausier.yml) and its own agreement file, and assembles it: so a change to a clause, a
template or clausier.yml shows in every agreement that uses it.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .assemble import Assembled, assemble
from .errors import ClausierError, ContentError
from .gitsource import default_base, git, path_in_repository, resolve, tree_at
from .output import write_atomic
from .redline import Comparison, compare, summary
from .repository import AgreementFile, Repository, load_agreement, load_repository
from .signoff import FrozenLibraries, frozen_inputs

DIFF_FORMATS = ("html", "pdf", "docx", "md")


class UsageProblem(ClausierError):
    """The command was given something that does not exist (an agreement, a path)."""


@dataclass(frozen=True)
class Revision:
    """One side of a comparison: a commit, or the working tree (commit None)."""

    commit: str | None
    label: str  # "1a2b3c4 (main)", "working tree"
    date: dt.date | None = None  # the commit date
    merge_base: bool = False  # chosen as the merge base with main (the legend says so in its language)

    @property
    def short(self) -> str:
        return self.commit[:7] if self.commit else "working tree"


def revision(root: Path, spec: str | None) -> Revision:
    """A revision given on the command line (None: the working tree); errors name the revision."""
    commit = resolve(root, "HEAD" if spec is None else spec)  # also checks that root is a repository
    if spec is None:
        return Revision(None, "working tree")
    day = git(root, "log", "-1", "--format=%cs", commit).strip()
    label = commit[:7] if spec in (commit, commit[: len(spec)]) else f"{commit[:7]} ({spec})"
    return Revision(commit, label, dt.date.fromisoformat(day) if day else None)


def base_revision(root: Path, spec: str | None) -> Revision:
    """--base, or the merge base with the main branch."""
    if spec is not None:
        return revision(root, spec)
    resolve(root, "HEAD")
    commit = default_base(root)
    found = revision(root, commit)
    return Revision(found.commit, f"{found.short} (merge base with main)", found.date, merge_base=True)


def agreement_location(root: Path, given: str) -> str:
    """`agreements/<id>.md` for an agreement given as a path or as an id."""
    if given.endswith(".md") or "/" in given or os.sep in given:
        relative = path_in_repository(root, given)
        parts = relative.split("/") if relative else []
        if len(parts) == 2 and parts[0] == "agreements" and parts[1].endswith(".md"):
            return relative
        raise UsageProblem(f"{given} is not an agreement file: give agreements/<id>.md or the agreement's id")
    return f"agreements/{given}.md"


@dataclass
class Side:
    revision: Revision
    folder: Path
    repo: Repository | None = None
    agreement: AgreementFile | None = None
    assembled: Assembled | None = None
    frozen: str | None = None  # a signed agreement: the library commit it is rendered from

    @property
    def markdown(self) -> str | None:
        return self.assembled.markdown if self.assembled else None


class SideError(ClausierError):
    """An agreement that does not assemble on one side of a comparison."""


def assemble_side(folder: Path, relative: str, where: Revision, repo: Repository | None = None) -> Side:
    """Load the repository in `folder` (unless given) and assemble `relative`; an absent
    agreement is None."""
    side = Side(where, folder)
    path = folder / relative
    if not path.exists() and not path.is_symlink():
        return side
    repo = repo or load_repository(folder)
    side.repo = repo
    try:
        if repo.config is None:
            raise ContentError(repo.errors())
        side.agreement = load_agreement(repo, path)
        side.assembled = assemble(repo, side.agreement)
    except ContentError as exc:
        findings = list(exc.findings)
        findings += [f for f in repo.errors() if f not in findings]
        lines = "\n".join(f"  {f}" for f in sorted(findings, key=lambda f: (f.path, f.line, f.col)))
        raise SideError(f"{relative} does not assemble at {where.label}:\n{lines}") from None
    return side


def signing_commit(agreement: AgreementFile | None) -> str | None:
    """The library commit a signed agreement is rendered from (its `signed:` record), or None."""
    if agreement is None or agreement.model.status != "signed":
        return None
    record = getattr(agreement.model, "signed", None)
    return getattr(record, "commit", None)


def frozen_side(root: Path, side: Side, stack: ExitStack) -> Side:
    """A signed agreement as `build` renders it (`signoff.frozen_inputs`): its own file, with the
    library as of its signing commit, so later library changes leave it alone. Any other side is
    returned as it is."""
    commit = signing_commit(side.agreement)
    if commit is None:
        return side
    libraries = stack.enter_context(FrozenLibraries(root))  # one per side: each copies its own file in
    try:
        repo, agreement = frozen_inputs(libraries, side.agreement, side.folder / side.agreement.path)
        assembled = assemble(repo, agreement)
    except ContentError as exc:
        lines = "\n".join(f"  {f}" for f in exc.findings)
        raise SideError(f"{side.agreement.path} (signed) does not assemble from the library as of "
                        f"{commit[:7]}:\n{lines}") from None
    return Side(side.revision, repo.root, repo, agreement, assembled, frozen=commit)


@contextmanager
def side_at(root: Path, where: Revision, relative: str, frozen: bool = True) -> Iterator[Side]:
    """The agreement assembled at a revision (a scratch export) or in the working tree; a signed
    agreement from the library as of its signing commit, as `build` does (unless `frozen` is off)."""
    with ExitStack() as stack:
        folder = root if where.commit is None else stack.enter_context(tree_at(root, where.commit))
        side = assemble_side(folder, relative, where)
        yield frozen_side(root, side, stack) if frozen else side


@dataclass
class DiffResult:
    agreement_id: str
    base: Revision
    head: Revision
    comparison: Comparison
    summary: str
    outputs: dict[str, Path] = field(default_factory=dict)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def comparison_time() -> dt.datetime:
    """When the comparison is made: now, or SOURCE_DATE_EPOCH for reproducible outputs."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def diff_agreement(root: Path, agreement: str, base: str | None = None, head: str | None = None,
                   formats: tuple[str, ...] | list[str] = DIFF_FORMATS, out: Path | None = None,
                   when: dt.datetime | None = None) -> DiffResult:
    """Redline of one agreement between two revisions, written to build/diff/<id>/ (or `out`)."""
    from .redline.render import render_redline  # pandoc and Typst, only when outputs are asked for

    started = time.perf_counter()
    root = Path(root).resolve()
    base_rev = base_revision(root, base)
    head_rev = revision(root, head)
    relative = agreement_location(root, agreement)
    agreement_id = Path(relative).name[:-3]
    when = when or comparison_time()
    with ExitStack() as stack:
        old = stack.enter_context(side_at(root, base_rev, relative))
        new = stack.enter_context(side_at(root, head_rev, relative))
        if old.assembled is None and new.assembled is None:
            raise UsageProblem(f"no agreement {relative} at {base_rev.label} nor in {head_rev.label}")
        comparison = compare(old.markdown, new.markdown)
        text = summary(comparison, agreement_id, f"`{base_rev.short}`" if base_rev.commit else base_rev.label,
                       f"`{head_rev.short}`" if head_rev.commit else head_rev.label)
        result = DiffResult(agreement_id, base_rev, head_rev, comparison, text)
        if old.assembled is None:
            result.notes.append(f"{relative} does not exist at {base_rev.label}: all of it is shown inserted")
        if new.assembled is None:
            result.notes.append(f"{relative} does not exist in {head_rev.label}: all of it is shown deleted")
        for side in (old, new):
            if side.frozen:
                result.notes.append(f"{relative} is signed in {side.revision.label}: rendered from the library "
                                    f"as of {side.frozen[:7]}, as build does")
        shown = new if new.assembled is not None else old
        rendered = render_redline(comparison, shown, base_rev, head_rev, when,
                                  [f for f in formats if f != "md"])
    target = Path(out) if out else root / "build" / "diff" / agreement_id
    if "md" in formats:
        rendered["md"] = text.encode("utf-8")
    names = {"html": "redline.html", "pdf": "redline.pdf", "docx": "redline.docx", "md": "diff.md"}
    for fmt in DIFF_FORMATS:
        if fmt in rendered:
            path = target / f"{agreement_id}.{names[fmt]}"
            write_atomic(path, rendered[fmt])
            result.outputs[fmt] = path
    result.seconds = time.perf_counter() - started
    return result


def parse_diff_formats(text: str) -> list[str]:
    items = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [t for t in items if t not in DIFF_FORMATS]
    if unknown or not items:
        raise UsageProblem(f"unknown output format {', '.join(unknown) or '(none)'}; "
                           f"valid formats: {', '.join(DIFF_FORMATS)}")
    return list(dict.fromkeys(items))


__all__ = ["DIFF_FORMATS", "DiffResult", "Revision", "Side", "SideError", "UsageProblem",
           "agreement_location", "assemble_side", "base_revision", "diff_agreement", "frozen_side",
           "parse_diff_formats", "revision", "side_at", "signing_commit"]
