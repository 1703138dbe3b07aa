"""The repository as it was at a git revision, read from git objects (nothing is checked out).

History is read as raw objects only: `git ls-tree -r -z` lists a revision's content folders and
`git cat-file --batch` gives each blob's bytes, written into a scratch folder as new regular
files, which is then loaded like any repository (same loader, same safety rules, same relative
paths in every message). Never `git archive` or a checkout, which apply `.gitattributes`
filters and `export-subst`.

A repository can configure git to run programs (core.fsmonitor, hooks, smudge/clean filters,
textconv, external diffs, pagers…): every git command here runs with those switched off on its
command line (which wins over any configuration file) and with the system configuration not
read; and nothing here compares the working tree through git (which would refresh the index and
run clean filters): the working tree is hashed here, as git would hash it without filters.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import ClausierError
from .safefile import MAX_FILE_BYTES

CONTENT = ("clausier.yml", "clauses", "templates", "agreements")
LINK_MARK = "symbolic-link-from-git"  # where a link read from history points: nowhere, never followed

# Everything a repository's configuration can make git run, switched off (`-c` wins over every
# configuration file). Attributes-driven programs (filters, textconv, diff drivers) never run
# here anyway: blobs are read raw, and no command compares file contents.
SAFE_CONFIG = (
    "core.fsmonitor=false", "core.hooksPath=/dev/null", "core.untrackedCache=false", "core.pager=cat",
    "core.askPass=", "core.sshCommand=", "core.editor=true", "core.alternateRefsCommand=",
    "diff.external=", "credential.helper=", "protocol.allow=never", "gc.auto=0", "maintenance.auto=false",
    "fetch.recurseSubmodules=false", "submodule.recurse=false", "log.showSignature=false",
)
SAFE_ENVIRONMENT = {
    "GIT_CONFIG_NOSYSTEM": "1",  # /etc/gitconfig is not ours to trust either
    "GIT_TERMINAL_PROMPT": "0",  # never wait for a password
    "GIT_OPTIONAL_LOCKS": "0",  # read-only commands do not write the index
    "GIT_NO_REPLACE_OBJECTS": "1",  # history as committed, not as refs/replace/ rewrites it
    "GIT_LITERAL_PATHSPECS": "1",  # a path is a path, not a pattern
    "GIT_PAGER": "cat",
    "GIT_ASKPASS": "", "SSH_ASKPASS": "",
    "GIT_EXTERNAL_DIFF": "",
}
_DROPPED_ENVIRONMENT = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_CONFIG",
                        "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT", "GIT_EXEC_PATH", "GIT_SSH", "GIT_SSH_COMMAND",
                        "GIT_PROXY_COMMAND")


class GitError(ClausierError):
    """A git command failed: not a repository, an unknown revision…"""


class NotARepository(GitError):
    pass


def git_command(root: Path, *args: str) -> tuple[list[str], dict[str, str]]:
    """The command line and environment to run `git args` in `root` with nothing the repository
    configured run (for every module that calls git)."""
    options = [item for setting in SAFE_CONFIG for item in ("-c", setting)]
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENVIRONMENT and not k.startswith("GIT_CONFIG_KEY_")
           and not k.startswith("GIT_CONFIG_VALUE_")}
    env.update(SAFE_ENVIRONMENT)
    return ["git", *options, "-C", str(root), *args], env


def git(root: Path, *args: str, binary: bool = False, data: bytes | None = None) -> str | bytes:
    command, env = git_command(root, *args)
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=120, env=env,
                              stdin=None if data is not None else subprocess.DEVNULL)
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {' '.join(args[:2])} did not finish in 120 s") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        if "not a git repository" in message:
            raise NotARepository(f"{root} is not a git repository: clausier diff, impact and sign-off need git history")
        raise GitError(f"git {' '.join(args[:2])} failed: {message}")
    return done.stdout if binary else done.stdout.decode("utf-8", "replace")


def resolve(root: Path, revision: str) -> str:
    """The full commit id of a revision, or a clear error naming it."""
    try:
        return git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}").strip()
    except NotARepository:
        raise
    except GitError:
        raise GitError(f"unknown revision {revision!r}: give a commit, a branch or a tag that exists") from None


def default_base(root: Path) -> str:
    """The merge base with the main branch (main, else master, else the first commit)."""
    for branch in ("origin/main", "main", "origin/master", "master"):
        try:
            return git(root, "merge-base", "HEAD", branch).strip()
        except GitError:
            continue
    raise GitError("no main branch to compare with: pass --base REV")


# ---------------------------------------------------------------- trees and blobs


def tree_entries(root: Path, commit: str, paths: tuple[str, ...] = ()) -> list[tuple[str, str, str, int, str]]:
    """(mode, type, object id, size, path) of every file under `paths` (all: the whole tree) at `commit`."""
    out = git(root, "ls-tree", "-r", "-z", "--long", "--full-tree", commit, "--", *paths, binary=True)
    entries = []
    for record in out.split(b"\0"):
        if not record:
            continue
        head, _, name = record.partition(b"\t")
        mode, kind, oid, size = head.decode("ascii").split()
        entries.append((mode, kind, oid, int(size) if size.isdigit() else 0, os.fsdecode(name)))
    return entries


def _safe_parts(path: str) -> tuple[str, ...] | None:
    parts = tuple(path.split("/"))
    if not parts or any(p in ("", ".", "..") or p.lower() == ".git" for p in parts):
        return None  # git itself refuses such trees on checkout; a crafted one is skipped
    return parts


def _open_folder(base: int, parts: tuple[str, ...]) -> int:
    """The folder `parts` below `base`, made if missing, opened without following a link."""
    folder = os.dup(base)
    for part in parts:
        try:
            os.mkdir(part, 0o700, dir_fd=folder)
        except FileExistsError:
            pass
        try:
            inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=folder)
        finally:
            os.close(folder)
        folder = inner
    return folder


def _write_entry(base: int, parts: tuple[str, ...], mode: str, content: bytes | None, size: int) -> None:
    """One history file in the scratch folder: a new regular file with its bytes (a file over the
    limit: a sparse one of its size, which the loader refuses by its size as it refuses the
    working tree's); a link: a link pointing nowhere, which the loader refuses as a link."""
    folder = _open_folder(base, parts[:-1])
    try:
        if mode == "120000":
            os.symlink(LINK_MARK, parts[-1], dir_fd=folder)
            return
        fd = os.open(parts[-1], os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600,
                     dir_fd=folder)
        try:
            if content is None:
                os.ftruncate(fd, size)
            view = memoryview(content or b"")
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
    finally:
        os.close(folder)


def _read_blobs(root: Path, oids: list[str]) -> Iterator[bytes]:
    """The bytes of each blob, in order, from one `git cat-file --batch` (raw: no filter, no textconv)."""
    if not oids:
        return
    command, env = git_command(root, "cat-file", "--batch")
    with tempfile.TemporaryFile() as requests:
        requests.write(("\n".join(oids) + "\n").encode("ascii"))
        requests.seek(0)
        process = subprocess.Popen(command, stdin=requests, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        try:
            for oid in oids:
                header = process.stdout.readline().split()
                if len(header) != 3 or header[1] != b"blob":
                    raise GitError(f"git cat-file could not read object {oid}")
                size = int(header[2])
                data = process.stdout.read(size)
                process.stdout.read(1)  # the newline after each object
                if len(data) != size:
                    raise GitError(f"git cat-file stopped in the middle of object {oid}")
                yield data
        finally:
            process.kill()
            process.wait()
            process.stdout.close()


def export(root: Path, revision: str, destination: Path) -> Path:
    """Write the content folders of `revision` into `destination` (a scratch folder), from raw
    git objects: regular files only (links as links pointing nowhere), nothing filtered."""
    commit = resolve(root, revision)
    top = {name for _, _, _, _, name in tree_entries_top(root, commit)}
    destination.mkdir(parents=True, exist_ok=True)
    paths = tuple(p for p in CONTENT if p in top)
    if not paths:
        return destination
    entries = []
    for mode, kind, oid, size, path in tree_entries(root, commit, paths):
        parts = _safe_parts(path)
        if kind != "blob" or parts is None:
            continue  # submodules, and names git would not check out
        entries.append((mode, oid, size, parts))
    wanted = [oid for mode, oid, size, _ in entries if mode != "120000" and size <= MAX_FILE_BYTES]
    blobs = _read_blobs(root, wanted)
    base = os.open(destination, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        for mode, oid, size, parts in entries:
            content = next(blobs) if mode != "120000" and size <= MAX_FILE_BYTES else None
            try:
                _write_entry(base, parts, mode, content, size)
            except OSError:
                continue  # a crafted tree naming a file twice, or a file below a link: not written
    finally:
        os.close(base)
        blobs.close()
    return destination


def tree_entries_top(root: Path, commit: str) -> list[tuple[str, str, str, int, str]]:
    """The entries at the top of the tree of `commit` (not recursive)."""
    out = git(root, "ls-tree", "-z", "--full-tree", commit, binary=True)
    entries = []
    for record in out.split(b"\0"):
        if record:
            head, _, name = record.partition(b"\t")
            mode, kind, oid = head.decode("ascii").split()
            entries.append((mode, kind, oid, 0, os.fsdecode(name)))
    return entries


@contextmanager
def tree_at(root: Path, revision: str) -> Iterator[Path]:
    """A scratch folder holding the repository's content as of `revision`, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="clausier-rev-") as scratch:
        yield export(root, revision, Path(scratch) / "repo")


# ---------------------------------------------------------------- the working tree


def changed_files(root: Path, base: str, head: str | None = None) -> list[str]:
    """Files changed between base and head (default: the working tree, staged or not, and files
    git does not ignore). The working tree is compared here, hashing files as git hashes them
    without filters: `git diff` or `git status` would refresh the index, run core.fsmonitor and
    clean filters."""
    if head is not None:
        names = git(root, "diff-tree", "-r", "-z", "--name-only", "--no-renames", "--no-textconv",
                    "--no-ext-diff", resolve(root, base), resolve(root, head), binary=True)
        return sorted({os.fsdecode(n) for n in names.split(b"\0") if n})
    commit = resolve(root, base)
    recorded = {path: (mode, oid, size) for mode, kind, oid, size, path in tree_entries(root, commit)
                if kind == "blob"}
    listed = git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard", binary=True)
    present = {os.fsdecode(n) for n in listed.split(b"\0") if n}
    algorithm = git(root, "rev-parse", "--show-object-format").strip() or "sha1"
    changed = set()
    for path in present | set(recorded):
        if _working_oid(root, path, recorded.get(path), algorithm) != (recorded.get(path) or (None, None, 0))[1]:
            changed.add(path)
    return sorted(changed)


def _working_oid(root: Path, path: str, recorded: tuple[str, str, int] | None, algorithm: str) -> str | None:
    """The blob id git would give the working tree's file (None: absent or not a file). A file
    whose size differs from the recorded blob's is changed without being read."""
    full = os.path.join(root, path)
    try:
        info = os.lstat(full)
    except OSError:
        return None
    if stat.S_ISLNK(info.st_mode):
        data = os.fsencode(os.readlink(full))
    elif stat.S_ISREG(info.st_mode):
        if recorded is None or recorded[0] == "120000" or info.st_size != recorded[2]:
            return "changed"
        data = _read_regular(full, info.st_size)
        if data is None:
            return "changed"
    else:
        return None if stat.S_ISDIR(info.st_mode) and recorded and recorded[0] == "160000" else "changed"
    digest = hashlib.new(algorithm)
    digest.update(b"blob %d\0" % len(data) + data)
    return digest.hexdigest()


def _read_regular(path: str, size: int) -> bytes | None:
    """A regular file's bytes (never a link's target, never a FIFO: no wait), None if it changed kind."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks, total = [], 0
        while total <= size:
            chunk = os.read(fd, min(1 << 20, size + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        return b"".join(chunks) if total == size else None
    finally:
        os.close(fd)


def path_in_repository(root: Path, given: str) -> str | None:
    """A path given on the command line, relative to the repository ("." for the root): taken
    from the current folder first, then from the root; None when it lies outside."""
    path = Path(given)
    candidates = [path] if path.is_absolute() else [Path.cwd() / path, root / path]
    for candidate in candidates:
        try:
            relative = Path(os.path.abspath(candidate)).relative_to(Path(os.path.abspath(root)))
        except ValueError:
            continue
        if candidate.exists() or candidate.is_symlink() or candidate is candidates[-1]:
            return relative.as_posix() if relative.parts else "."
    return None
