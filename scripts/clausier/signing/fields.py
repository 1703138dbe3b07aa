"""Where each party signs: the boxes of the signature block, read from the Typst document.

The style marks the last row of the signature block's table (one cell per party: the provider's
first, then the client's) with labelled metadata, only when the setting `fields` is "1"; a
`typst query` in that mode gives each cell's page, position, width and text height, and the
blank room below it (style.typ, "signature fields"). The PDF itself is compiled without the
setting, and is byte for byte what it would be with it (tests/test_sign_fields.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from . import ROLES, SigningError

LABEL = "<clausier-signature-box>"
PADDING = 3.0  # pt kept clear of the text above the room and of the column's edges


@dataclass(frozen=True)
class Box:
    page: int  # 0-based, as pyHanko counts
    rect: tuple[float, float, float, float]  # x1, y1, x2, y2 in PDF points (origin bottom left)


def signature_boxes(work: Path, inputs: dict[str, str], shown: str) -> dict[str, Box]:
    """Each party's box, from the Typst folder `work` (main.typ, the style and its settings)."""
    import typst

    from ..render import typst_options, write_typst_settings

    marked = {**inputs, "fields": "1"}
    write_typst_settings(work, marked)
    try:
        found = typst.query(str(work / "main.typ"), LABEL, field="value", sys_inputs=marked, **typst_options(work))
    except Exception as exc:  # typst's own error, with its span
        raise SigningError(f"{shown}: cannot find the signature boxes: {exc}") from None
    finally:
        write_typst_settings(work, inputs)
    return boxes_from(json.loads(found), shown)


def boxes_from(marks: list[dict], shown: str) -> dict[str, Box]:
    if not marks:
        raise SigningError(f"{shown}: the document has no signature block to sign in (the template's "
                           "`signatures` clause: a table whose last row is where each party signs)")
    # The room starts under the row's tallest cell text, the same for every cell of the row.
    bottom = max(m["y"] + m["text"] for m in marks)
    boxes: dict[str, Box] = {}
    for mark in marks:
        if mark["column"] >= len(ROLES):
            continue
        height = mark["page-height"]
        top, low = bottom + PADDING, bottom + mark["room"] - PADDING
        rect = (mark["x"] + PADDING, height - low, mark["x"] + mark["width"] - PADDING, height - top)
        boxes[ROLES[mark["column"]]] = Box(mark["page"] - 1, tuple(round(v, 2) for v in rect))
    for role in ROLES:
        if role not in boxes:
            raise SigningError(f"{shown}: the signature block has no column for the {role} (the first column "
                               "is the provider's, the second the client's)")
    return boxes
