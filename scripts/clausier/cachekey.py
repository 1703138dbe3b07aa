"""The key that authenticates the build cache: this user's, on this machine, never in a repository.

`build/` is not an input: a file planted there (a pull request adding it, a cache restored from
another branch, anyone who can write the folder) must not decide what a document holds. So every
cache entry (the state and journal of buildcache.py, the kept Typst sources of fast/warm_start.py,
the part store of batch.lua) carries an HMAC under a 32-byte key kept outside the repository:
`$CLAUSIER_CACHE_KEY` (a file path), else `$XDG_STATE_HOME/clausier/cache.key`, else
`~/.local/state/clausier/cache.key`. An entry whose tag fails is ignored and rebuilt, never an error.

The key file is made on first use (0600, `secrets.token_bytes`, in a 0700 folder, published whole
by a hard link so two builds never see half a key). An existing one is refused, with a clear
error, if it is a link, not a regular file, not this user's, open to others, or not 32 bytes: a
key others can read or swap authenticates nothing. Where no key can be stored (no home, a
read-only one) a key for this process only is used: nothing an earlier build wrote is trusted.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import os
import stat
from functools import lru_cache
from pathlib import Path

from .errors import ClausierError

KEY_ENV = "CLAUSIER_CACHE_KEY"
KEY_BYTES = 32
_OPEN = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


class CacheKeyError(ClausierError):
    """The key file exists but cannot be trusted."""


def key_file() -> Path:
    given = os.environ.get(KEY_ENV)
    if given:
        return Path(given)
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(state) / "clausier" / "cache.key"


def cache_key() -> bytes:
    """This user's cache key (made on first use)."""
    return _load(str(key_file()))


@lru_cache(maxsize=None)
def _load(path: str) -> bytes:
    key = _read(path)
    if key is None:
        try:
            key = _create(path)
        except OSError:
            import secrets

            return secrets.token_bytes(KEY_BYTES)  # nowhere to keep one: this process's own
    return key


def _refused(path: str, reason: str) -> CacheKeyError:
    return CacheKeyError(f"{path}: the build cache key {reason}; remove it (a new one is made) "
                         f"or set {KEY_ENV} to another file")


def _read(path: str) -> bytes | None:
    """The key in `path`, None when there is none, CacheKeyError when it cannot be trusted."""
    try:
        fd = os.open(path, _OPEN)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return None
        if exc.errno == errno.ELOOP:
            raise _refused(path, "is a symbolic link") from None
        if exc.errno in (errno.EACCES, errno.ENOTDIR):
            return None  # unreachable: as if there were none (a process key)
        raise _refused(path, f"cannot be opened ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _refused(path, "is not a regular file")
        if info.st_uid != os.getuid():
            raise _refused(path, "belongs to another user")
        if info.st_mode & 0o077:
            raise _refused(path, f"is open to other users (mode {stat.S_IMODE(info.st_mode):04o}, not 0600)")
        data = os.read(fd, KEY_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) != KEY_BYTES:
        raise _refused(path, f"is not {KEY_BYTES} bytes long")
    return data


def _create(path: str) -> bytes:
    import secrets  # (only here: the no-op build does not pay for importing it)

    folder = os.path.dirname(path) or "."
    os.makedirs(folder, mode=0o700, exist_ok=True)
    temporary = f"{path}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
        os.write(fd, secrets.token_bytes(KEY_BYTES))
        os.fsync(fd)
        os.close(fd)
        try:
            os.link(temporary, path)  # never replaces a key another build made meanwhile
        except FileExistsError:
            pass
    finally:
        os.unlink(temporary)
    key = _read(path)
    if key is None:
        raise OSError(errno.ENOENT, "key vanished")
    return key


# ---------------------------------------------------------------- tags


def tag(purpose: str, data: bytes, key: bytes | None = None) -> str:
    """HMAC-SHA256 of `data` for one use (the purpose separates them: a journal line's tag is
    no state's), hex."""
    return hmac.new(key or cache_key(), purpose.encode("ascii") + b"\0" + data, hashlib.sha256).hexdigest()


def verify(purpose: str, data: bytes, given: bytes | str, key: bytes | None = None) -> bool:
    expected = tag(purpose, data, key)
    if isinstance(given, bytes):
        given = given.decode("ascii", "replace")
    return hmac.compare_digest(expected, given)


def derive(purpose: str, context: str = "") -> bytes:
    """A secret for one use, from the user's key (the key itself goes to no other process)."""
    return hmac.new(cache_key(), b"derive\0" + purpose.encode("ascii") + b"\0" + context.encode("utf-8"),
                    hashlib.sha256).digest()


# ---------------------------------------------------------------- the cache's folders and files


def real_folder(base: Path, *names: str) -> Path:
    """`base/names…`, each a real folder: a link or a file planted in its place is removed
    (the cache is the tool's own), so nothing the cache writes lands outside it."""
    folder = Path(base)
    for name in names:
        folder = folder / name
        try:
            info = os.lstat(folder)
        except FileNotFoundError:
            info = None
        if info is not None and not stat.S_ISDIR(info.st_mode):
            os.unlink(folder)
            info = None
        if info is None:
            try:
                os.mkdir(folder, 0o777)
            except FileExistsError:  # another build made it meanwhile
                if not stat.S_ISDIR(os.lstat(folder).st_mode):
                    raise
    return folder


def open_own(path: Path, flags: int, mode: int = 0o644) -> int:
    """os.open without following a link at `path`: a planted link is removed, not written through."""
    flags |= os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        return os.open(path, flags, mode)
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            raise
    os.unlink(path)
    return os.open(path, flags, mode)
