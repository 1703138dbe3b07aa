"""A signed agreement against its own text at the signing commit, read from git history.

The `signed:` record sits in the file it vouches for, so its hashes prove nothing on their own:
whoever edits the text can recompute them. What the file cannot rewrite is git history. So the
agreement as committed at `signed.commit` (a raw blob: `git cat-file blob`, no filters, no
textconv) must be the current text except for what `clausier sign-off` adds (`status: signed`
and the `signed:` record), and that commit must be in the history of HEAD (a record pointing at
a commit made aside, say one holding the edited text, is not a signature). Nor may the record
itself move: the first commit after the signing one that holds the agreement signed must hold
this very record (pointing it at an older commit, whose draft said something else, is caught).

Compared: the body byte for byte (sign-off keeps it as it is), and the front matter's data
without `status` and `signed`, key order and value types included (`1` is not `1.0`, nor a date
its string), since sign-off's YAML writer may re-quote or re-indent but keeps every value.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from .errors import ClausierError, ContentError
from .gitsource import GitError, NotARepository, git
from .yamlio import split_front_matter

SIGN_OFF_FIELDS = ("status", "signed", "sent")  # what sign-off writes, and `sent:` (send records it later)
SIGNING_FIELDS = ("archive_sha256", "signatures")  # what `clausier sign` adds to the `signed:` record
CHANGED = "changed"  # history_problem's answer for a text that is not the signed one


def blob_at(root: Path, commit: str, path: str) -> bytes:
    """The raw bytes of `path` as committed in `commit` (GitError when there is none)."""
    # "./": relative to the root, which may be a folder inside the git repository
    return git(root, "cat-file", "blob", f"{commit}:./{path}", binary=True)


def has_commit(root: Path, commit: str) -> bool:
    try:
        git(root, "cat-file", "-e", f"{commit}^{{commit}}")
        return True
    except NotARepository:
        raise
    except GitError:
        return False


def is_ancestor(root: Path, commit: str, head: str = "HEAD") -> bool:
    """Whether `commit` (which exists) is in the history of `head`."""
    try:
        git(root, "merge-base", "--is-ancestor", commit, head)
        return True
    except NotARepository:
        raise
    except GitError:  # exit status 1: it is not
        return False


def is_shallow(root: Path) -> bool:
    try:
        return git(root, "rev-parse", "--is-shallow-repository").strip() == "true"
    except GitError:
        return False


def uncommitted(root: Path, commit: str, path: str, text: str) -> bool:
    """Whether the agreement's `text` is not exactly what `commit` holds at `path` (sign-off
    requires it: the signature is checked against that commit's text)."""
    try:
        committed = blob_at(root, commit, path)
    except GitError:
        return True
    return committed.replace(b"\r\n", b"\n") != text.replace("\r\n", "\n").encode("utf-8")


def history_problem(root: Path, commit: str, path: str, text: str) -> str | None:
    """Why the agreement `path` (repository-relative), whose current text is `text`, is not its
    text at the signing `commit` plus the sign-off; None when it is. Messages finish a sentence
    starting "this signed agreement …"; CHANGED when the text itself differs."""
    try:
        if not has_commit(root, commit):
            hint = " (this clone is shallow: fetch the whole history, `git fetch --unshallow`, or " \
                   "`fetch-depth: 0` in CI)" if is_shallow(root) else ""
            return f"cannot be verified: its signing commit {commit[:12]} is not in this repository{hint}"
        if not is_ancestor(root, commit):
            return (f"names a signing commit, {commit[:12]}, that is not in the history of HEAD: a sign-off "
                    "records a commit of this branch (a squash merge or a rebase drops it: merge signed "
                    "agreements as they are)")
        try:
            signed_then = blob_at(root, commit, path)
        except GitError:
            return (f"was not committed as {path} at its signing commit {commit[:12]}: commit an agreement "
                    "before signing it, and keep its path")
    except NotARepository:
        return (f"cannot be verified: {root} is not a git repository (a signed agreement is compared with "
                "its text at the signing commit)")
    except GitError as exc:
        return f"cannot be verified against its signing commit {commit[:12]}: {exc}"
    if not same_but_sign_off(signed_then.decode("utf-8", "replace"), text, path):
        return CHANGED
    first = first_sign_off(root, commit, path)
    if first is not None and _typed(_settled(first[1])) != _typed(_settled(_record_of(text, path))):
        return (f"carries a sign-off record other than the one committed in {first[0][:12]}: a signature "
                "is never rewritten; undo the change and write an amendment")
    return None


def first_sign_off(root: Path, commit: str, path: str) -> tuple[str, Any] | None:
    """The first commit after `commit` in HEAD's history holding `path` signed, and its record."""
    try:
        commits = git(root, "log", "--format=%H", "--reverse", "--no-renames", f"{commit}..HEAD", "--", path).split()
        for later in commits:
            try:
                text = blob_at(root, later, path).decode("utf-8", "replace")
            except GitError:
                continue  # removed in that commit
            record = _record_of(text, path)
            if record is not None:
                return later, record
    except GitError:
        return None
    return None


def _settled(record: Any) -> Any:
    """A sign-off record without what `clausier sign` adds later (the archive's hash and the list
    of signatures, which signatures/<id>.pdf proves: clausier verify)."""
    if not isinstance(record, dict):
        return record
    return {k: v for k, v in record.items() if k not in SIGNING_FIELDS}


def _record_of(text: str, shown: str) -> Any:
    """The `signed:` record of a signed agreement's text (None when the text is not signed)."""
    try:
        data = split_front_matter(text.replace("\r\n", "\n"), shown).meta.data
    except (ContentError, ClausierError):
        return None
    if not isinstance(data, dict) or data.get("status") != "signed":
        return None
    return data.get("signed")


def same_but_sign_off(before: str, after: str, shown: str) -> bool:
    """`after` is `before` with only what sign-off writes changed (see the module's docstring)."""
    try:
        old = split_front_matter(before.replace("\r\n", "\n"), shown)
        new = split_front_matter(after.replace("\r\n", "\n"), shown)
    except (ContentError, ClausierError):
        return False
    if old.body != new.body:
        return False
    return _typed(_without_sign_off(old.meta.data)) == _typed(_without_sign_off(new.meta.data))


def _without_sign_off(data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    return {k: v for k, v in data.items() if k not in SIGN_OFF_FIELDS}


def _typed(value: Any) -> Any:
    """A value with its kind kept at every level, mappings in their order (`1`, `1.0`, `True`
    and `"1"` all differ; Python alone finds some of them equal)."""
    if isinstance(value, dict):
        return ("map", [(_typed(k), _typed(v)) for k, v in value.items()])
    if isinstance(value, (list, tuple)):
        return ("list", [_typed(v) for v in value])
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int):
        return ("int", int(value))
    if isinstance(value, (float, Decimal)):
        return ("number", str(value))
    if isinstance(value, str):
        return ("str", str(value))
    return (type(value).__name__, str(value))
