"""The archive that is signed: the signed-off agreement as PDF/A-3b, carrying its own source.

Rendered as `build` renders a signed agreement (the library as of its signing commit, the signing
date as the PDF's date), and refused unless that PDF is still byte for byte the one recorded at
sign-off (`signed.pdf_sha256`): what is signed is what was signed off. The same Typst document is
then compiled as PDF/A-3b with two attachments, the agreement's file (relationship Source) and
its manifest entry (Data), and queried for the signature boxes (fields.py). Its pages are the
signed-off PDF's pages (tests compare them as images).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import SigningError
from .fields import Box, signature_boxes

ATTACHMENTS = "clausier-attachments.json"  # the attachments' names, read by the Typst source as data
# Appended to main.typ (pandoc's output): invisible elements after the body.
ATTACH = """
#let clausier-attachments = json("/clausier-attachments.json")
#pdf.attach("/" + clausier-attachments.source, relationship: "source", mime-type: "text/markdown",
  description: clausier-attachments.source-description)
#pdf.attach("/" + clausier-attachments.manifest, relationship: "data", mime-type: "application/json",
  description: clausier-attachments.manifest-description)
"""


@dataclass(frozen=True)
class Archive:
    pdf: bytes
    boxes: dict[str, Box]
    language: str


def source_name(agreement_id: str) -> str:
    return f"{agreement_id}.md"


def manifest_name(agreement_id: str) -> str:
    return f"{agreement_id}.manifest.json"


def make_archive(root: Path, path: Path) -> Archive:
    """The archive of the signed-off agreement at `path` (nothing is written in the repository)."""
    from ..assemble import assemble
    from ..pipeline import manifest_entry, render_settings
    from ..render import check_renderable, split_header
    from ..repository import load_agreement, load_repository
    from ..safefile import read_bytes
    from ..signoff import FrozenLibraries, frozen_inputs

    repo = load_repository(root)
    agreement = load_agreement(repo, path)
    signed = agreement.model.signed
    if agreement.model.status != "signed" or signed is None:
        raise SigningError(f"{agreement.path}: not signed off: run `clausier sign-off {agreement.path}` first "
                           "(the text must be frozen before anyone signs it)")
    source = read_bytes(repo.root, path)
    with FrozenLibraries(repo.root) as libraries:
        frozen_repo, frozen = frozen_inputs(libraries, agreement, path)
        assembled = assemble(frozen_repo, frozen)
        check_renderable(assembled.markdown, frozen.path, frozen_repo, assembled.plan)
        settings = render_settings(frozen_repo, frozen, assembled)
        entry = manifest_entry(frozen_repo, frozen, assembled)
        with tempfile.TemporaryDirectory(prefix="clausier-archive-") as scratch:
            work = Path(scratch)
            pdf, boxes = _compile(work, split_header(assembled.markdown), settings, agreement.path,
                                  signed.pdf_sha256, agreement.id, source, entry, signed)
    return Archive(pdf, boxes, assembled.plan.language)


def _compile(work, markdown, settings, shown, recorded, agreement_id, source, entry, signed):
    import typst

    from ..render import (TYPST_STYLE, _pandoc, compile_typst_folder, prepare_typst_folder, typst_inputs,
                          typst_options, write_typst_settings)

    prepare_typst_folder(work, settings.root, settings.logo)
    (work / "in.md").write_text(markdown, encoding="utf-8")
    # render.render_pdf's own steps: the rebuilt PDF below proves they still give its bytes.
    _pandoc(["-t", "typst", "--standalone", "-V", f"template={TYPST_STYLE}", *settings.metadata_args(),
             "-o", str(work / "main.typ")], work / "in.md", shown)
    inputs = typst_inputs(settings)
    plain = compile_typst_folder(work, inputs, settings.timestamp, shown)
    if hashlib.sha256(plain).hexdigest() != recorded:
        raise SigningError(f"{shown}: its PDF rebuilt today differs from the one signed off on {signed.on} "
                           "(pandoc, Typst or the styles changed?): sign with the tools it was signed off with")
    boxes = signature_boxes(work, inputs, shown)
    entry = {**entry, "commit": signed.commit, "signed_on": signed.on.isoformat(),
             "sha256": {"md": signed.markdown_sha256, "pdf": signed.pdf_sha256, "source": signed.source_sha256}}
    names = {"source": source_name(agreement_id), "manifest": manifest_name(agreement_id),
             "source-description": "The agreement's source file (Clausier)",
             "manifest-description": "The build manifest's entry for this agreement (Clausier)"}
    (work / names["source"]).write_bytes(source)
    (work / names["manifest"]).write_text(json.dumps(entry, ensure_ascii=False, sort_keys=True, indent=1) + "\n",
                                          encoding="utf-8")
    (work / ATTACHMENTS).write_text(json.dumps(names), encoding="utf-8")
    (work / "archive.typ").write_text((work / "main.typ").read_text(encoding="utf-8") + ATTACH, encoding="utf-8")
    write_typst_settings(work, inputs)
    try:
        pdf = typst.compile(str(work / "archive.typ"), sys_inputs=inputs, timestamp=settings.timestamp,
                            pdf_standards="a-3b", **typst_options(work))
    except Exception as exc:  # typst's own error, with its span
        raise SigningError(f"{shown}: cannot make the PDF/A-3 archive: {exc}") from None
    return pdf, boxes
