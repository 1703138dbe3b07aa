"""What a message carries, as bytes: the PDF (the signed one as it is, when it exists), and on
request the DOCX and the redline.

The PDF is never taken from build/: a file there may be stale, or not this user's. Without a
signed PDF it is rendered now through the pipeline, as `clausier build` renders it (same bytes),
and refused as the build refuses it: what `check` finds, `send` does not send.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import SendError

KINDS = ("pdf", "docx", "redline")
SIGNED_FOLDER = "signatures"
MAX_SIGNED_BYTES = 64 * 1024 * 1024  # a signed PDF with its embedded source and validation data
TYPES = {".pdf": ("application", "pdf"),
         ".docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")}


@dataclass(frozen=True)
class Attachment:
    name: str  # the file name the recipient sees
    data: bytes
    origin: str  # where it comes from, for the report: a path or "rendered now"

    @property
    def mime(self) -> tuple[str, str]:
        return TYPES[Path(self.name).suffix]


def parse_kinds(text: str) -> list[str]:
    """`pdf,docx,redline` → the kinds, in that order; the PDF is always attached."""
    asked = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [kind for kind in asked if kind not in KINDS]
    if unknown:
        raise SendError(f"--attach: unknown {', '.join(map(repr, unknown))}; choose among {', '.join(KINDS)}")
    return [kind for kind in KINDS if kind in asked or kind == "pdf"]


def signed_pdf(root: Path, agreement_id: str) -> bytes | None:
    """signatures/<id>.pdf when it exists (read through safefile: no link, a regular file)."""
    from ..safefile import read_bytes

    relative = f"{SIGNED_FOLDER}/{agreement_id}.pdf"
    if not ((root / relative).exists() or (root / relative).is_symlink()):
        return None
    return read_bytes(root, relative, limit=MAX_SIGNED_BYTES)


def rendered(repo, path: Path, formats: list[str]) -> dict[str, bytes]:
    """The agreement's outputs rendered now, the build's checks applied; SendError with its errors."""
    from ..lint.gate import refuse_errors
    from ..pipeline import render_agreement

    outcome = render_agreement(repo, path, formats, refuse_errors)
    if outcome.errors:
        raise SendError("the agreement does not build, nothing is sent:\n  " + "\n  ".join(outcome.errors))
    return outcome.outputs


def redline(root: Path, agreement: str, base: str | None, out: Path) -> bytes:
    """The marked-up PDF of `clausier diff` (from `base`, default the merge base with the main
    branch, to the working tree), written into `out` as diff writes it."""
    from ..gitsource import GitError
    from ..two_sides import SideError, UsageProblem, diff_agreement

    try:
        result = diff_agreement(root, agreement, base, None, ["pdf"], out)
    except (GitError, UsageProblem, SideError) as exc:
        raise SendError(f"--attach redline: {exc}") from None
    return result.outputs["pdf"].read_bytes()


def collect(repo, path: Path, agreement_id: str, kinds: list[str], redline_base: str | None,
            folder: Path) -> tuple[list[Attachment], bool]:
    """The attachments in order, and whether the PDF is the signed one."""
    signed = signed_pdf(repo.root, agreement_id)
    formats = (["pdf"] if signed is None else []) + (["docx"] if "docx" in kinds else [])
    outputs = rendered(repo, path, formats) if formats else {}
    found = [Attachment(f"{agreement_id}.pdf", signed, f"{SIGNED_FOLDER}/{agreement_id}.pdf") if signed is not None
             else Attachment(f"{agreement_id}.pdf", outputs["pdf"], "rendered now")]
    if "docx" in kinds:
        found.append(Attachment(f"{agreement_id}.docx", outputs["docx"], "rendered now"))
    if "redline" in kinds:
        data = redline(repo.root, repo.rel(path), redline_base, folder)
        found.append(Attachment(f"{agreement_id}.redline.pdf", data, f"clausier diff"))
    return found, signed is not None
