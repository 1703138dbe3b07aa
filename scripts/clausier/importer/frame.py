"""What frames the sections: the headings of the preamble and the signature table.

- A heading before the first section that is not the cover's ("Standard Terms" between the
  cover page and section 1, "Recitals") is no section and in none: followed by text, it is a
  preamble clause printed under that title (the template's `titled:`); with nothing after it
  before the first section, the template's own text between the preamble and the sections
  (`# Standard Terms`). A preamble clause never holds a heading of its own.
- A signature table (a first column reading "Signature", "Print Name", "Title", "Date"…, a
  column per party), wherever it stands before the sections or at the end of the last one,
  goes to the closing: the library's `signatures` clause when it has one (it prints each
  party's block), else a closing clause holding the table. It never stays in the cover's text.

Each decision is a line of the report's "Parts".
"""

from __future__ import annotations

from .cover import bare, is_signature_table
from .structure import Document, Para

LIBRARY_SIGNATURES = "signatures"


def place_signatures(document: Document, library_has_signatures: bool) -> None:
    """The signature table moved to the closing (see the module's note), reported."""
    cover = document.cover
    places = [("the preamble", document.preamble), ("the cover page", cover.blocks if cover is not None else []),
              ("the closing", document.closing)]
    if document.articles:
        places.append((f"section {document.articles[-1].number}", document.articles[-1].blocks))
    for place, blocks in places:
        table = next((b for b in blocks if isinstance(b, Para) and is_signature_table(b)), None)
        if table is not None:
            break
    else:
        return
    if blocks is document.closing:
        return  # already where it belongs
    blocks.remove(table)
    if document.closing:
        document.closing.append(table)
        how = "moved to the end of the closing clause"
    elif library_has_signatures:
        document.library_closing = LIBRARY_SIGNATURES
        how = (f"replaced by the library's `{LIBRARY_SIGNATURES}` clause, the template's closing (it prints each "
               "party's name and signature lines); the table's own lines are not imported")
    else:
        document.closing = [table]
        how = "kept as the closing clause (the library has no `signatures` clause)"
    document.frame_report.append(f"the signature table (paragraph {table.index}, in {place}) {how}")


def split_preamble(document: Document) -> None:
    """The preamble's headings (see the module's note): document.preamble keeps the text before
    the first of them; each titled part goes to document.preamble_titled, trailing headings to
    document.between."""
    blocks = document.preamble
    first = next((i for i, block in enumerate(blocks) if block.heading), None)
    if first is None:
        return
    document.preamble = blocks[:first]
    groups: list[tuple[Para, list[Para]]] = []
    for block in blocks[first:]:
        if block.heading:
            groups.append((block, []))
        else:
            groups[-1][1].append(block)
    while groups and not groups[-1][1]:  # nothing between it and the first section
        heading = groups.pop()[0]
        document.between.insert(0, heading.md)
        document.frame_report.insert(0, f"the heading “{_plain(heading.md)}” (paragraph {heading.index}) is neither a "
                                     "section nor inside one: written as the template's own text, between the "
                                     "preamble and the first section")
    carried: list[Para] = []  # an empty heading before another: bold text at the start of the next part
    for heading, text in groups:
        if not text:
            carried.append(Para(f"**{heading.md}**", heading.index))
            continue
        document.preamble_titled.append((_plain(heading.md), carried + text, heading.index))
        document.frame_report.append(
            f"the heading “{_plain(heading.md)}” (paragraph {heading.index}) is neither a section nor inside one: "
            "a preamble clause printed under that title (`titled:`)"
            + (f", opening with the heading(s) above it in bold ({len(carried)})" if carried else ""))
        carried = []


def _plain(md: str) -> str:
    return bare(md).replace("\\", "")
