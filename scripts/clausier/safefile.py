"""The one way any file of a repository is read: no links followed, regular files inside the
repository only, the size limit checked on the open file before reading.

Every folder on the way is opened relative to the one before it with O_NOFOLLOW, so a link
anywhere in the path (not only the last part) is refused, and a path cannot be swapped for a
link between the check and the read. The file itself is opened non-blocking (a FIFO does not
hang the open) and `fstat` decides: only a regular file is read, never a FIFO, device, socket
or folder, and never more than the limit, whatever the file claims (a sparse file of 3 GB is
refused from its size, a growing one after `limit` bytes).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import ContentError, Finding, relpath

MAX_FILE_BYTES = 1024 * 1024
_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOCTTY", 0)


class UnsafeFile(ContentError):
    """A file the tool refuses to read; its finding names the file and the reason."""


def _refuse(shown: str, reason: str) -> UnsafeFile:
    return UnsafeFile(Finding(shown, 0, 0, message=reason, rule="repository"))


def relative_inside(root: Path, path: Path) -> tuple[str, ...] | None:
    """The parts of `path` below `root` (not resolved: a link is judged where it sits), or None
    when it lies outside or climbs with '..'."""
    absolute = Path(os.path.abspath(path if path.is_absolute() else root / path))
    try:
        parts = absolute.relative_to(Path(os.path.abspath(root))).parts
    except ValueError:
        return None
    return None if ".." in parts else parts


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"),
                       (stat.S_ISLNK, "a symbolic link")):
        if test(mode):
            return name
    return "not a regular file"


def read_bytes(root: Path, path: Path | str, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file inside `root`, or UnsafeFile naming the file and why not."""
    folder, name, shown = _open_parent(root, path)
    try:
        return _read_regular(folder, name, shown, limit)
    finally:
        os.close(folder)


def _open_parent(root: Path, path: Path | str) -> tuple[int, str, str]:
    """The folder holding `path`, opened part by part from `root` without following a link,
    the file's name in it, and the path as shown in messages."""
    root = Path(os.path.abspath(root))
    path = Path(path)
    shown = relpath(path if path.is_absolute() else root / path, root)
    parts = relative_inside(root, path)
    if parts is None:
        raise _refuse(shown, f"{path} is outside the repository; only files inside it are read")
    if not parts:
        raise _refuse(shown, f"{shown} is a folder, not a file")
    try:
        folder = os.open(root, _DIRECTORY)
    except OSError as exc:
        raise _refuse(shown, f"cannot open the repository folder: {exc.strerror}") from None
    for index, part in enumerate(parts[:-1]):
        try:
            inner = os.open(part, _DIRECTORY, dir_fd=folder)
        except OSError as exc:
            os.close(folder)
            raise _folder_error(root, parts[: index + 1], shown, exc) from None
        os.close(folder)
        folder = inner
    return folder, parts[-1], shown


def replace_bytes(root: Path, path: Path | str, data: bytes) -> None:
    """Rewrite an existing regular file inside `root` (its mode kept) through no link: its folders
    opened as read_bytes opens them, a temporary written beside it, then renamed over it (a link
    in the file's place is refused, never written through)."""
    folder, name, shown = _open_parent(root, path)
    temporary = f".{name}.{os.getpid()}.tmp"
    try:
        try:
            info = os.stat(name, dir_fd=folder, follow_symlinks=False)
        except OSError as exc:
            raise _refuse(shown, f"cannot open {shown}: {exc.strerror}") from None
        if not stat.S_ISREG(info.st_mode):
            raise _refuse(shown, f"{shown} is {_kind(info.st_mode)}; only regular files are written")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                     stat.S_IMODE(info.st_mode), dir_fd=folder)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
        except BaseException:
            try:
                os.unlink(temporary, dir_fd=folder)
            except OSError:
                pass
            raise
    finally:
        os.close(folder)


def _folder_error(root: Path, parts: tuple[str, ...], shown: str, exc: OSError) -> UnsafeFile:
    where = "/".join(parts)
    if (root.joinpath(*parts)).is_symlink():
        return _refuse(shown, f"{where} is a symbolic link; content must be real files in the repository")
    if exc.errno == 2:
        return _refuse(shown, "file not found")
    if exc.errno == 20:
        return _refuse(shown, f"{where} is not a folder")
    return _refuse(shown, f"cannot open {where}: {exc.strerror}")


def _read_regular(folder: int, name: str, shown: str, limit: int) -> bytes:
    try:
        fd = os.open(name, _FILE, dir_fd=folder)
    except OSError as exc:
        if exc.errno == 40:  # ELOOP: the last part is a link
            raise _refuse(shown, f"{shown} is a symbolic link; content must be real files in the repository") from None
        if exc.errno == 2:
            raise _refuse(shown, "file not found") from None
        try:  # a socket cannot be opened at all (ENXIO): say what it is
            mode = os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode
        except OSError:
            mode = stat.S_IFREG
        if not stat.S_ISREG(mode):
            raise _refuse(shown, f"{shown} is {_kind(mode)}; only regular files are read") from None
        raise _refuse(shown, f"cannot open {shown}: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _refuse(shown, f"{shown} is {_kind(info.st_mode)}; only regular files are read")
        if info.st_size > limit:
            raise _refuse(shown, f"file is {info.st_size} bytes; the limit is {limit}")
        os.set_blocking(fd, True)
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise _refuse(shown, f"file grew past the limit of {limit} bytes while being read")
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text(root: Path, path: Path | str, limit: int = MAX_FILE_BYTES) -> str:
    """A file read as `read_bytes` reads it, decoded as UTF-8 (a clear error otherwise)."""
    data = read_bytes(root, path, limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        shown = relpath(Path(path) if Path(path).is_absolute() else Path(root) / path, Path(root))
        line = data[: exc.start].count(b"\n") + 1
        raise UnsafeFile(Finding(shown, line, 1, message="file is not valid UTF-8; save it as UTF-8",
                                 rule="encoding")) from None
