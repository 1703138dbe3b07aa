"""Impact of a change to the library: which agreements' rendered text it changes, and by how much.

The base revision is exported from git; the changed files (given, or every file changed since
the base) are laid over it in a scratch copy, and every agreement is assembled on both sides by
the same pipeline and compared with `redline.compare`. So the answer is what the build would
produce, not a guess from which clause ids a file name mentions.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from .gitsource import CONTENT, LINK_MARK, changed_files, path_in_repository, tree_at
from .redline import compare
from .repository import Repository, agreement_paths, load_repository
from .safefile import UnsafeFile, read_bytes
from .two_sides import Revision, Side, SideError, UsageProblem, assemble_side, base_revision, frozen_side


@dataclass
class ArticleChange:
    number: str | None
    title: str
    status: str  # changed, inserted, deleted, renumbered


@dataclass
class AgreementImpact:
    id: str
    path: str
    state: str  # changed, new, removed, frozen (signed: the change would apply, build keeps the signed text),
    # broken (it built before the change and no longer does: the reason is in the report's errors)
    status: str  # draft, review, signed
    added: int = 0
    removed: int = 0
    renumbered: int = 0
    articles: list[ArticleChange] = field(default_factory=list)

    @property
    def signed(self) -> bool:
        return self.status == "signed"

    @property
    def words(self) -> int:
        return self.added + self.removed

    def as_json(self) -> dict:
        return {"id": self.id, "path": self.path, "state": self.state, "status": self.status,
                "signed": self.signed, "words_added": self.added, "words_removed": self.removed,
                "words_changed": self.words, "renumbered_only": [a.number for a in self.articles
                                                                 if a.status == "renumbered"],
                "articles": [{"number": a.number, "title": a.title, "change": a.status}
                             for a in self.articles if a.status != "renumbered"]}


@dataclass
class ImpactReport:
    base: Revision
    paths: list[str]  # the content files considered
    ignored: list[str] = field(default_factory=list)  # given or changed files that are not content
    agreements: list[AgreementImpact] = field(default_factory=list)
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"base": self.base.commit, "base_label": self.base.label, "paths": self.paths,
                "ignored": self.ignored, "agreements": [a.as_json() for a in self.agreements],
                "unchanged": self.unchanged, "errors": self.errors}


def is_content(relative: str) -> bool:
    return relative.split("/", 1)[0] in CONTENT


def _relative(root: Path, given: str) -> str:
    relative = path_in_repository(root, given)
    if relative is None:
        raise UsageProblem(f"{given} is outside the repository {root}")
    return relative


def _overlay(source: Path, target: Path, relative: str) -> None:
    """Make `target/relative` what `source/relative` is (or absent). Files are copied as safefile
    reads them (a regular file, no link on the way); a link becomes a link pointing nowhere, which
    the loader refuses as a link; a FIFO, device, socket or too large a file stops the command."""
    there, here = target / relative, source / relative
    if there.is_symlink() or there.is_file():
        there.unlink()
    elif there.is_dir():
        shutil.rmtree(there)
    if here.is_symlink():
        there.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(LINK_MARK, there)
    elif here.is_dir():
        for entry in sorted(here.iterdir()):
            _overlay(source, target, f"{relative}/{entry.name}")
    elif here.exists():
        try:
            data = read_bytes(source, relative)
        except UnsafeFile as exc:
            raise UsageProblem(str(exc.findings[0])) from None
        there.parent.mkdir(parents=True, exist_ok=True)
        there.write_bytes(data)


def _side(root: Path, repo: Repository, relative: str, where: Revision, stack: ExitStack,
          errors: list[str], label: str) -> tuple[Side | None, Side | None]:
    """(live, as built) sides of one agreement: as built differs for a signed agreement, which is
    rendered from the library as of its signing commit. (None, None) if it does not assemble."""
    try:
        live = assemble_side(repo.root, relative, where, repo)
        return live, frozen_side(root, live, stack)
    except SideError as exc:
        errors.append(f"{relative} at {label}: " + str(exc).split(":\n", 1)[-1].strip())
        return None, None


def impact(root: Path, paths: list[str] | None = None, base: str | None = None) -> ImpactReport:
    """Agreements whose assembled text changes between `base` and `base + paths` (default paths:
    every file changed since base, so the working tree)."""
    root = Path(root).resolve()
    base_rev = base_revision(root, base)
    given = paths is not None and len(paths) > 0
    relatives = [_relative(root, p) for p in paths] if given else changed_files(root, base_rev.commit)
    if given and "." in relatives:
        relatives = list(CONTENT)
    content = sorted({r for r in relatives if is_content(r)})
    report = ImpactReport(base_rev, content, sorted({r for r in relatives if not is_content(r)}))
    if not content:
        return report
    # Only agreement files changed: only they can change. Anything else may change them all.
    only_agreements = all(r.startswith("agreements/") for r in content)
    with ExitStack() as stack:
        old_folder = stack.enter_context(tree_at(root, base_rev.commit))
        if given:
            new_folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="clausier-impact-"))) / "repo"
            shutil.copytree(old_folder, new_folder, symlinks=True)
            for relative in content:
                _overlay(root, new_folder, relative)
        else:
            new_folder = root
        old_repo, new_repo = load_repository(old_folder), load_repository(new_folder)
        if only_agreements:
            candidates = sorted(r for r in content if r.endswith(".md") and r.count("/") == 1)
        else:
            candidates = sorted({repo.rel(p) for repo in (old_repo, new_repo) for p in agreement_paths(repo)
                                 if p.exists()})
        head = Revision(None, "the change")
        for relative in candidates:
            old_live, old_built = _side(root, old_repo, relative, base_rev, stack, report.errors, base_rev.label)
            new_live, new_built = _side(root, new_repo, relative, head, stack, report.errors, "the change")
            if new_live is None and old_live is not None and old_live.markdown is not None:
                # It built before the change and does not now: the change touches it most of all.
                # Listed (state "broken") so `make changed-pdf` and `make redlines` build it and fail loudly.
                report.agreements.append(AgreementImpact(Path(relative).name[:-3], relative, "broken",
                                                         old_live.agreement.model.status))
                continue
            if old_live is None or new_live is None or (old_live.markdown is None and new_live.markdown is None):
                continue
            built = compare(old_built.markdown, new_built.markdown)
            live = compare(old_live.markdown, new_live.markdown)
            if built.changed:
                comparison, state = built, ("new" if old_built.markdown is None else
                                            "removed" if new_built.markdown is None else "changed")
            elif live.changed:
                comparison, state = live, "frozen"  # signed: the change would apply, but build keeps the signed text
            else:
                report.unchanged += 1
                continue
            shown = new_live.agreement or old_live.agreement
            entry = AgreementImpact(Path(relative).name[:-3], relative, state, shown.model.status,
                                    comparison.counts.added, comparison.counts.removed, comparison.counts.renumbered)
            for section in comparison.sections:
                if section.status != "unchanged":
                    entry.articles.append(ArticleChange(section.new_number or section.old_number, section.title,
                                                        section.status))
            report.agreements.append(entry)
    return report

