"""Redlines: two assembled agreements → an article-aligned, word-level comparison, and its outputs.

Pure functions, text in and text out (no git, no pandoc), one job a module:

- `tokenizer`: the words of inline Markdown (`tokens`), what a reader sees of them (`plain`).
- `blocks`: the assembled Markdown as blocks (`parse_blocks`), grouped into sections keyed by
  their anchors (`split_sections`): `{#art-<clause>}` for articles, the div id for the parties
  and signatures.
- `inline`: two pieces of inline Markdown compared word by word (`diff_inline`; difflib's
  SequenceMatcher does the matching). Each change carries its own spaces: the old side (equal +
  deleted text) and the new side (equal + inserted text) each read exactly as their own
  version, so a tracked change accepts to the new text and rejects to the old one, word for word.
- `align`: `compare(base, head)` matches sections **by id** (an inserted article or a
  renumbering is not a rewrite of everything after it), then blocks inside a section, then
  words inside a block. Tables are compared cell by cell when their rows pair up.
- `marks`: `to_markdown(comparison, marks)` writes the redline as Markdown with the given marks:
  pandoc track-changes spans for DOCX (`tracked`), underline and strike-through for PDF and
  HTML (`VISUAL`). Marks never cross a block boundary: `#`, `-`, `|` and `:::` stay outside them.
- `pr_summary`: `summary(comparison, …)` writes the short Markdown summary posted on pull requests.

`render` (pandoc and Typst: HTML, PDF, DOCX with tracked changes) is imported only when outputs
are asked for. The text inside the marks is the assembled Markdown itself, already escaped by
assembly; the only markup added is the marks, so the reader's safety rules hold for the redline too.
"""

from __future__ import annotations

from .align import Comparison, compare
from .blocks import parse_blocks, split_sections
from .marks import VISUAL, to_markdown, tracked
from .pr_summary import summary
from .tokenizer import count_words, tokens

__all__ = ["VISUAL", "Comparison", "compare", "count_words", "parse_blocks", "split_sections", "summary",
           "to_markdown", "tokens", "tracked"]
