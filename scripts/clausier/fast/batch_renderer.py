"""A worker's renderers: one pandoc process for every document, one reused Typst compiler per
style and logo, and, for a lone rebuild, Typst warmed up from the last build's source.

It is pipeline.py's `Renderers` (convert) for the fast route; the same bytes as the single
route's (tests/test_typst_batch.py compares them).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import BuildError, ContentError
from ..paths import safe_asset_path
from ..render import RenderSettings, stamp_docx, typst_inputs
from .pandoc_server import BatchCrash, BatchError, PandocBatch, PartStore
from .typst_workspace import TypstWorkspace
from .warm_start import KeptSource, KeptSources

if TYPE_CHECKING:
    from ..repository import AgreementFile

WARM_UP_NICENESS = 10  # the warm-up thread's: below the worker's and its pandoc's, which the agreement waits for


class BatchRenderer:
    """A worker's tools: one pandoc process, one Typst compiler per style and logo."""

    def __init__(self, abbreviations: tuple[str, ...], expected: int, store: PartStore | None,
                 kept: KeptSources | None = None) -> None:
        self.pandoc = PandocBatch(abbreviations=abbreviations, expected=expected, store=store)
        self.typst: dict[tuple[Path, Path | None], TypstWorkspace] = {}
        self.several = expected > 1  # Typst reuses layout only from a second document on: see typst_workspace
        self.kept = kept  # each PDF's Typst source is kept there; read to warm up (see warm_start.py)
        self._begun = False  # a warm-up is for the first agreement only
        self.warm_ups = 0  # kept sources compiled ahead of their agreement
        self._warming: threading.Thread | None = None

    def warm_up(self, root: Path, formats: list[str]) -> None:
        """Let pandoc warm up (in its own process) while this worker assembles its first agreement."""
        settings = RenderSettings(root=root, reference="", version="", brand="", primary="", accent="",
                                  language="fr", date="", timestamp=0, title="Contrat", lang_tag="fr-FR")
        try:
            self.pandoc.warm_up(settings, formats)
        except ContentError:  # a style file safefile refuses: each agreement then fails with the message
            pass

    def begin(self, root: Path, logo: str | None, agreement_id: str, formats: tuple[str, ...]) -> None:
        """Before the first agreement is read: have its kept source compiled in a thread (Typst
        runs outside Python's lock, on the spare core) while this one loads the library (a lone
        rebuild), assembles and converts the agreement. `logo`: clausier.yml's, as the building
        process knows it."""
        first, self._begun = not self._begun, True
        if not first or "pdf" not in formats or self.kept is None or not self.kept.read:
            return
        try:  # speculative: whatever goes wrong here only means no warm-up
            kept = self.kept.find(agreement_id)
            if kept is None:
                return
            # (no logo in the kept settings: an agreement with another provider, in the workspace without it)
            path = safe_asset_path(root, logo, "clausier.yml", "branding.logo") if logo and kept.settings.get("logo") else None
            workspace = self._workspace(root.resolve(), path)
            if not workspace.stage(kept):
                return
        except Exception:  # noqa: BLE001 - the agreement itself is built next, and fails there if it must
            return
        self._warming = threading.Thread(target=self._warm_typst, args=(workspace,), daemon=True)
        self._warming.start()

    def _warm_typst(self, workspace: TypstWorkspace) -> None:
        try:  # Linux schedules threads one by one: this one yields to the agreement's own work
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WARM_UP_NICENESS)
        except (AttributeError, OSError):
            pass
        if workspace.compile_staged():
            self.warm_ups += 1

    def _settled(self) -> None:
        """Typst's compilers are this thread's again (the warm-up is over)."""
        if self._warming is not None:
            self._warming.join()
            self._warming = None

    def convert(self, agreement: AgreementFile, markdown: str, settings: RenderSettings,
                formats: list[str]) -> dict[str, bytes]:
        """pipeline.Renderers: one pandoc run for every format, then Typst for the PDF."""
        try:
            results, spans = self.pandoc.convert_with_spans(agreement.id, markdown, settings, formats,
                                                            spans=self.several or self.kept is not None)
        except BatchError as exc:
            raise BuildError(agreement.path, f"pandoc failed: {exc}") from None
        except BatchCrash as exc:
            raise BuildError(agreement.path, str(exc)) from None
        converted = dict(zip(formats, results))
        if "pdf" in converted:
            converted["pdf"] = self.compile_pdf(converted["pdf"], spans, settings, agreement)
        if "docx" in converted:
            converted["docx"] = stamp_docx(converted["docx"], settings)
        return converted

    def compile_pdf(self, source: bytes, spans: list[tuple[int, int]], settings: RenderSettings,
                    agreement: AgreementFile) -> bytes:
        self._settled()
        # Cut into parts only when a compile before this one may have laid them out.
        warmed = self.several or self.warm_ups > 0
        slot = (settings.root, settings.logo)
        try:
            pdf = self._workspace(*slot).compile(source, spans if warmed else [], settings, agreement.path)
        except BuildError:
            self.typst.pop(slot).close()  # a compiler that failed is not reused
            raise
        if self.kept is not None and spans:
            try:
                self.kept.keep(agreement.id, KeptSource(source, spans, typst_inputs(settings)))
            except OSError:
                pass  # only the next build's warm-up needed it
        return pdf

    def _workspace(self, root: Path, logo: Path | None) -> TypstWorkspace:
        slot = (root, logo)
        if slot not in self.typst:
            self.typst[slot] = TypstWorkspace(root, logo)
        return self.typst[slot]

    def close(self) -> None:
        self._settled()
        self.pandoc.close()
        for workspace in self.typst.values():
            workspace.close()
        self.typst.clear()
