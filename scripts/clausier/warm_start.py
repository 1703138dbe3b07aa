"""Each agreement's last Typst source, kept so a lone rebuild finds Typst warm.

Typst remembers what it laid out only in memory, so the one worker of a one-agreement rebuild
lays the whole document out afresh: 0.15-0.2 s, the largest single step of such a build. Yet
an edited agreement is mostly what it was. So the build keeps each agreement's Typst source
(with where its parts lie: see typst_batch), and a worker with a core to spare compiles the
agreement's kept source in a thread while it assembles and converts the new text (Typst runs
outside Python's lock). Cut into the same part files, the new document then finds most of its
layout done: some 0.04 s instead.

A kept source decides nothing. The warm-up's PDF is thrown away, and Typst reuses what it
laid out only for identical input, so a document's bytes are the same with or without it,
whatever the file holds (tests compare, with a planted one too). It is compiled in the same
confined scratch folder as any document. A file that cannot be read is simply not used.
"""

from __future__ import annotations

import json
import os
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from .output import prune_oldest

FORMAT = 1  # of a kept file; another format is not read
SUFFIX = ".typ.z"
MAX_KEPT = 20000  # files (some 17 KB each); past this the oldest go


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

    def file(self, agreement_id: str) -> Path:
        return Path(self.path) / (agreement_id + SUFFIX)

    def keep(self, agreement_id: str, kept: KeptSource) -> None:
        """Replace the agreement's kept source, atomically (a reader never sees half a file)."""
        record = {"format": FORMAT, "spans": kept.spans, "settings": kept.settings,
                  "source": kept.source.decode("utf-8")}
        data = zlib.compress(json.dumps(record, ensure_ascii=False).encode("utf-8"), 1)
        folder = Path(self.path)
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, self.file(agreement_id))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def find(self, agreement_id: str) -> KeptSource | None:
        """The agreement's kept source, or None (none kept, not to be read, or unreadable)."""
        if not self.read:
            return None
        try:
            record = json.loads(zlib.decompress(self.file(agreement_id).read_bytes()))
            if record.get("format") != FORMAT:
                return None
            spans = [(int(offset), int(length)) for offset, length in record["spans"]]
            settings = {str(key): str(value) for key, value in record["settings"].items()}
            return KeptSource(record["source"].encode("utf-8"), spans, settings)
        except (OSError, ValueError, zlib.error, KeyError, TypeError, AttributeError):
            return None

    def prune(self) -> int:
        """Keep the folder under MAX_KEPT files (an agreement renamed or removed leaves one behind)."""
        return prune_oldest(Path(self.path), MAX_KEPT)
