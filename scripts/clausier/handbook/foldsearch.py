"""Search that finds « résiliation » typed as "resiliation": accent-folded copies in the index.

The search index (search/search_index.json, written by the theme's search plugin) holds each
section's title and text; the browser builds its index from them and matches words as typed.
A reader often types French words without their accents. Each section that has accented
letters gets two more fields, its title and text folded (no accents, œ as oe), searched as
the originals are (same boosts) but never shown: results still show the accented text.

This reads and writes the JSON file only, whatever wrote it; a file that is not the expected
shape is left as it is.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

FOLDED = {"title": "folded_title", "text": "folded_text"}
_TAG = re.compile(r"<[^>]*>")
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})


def fold(text: str) -> str:
    """`text` without accents: é → e, ç → c, œ → oe (what a reader types on a plain keyboard)."""
    decomposed = unicodedata.normalize("NFD", text.translate(_LIGATURES))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def add_folded_fields(index_file: Path) -> bool:
    """Add the folded fields to a search index file; False when it is missing or not understood."""
    try:
        data = json.loads(index_file.read_text(encoding="utf-8"))
        fields, docs = data["config"]["fields"], data["docs"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if not isinstance(fields, dict) or not isinstance(docs, list):
        return False
    for source, target in FOLDED.items():
        fields[target] = dict(fields.get(source) or {"boost": 1.0})
    for doc in docs:
        for source, target in FOLDED.items():
            value = doc.get(source) if isinstance(doc, dict) else None
            if isinstance(value, str):
                plain = _TAG.sub(" ", value)
                folded = fold(plain)
                if folded != plain:
                    doc[target] = folded
    index_file.write_text(json.dumps(data, separators=(",", ":"), ensure_ascii=True), encoding="utf-8")
    return True
