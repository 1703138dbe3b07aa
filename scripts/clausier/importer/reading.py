"""The checked file into pandoc's JSON syntax tree: the one place pandoc reads what is imported.

pandoc runs with --sandbox (it fetches nothing and reads no other file), raw HTML and TeX off
(an HTML page's scripts and a Markdown file's raw blocks come back as text or not at all, never
as markup), under a time limit, on a copy of the bytes in a private scratch folder.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

from ..render import pandoc_path
from .docx_fields import prepare_docx
from .guards import ImportRefused, Source
from .inlines import Notes

READERS = {
    "docx": "docx",
    "odt": "odt",
    "markdown": "markdown-raw_html-raw_tex-raw_attribute-citations",
    "html": "html-raw_html",
}
SUFFIX = {"docx": ".docx", "odt": ".odt", "markdown": ".md", "html": ".html"}
TIME_LIMIT = 120  # seconds: a 50-page contract takes well under one
API_MAJOR = (1, 23)


def read_tree(source: Source, notes: Notes | None = None) -> dict:
    """pandoc's JSON tree of `source` ({"meta": …, "blocks": […]}), or ImportRefused. A Word
    file's content controls and highlighted runs are read as "[Label]" (docx_fields); what
    needs a look goes to `notes`."""
    data = source.data
    if source.kind == "docx":
        prepared = prepare_docx(data, source.shown)
        data = prepared.data
        if notes is not None:
            notes.unmapped.extend(prepared.notes)
    with tempfile.TemporaryDirectory(prefix="clausier-import-") as work:
        path = Path(work) / ("source" + SUFFIX[source.kind])
        path.write_bytes(data)
        command = [pandoc_path(), "--sandbox", "-f", READERS[source.kind], "-t", "json", str(path)]
        try:
            done = subprocess.run(command, capture_output=True, timeout=TIME_LIMIT, cwd=work, check=False)
        except subprocess.TimeoutExpired:
            raise ImportRefused(source.shown, f"pandoc took more than {TIME_LIMIT} s to read it") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ImportRefused(source.shown, "pandoc cannot read it: " + (message[-1] if message else "no reason given"))
    try:
        tree = json.loads(done.stdout)
    except ValueError as exc:
        raise ImportRefused(source.shown, f"pandoc's output could not be read ({exc})") from None
    if tuple(tree.get("pandoc-api-version", [])[:2]) < API_MAJOR:
        raise ImportRefused(source.shown, "this pandoc is too old for the importer (API 1.23 or later needed)")
    return tree


def meta_text(tree: dict, key: str) -> str:
    """A metadata field (title, lang) as plain text, or ''."""
    value = tree.get("meta", {}).get(key)
    if not value:
        return ""
    if value.get("t") == "MetaString":
        return value["c"]
    if value.get("t") == "MetaList":  # authors
        return "; ".join(filter(None, (meta_text({"meta": {key: item}}, key) for item in value.get("c", []))))
    from .inlines import plain

    content = value.get("c", [])
    if value.get("t") == "MetaBlocks":
        content = [inline for block in content for inline in block.get("c", []) if isinstance(inline, dict)]
    return plain(content)
