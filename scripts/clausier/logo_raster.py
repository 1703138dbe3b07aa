"""The logo as a PNG, for the DOCX header (Word shows no SVG without a raster beside it).

Typst draws it, as it does in the PDF: in a scratch folder holding only the logo (its bytes
checked by logo.checked_logo), with no fonts and no packages. The same logo gives the same bytes.
"""

from __future__ import annotations

import struct
import tempfile
from functools import lru_cache
from pathlib import Path

RASTER_HEIGHT = "2cm"
RASTER_PPI = 150.0


def logo_png(root: Path, logo: Path) -> tuple[bytes, int, int]:
    """(PNG bytes, width, height in pixels) of the repository's logo."""
    from .logo import checked_logo

    return _raster(checked_logo(root, logo), logo.suffix.lower())


@lru_cache(maxsize=8)
def _raster(data: bytes, suffix: str) -> tuple[bytes, int, int]:
    import typst

    with tempfile.TemporaryDirectory(prefix="clausier-logo-") as scratch:
        work = Path(scratch)
        (work / f"logo{suffix}").write_bytes(data)
        (work / "packages").mkdir()
        (work / "main.typ").write_text("#set page(width: auto, height: auto, margin: 0pt, fill: none)\n"
                                       f'#image("/logo{suffix}", height: {RASTER_HEIGHT})\n', encoding="utf-8")
        png = typst.compile(str(work / "main.typ"), format="png", ppi=RASTER_PPI, root=str(work), font_paths=[],
                            ignore_system_fonts=True, package_path=str(work / "packages"),
                            package_cache_path=str(work / "packages"))
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk
    return png, width, height
