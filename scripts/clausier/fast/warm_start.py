"""Each agreement's last Typst source, kept so a lone rebuild finds Typst warm.

Typst remembers what it laid out only in memory, so the one worker of a one-agreement rebuild
lays the whole document out afresh, the largest single step of such a build. Yet
an edited agreement is mostly what it was. So the build keeps each agreement's Typst source
(with where its parts lie: see typst_workspace.py), and a worker with a core to spare compiles the
agreement's kept source in a thread while it loads the library and assembles and converts the
new text (Typst runs outside Python's lock). Cut into the same part files, the new document then finds most of its
layout done (figures: benchmarks/RESULTS.md).

A kept source decides nothing. The warm-up's PDF is thrown away, and Typst reuses what it
laid out only for identical input, so a document's bytes are the same with or without it,
whatever the file holds (tests compare, with a planted one too). It is compiled in the same
confined scratch folder as any document. A file that cannot be read is simply not used; nor is one
this user's builds did not write: each carries an HMAC under a secret derived from the user's
cache key (cachekey.py), and is read without following links, a regular file under a size limit
(a planted FIFO or link to /dev/zero must not stall or fill a worker).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..output import prune_oldest, write_atomic

MAGIC = b"clausier-kept-typst 1"  # a kept file's first line starts so; another format is not read
MAX_KEPT_BYTES = 64 << 20  # a kept source larger than this is not read
SUFFIX = ".typ.kept"
MAX_KEPT = 20000  # files (some 40 KB each); past this the oldest go


@dataclass(frozen=True)
class KeptSource:
    source: bytes  # the Typst text pandoc wrote
    spans: list[tuple[int, int]]  # where its parts lie (offset, length in bytes)
    settings: dict[str, str]  # the style's settings it was compiled with


@dataclass(frozen=True)
class KeptSources:
    """The folder of kept sources, one file per agreement id. `read` False (a forced build, or
    no core to spare) still keeps sources for the next build but reads none."""

    path: str
    read: bool = True
    secret: bytes = field(default=b"", repr=False)  # what the files are authenticated with (default: derived from the cache key)

    def __post_init__(self) -> None:
        if not self.secret:
            from ..cachekey import derive

            object.__setattr__(self, "secret", derive("kept-typst"))

    def _tag(self, body: bytes) -> bytes:
        return hmac.new(self.secret, body, hashlib.sha256).hexdigest().encode("ascii")

    def file(self, agreement_id: str) -> Path:
        return Path(self.path) / (agreement_id + SUFFIX)

    def keep(self, agreement_id: str, kept: KeptSource) -> None:
        """Replace the agreement's kept source, atomically (a reader never sees half a file).
        Two lines, then the source: the magic and an HMAC-SHA256 of the rest; the spans and the
        settings as JSON (the source itself is written as it is: encoding 40 KB as JSON or
        compressing it would cost a cold build of 1,000 agreements a second)."""
        header = json.dumps({"spans": kept.spans, "settings": kept.settings}, ensure_ascii=False).encode("utf-8")
        body = header + b"\n" + kept.source
        data = MAGIC + b" " + self._tag(body) + b"\n" + body
        write_atomic(self.file(agreement_id), data, durable=False)

    def find(self, agreement_id: str) -> KeptSource | None:
        """The agreement's kept source, or None (none kept, not to be read, or damaged)."""
        from ..safefile import UnsafeFile, read_bytes

        if not self.read:
            return None
        try:
            first, body = read_bytes(Path(self.path), agreement_id + SUFFIX, limit=MAX_KEPT_BYTES).split(b"\n", 1)
            magic, _, checksum = first.rpartition(b" ")
            if magic != MAGIC or not hmac.compare_digest(self._tag(body), checksum):
                return None
            header, source = body.split(b"\n", 1)
            record = json.loads(header)
            spans = [(int(offset), int(length)) for offset, length in record["spans"]]
            settings = {str(key): str(value) for key, value in record["settings"].items()}
            return KeptSource(source, spans, settings)
        except (OSError, UnsafeFile, ValueError, KeyError, TypeError, AttributeError):
            return None

    def prune(self) -> int:
        """Keep the folder under MAX_KEPT files (an agreement renamed or removed leaves one behind)."""
        return prune_oldest(Path(self.path), MAX_KEPT)
