"""What a signature field shows: who signed and when, typeset by Typst in the contract's font.

A PDF/A file embeds every font it uses, pyHanko's default stamp does not (a standard PDF font),
so the stamp is a one-page PDF made by Typst (its fonts embedded) that pyHanko places in the
field. The signer's name is data read by the Typst source (json), never markup.
"""

from __future__ import annotations

import json
from pathlib import Path

SOURCE = """#let data = json("/stamp.json")
#set page(width: data.width * 1pt, height: data.height * 1pt, margin: (x: 4pt, y: 3pt))
#set text(font: "Libertinus Serif", size: 10pt, fill: rgb("#1f3a5f"), hyphenate: false)
#set par(justify: false, leading: 0.45em)
#align(top, {
  text(weight: "bold", data.title)
  linebreak()
  data.name
  linebreak()
  text(fill: luma(70), data.when)
})
"""
WORDS = {"fr": ("Signé électroniquement par", "le"), "en": ("Signed electronically by", "on")}


def stamp_pdf(folder: Path, subject: str, when: str, language: str, size: tuple[float, float]) -> Path:
    """A one-page PDF of `size` (pt) showing the signer and the time, written in `folder`."""
    import typst

    from ..render import typst_options

    title, on = WORDS.get(language, WORDS["en"])
    (folder / "packages").mkdir(exist_ok=True)
    (folder / "stamp.json").write_text(json.dumps({"width": size[0], "height": size[1], "title": title,
                                                   "name": subject, "when": f"{on} {when}"}), encoding="utf-8")
    (folder / "stamp.typ").write_text(SOURCE, encoding="utf-8")
    target = folder / "stamp.pdf"
    target.write_bytes(typst.compile(str(folder / "stamp.typ"), pdf_tags=False, timestamp=0, **typst_options(folder)))
    return target
