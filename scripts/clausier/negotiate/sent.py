"""The text that was sent: the agreement's DOCX rebuilt at the commit its properties name.

The side is assembled as `clausier diff` assembles one (two_sides.side_at: git objects into a
scratch folder, a signed agreement from its signing library) and rendered by the pipeline, so
the paragraphs compared with the returned file come from the very DOCX we would send. The
rebuild is checked against the file's `clausier-sha256` (the assembled Markdown's hash): a
mismatch is said, never hidden, since every difference would then look like a client's edit.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .identity import Identity
from .wordxml import Paragraph, walk


@dataclass
class SentText:
    revision: str  # "1a2b3c4" or "working tree"
    commit: str | None  # None: the working tree
    paragraphs: list[Paragraph]
    matches: bool  # the rebuild's Markdown has the sha256 the DOCX carries
    findings: list[str] = field(default_factory=list)


class SentUnknown(ValueError):
    """No revision rebuilds the text that was sent (the message says what to pass)."""


def rebuild(root: Path, identity: Identity, base: str | None = None) -> SentText:
    """The sent text at `base` (--base REV), else at the recorded commit, else the working tree or
    HEAD when one of them rebuilds exactly what was sent."""
    from ..two_sides import Revision, agreement_location, revision

    root = Path(root).resolve()
    relative = agreement_location(root, identity.agreement)
    if base is not None:
        candidates = [revision(root, base)]
    elif identity.known_commit:
        candidates = [revision(root, identity.known_commit)]
    else:
        candidates = [Revision(None, "working tree"), revision(root, "HEAD")]
    tried = []
    for where in candidates:
        docx, markdown = _render(root, where, relative)
        if docx is None:
            tried.append(f"{relative} does not exist at {where.label}")
            continue
        matches = hashlib.sha256(markdown).hexdigest() == identity.sha256
        if matches or base is not None or identity.known_commit:
            sent = SentText(where.short, where.commit, walk(docx)[0], matches)
            if not matches:
                sent.findings.append(f"the text rebuilt at {where.label} is not the text sent (its sha256 differs from "
                                     f"the file's clausier-sha256 {identity.sha256[:12]}): differences of ours may show "
                                     "as the client's untracked edits")
            return sent
        tried.append(f"{where.label} rebuilds another text")
    raise SentUnknown(f"{identity.agreement} was built from an uncommitted working tree and "
                      f"{'; '.join(tried)}: pass the revision it was sent from with --base REV")


def _render(root: Path, where, relative: str) -> tuple[bytes | None, bytes]:
    from ..pipeline import render_outputs
    from ..two_sides import side_at

    with side_at(root, where, relative) as side:
        if side.agreement is None:
            return None, b""
        _, outputs = render_outputs(side.repo, side.agreement, ["docx", "md"])
    with zipfile.ZipFile(io.BytesIO(outputs["docx"])) as archive:
        return archive.read("word/document.xml"), outputs["md"]
