"""Word, OpenDocument, Markdown or HTML contracts into a template and its clauses (`clausier import`).

    guards     the file judged before pandoc reads it (kind, zip, macros, bombs, linked images)
    reading    pandoc's JSON tree, sandboxed
    units      the tree as a flat run of headings, paragraphs and finished blocks
    patterns   typed numbers: articles, sub-clauses, items
    structure  preamble, articles (sub-clauses, items), closing, and the numbering style
    references "Section 6.2(a)" → ref(); the rest left as written
    writing    the files: clause folders, template, example agreement
    commit     all the files or none
    report     what was made, guessed and left
"""

from .guards import ImportRefused
from .run import Imported, import_contract

__all__ = ["ImportRefused", "Imported", "import_contract"]
