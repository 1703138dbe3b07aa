"""Reading outputs back as a reader would: PDF with pypdf, DOCX with python-docx."""

from __future__ import annotations

import re
from pathlib import Path

import docx
from pypdf import PdfReader


def pdf_text(path: Path) -> str:
    """The PDF's text with line breaks joined, so sentences can be searched."""
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    return re.sub(r"[ \t]*\n[ \t]*", " ", text)


def docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)
