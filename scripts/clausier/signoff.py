"""Signed agreements: once signed, the text never moves again.

`sign_off` renders the agreement from the library as committed, records the commit and the
hashes of its source, assembled Markdown and PDF in the agreement's front matter, and sets
`status: signed`. From then on `frozen_inputs` gives the build the library *as of that
commit* (read from git objects), so later clause edits do not touch it, and the check rule
`signed` fails if the agreement or its rebuild no longer matches what was signed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from .errors import ClausierError
from .gitsource import changed_files, export, resolve
from .markdown import front_matter
from .models import Signed
from .safefile import read_bytes, read_text
from .repository import AgreementFile, Repository, load_agreement, load_repository
from .yamlio import split_front_matter

LIBRARY = ("clausier.yml", "clauses", "templates")
UNSIGNED_FIELDS = ("status", "signed", "sent")  # `sent:`: sending a signed agreement does not change it


class SignOffError(ClausierError):
    pass


def source_digest(text: str, shown: str) -> str:
    """Hash of an agreement's own content: front matter data (without status and the sign-off
    record, so that signing does not change it) and body. Reformatting the YAML does not change it."""
    parsed = split_front_matter(text.replace("\r\n", "\n"), shown)
    data = {k: v for k, v in (parsed.meta.data or {}).items() if k not in UNSIGNED_FIELDS}
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str) + "\n---\n" + parsed.body.strip()
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def signing_timestamp(on: dt.date) -> int:
    """PDF and DOCX dates of a signed agreement: the signing date, whatever SOURCE_DATE_EPOCH says."""
    return int(dt.datetime.combine(on, dt.time(), tzinfo=dt.timezone.utc).timestamp())


@dataclass
class FrozenLibraries:
    """The library as of each signing commit, exported once per build and removed afterwards."""

    root: Path
    _scratch: tempfile.TemporaryDirectory | None = None
    _trees: dict[str, Path] = field(default_factory=dict)

    def tree(self, commit: str) -> Path:
        if commit not in self._trees:
            if self._scratch is None:
                self._scratch = tempfile.TemporaryDirectory(prefix="clausier-signed-")
            self._trees[commit] = export(self.root, commit, Path(self._scratch.name) / commit)
        return self._trees[commit]

    def close(self) -> None:
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch, self._trees = None, {}

    def __enter__(self) -> "FrozenLibraries":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def frozen_inputs(libraries: FrozenLibraries, agreement: AgreementFile,
                  source: Path) -> tuple[Repository, AgreementFile] | None:
    """For a signed agreement: the library as of its signing commit, and the agreement read
    into it (same relative path, same safety rules). None for an agreement not signed."""
    signed = agreement.model.signed
    if agreement.model.status != "signed" or signed is None:
        return None
    tree = libraries.tree(signed.commit)
    target = tree / agreement.path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(read_bytes(source.parent, source.name))  # a regular file, never a link's target
    repo = load_repository(tree)
    return repo, load_agreement(repo, target)


def library_changes(root: Path) -> list[str]:
    """Uncommitted changes to the library: signing must render from a commit."""
    # (compared here, not by `git status`, which would run the repository's fsmonitor and filters)
    return [p for p in changed_files(root, "HEAD") if p.split("/", 1)[0] in LIBRARY]


def sign_off(root: Path, path: Path, on: dt.date, render) -> Signed:
    """Sign an agreement: `render(repo, agreement)` → (markdown bytes, pdf bytes) is the build's renderer."""
    repo = load_repository(root)
    agreement = load_agreement(repo, path)
    if agreement.model.status == "signed":
        raise SignOffError(f"{agreement.path}: already signed on {agreement.model.signed.on if agreement.model.signed else '?'}; "
                           "amend it with a new agreement (`amends: " + agreement.id + "`)")
    changes = library_changes(repo.root)
    if changes:
        raise SignOffError("commit the library first: the signed text must be reproducible from a commit; "
                           "uncommitted: " + ", ".join(changes))
    commit = resolve(repo.root, "HEAD")
    _require_committed(repo.root, commit, agreement.path, path)
    text = read_text(repo.root, path)  # as the loader read it: no link, a regular file
    placeholder = Signed(on=on, commit=commit, source_sha256="0" * 64, markdown_sha256="0" * 64, pdf_sha256="0" * 64)
    final = agreement.model.model_copy(update={"status": "signed", "signed": placeholder})
    with FrozenLibraries(repo.root) as libraries:
        frozen_repo, frozen = frozen_inputs(libraries, _with_model(agreement, final), path)
        frozen = _with_model(frozen, final)
        markdown, pdf = render(frozen_repo, frozen)
    signed = Signed(on=on, commit=commit, source_sha256=source_digest(text, agreement.path),
                    markdown_sha256=hashlib.sha256(markdown).hexdigest(), pdf_sha256=hashlib.sha256(pdf).hexdigest())
    path.write_text(_record(text, agreement.path, signed), encoding="utf-8")
    return signed


def _require_committed(root: Path, commit: str, shown: str, path: Path) -> None:
    """The agreement as it is must be committed: `check` compares a signed agreement with its
    text at the signing commit (signedhistory.py), which the file cannot rewrite."""
    from .signedhistory import uncommitted

    text = read_bytes(root, path).decode("utf-8", "replace")
    if uncommitted(root, commit, shown, text):
        raise SignOffError(f"{shown}: commit the agreement first: its signed text is checked against its "
                           f"text at the signing commit ({commit[:12]})")


def _with_model(agreement: AgreementFile, model) -> AgreementFile:
    return AgreementFile(agreement.id, agreement.path, model, agreement.body, agreement.body_line, agreement.positions)


def _record(text: str, shown: str, signed: Signed) -> str:
    """The agreement text with `status: signed` and the sign-off record, comments kept."""
    lines = text.split("\n")
    end = front_matter(text, required=True).closing
    yaml = YAML(typ="rt")
    yaml.width = 4096
    data = yaml.load("\n".join(lines[1:end])) or CommentedMap()
    data["status"] = "signed"
    data["signed"] = CommentedMap([("on", signed.on.isoformat()), ("commit", signed.commit),
                                   ("source_sha256", signed.source_sha256),
                                   ("markdown_sha256", signed.markdown_sha256), ("pdf_sha256", signed.pdf_sha256)])
    data.yaml_set_comment_before_after_key("signed", before="Written by `clausier sign-off`: do not edit by hand.")
    import io

    buffer = io.StringIO()
    yaml.dump(data, buffer)
    return "---\n" + buffer.getvalue() + "\n".join(lines[end:])
