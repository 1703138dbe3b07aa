"""A clause page converted to HTML by the page worker, exactly as MkDocs would, then taken back.

The child runs MkDocs' own `Page.render` (same Markdown extensions, same link checks) on
its copy of the page and sends what `render` set, with the log records it wrote; the
parent sets the same attributes and replays the records, so warnings still count in
strict mode. The parent checks that the Markdown is the one it would have converted
(another plugin may have changed it) and converts the page itself otherwise.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import contextmanager

from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page
from mkdocs.utils import meta

from .worker import PageSource

# What MkDocs 1.6's Page.render sets. Anything else it sets means another MkDocs: the child
# then stops converting and the parent converts every page itself.
RENDERED = {"content", "toc", "_title_from_render", "present_anchor_ids", "links_to_anchors"}


def convert_in_child(path: str, source: str, config, files: Files) -> dict | None:
    """In the worker: the page converted by MkDocs, as plain data, or None if not carried back."""
    page = files.src_uris[path].page
    page.markdown, page.meta = meta.get_data(source)  # what Page.read_source does
    before = dict(vars(page))
    with _captured_logs() as records:
        Page.render(page, config, files)
    changed = {name for name, value in vars(page).items() if name not in before or before[name] is not value}
    if not changed <= RENDERED:
        return None
    links = page.links_to_anchors
    return {
        "markdown": page.markdown,
        "content": page.content,
        "toc": page.toc,
        "title": page._title_from_render,
        "anchors": page.present_anchor_ids,
        "links": None if links is None else {file.src_uri: anchors for file, anchors in links.items()},
        "records": [{"name": r.name, "levelno": r.levelno, "levelname": r.levelname, "msg": r.getMessage()}
                    for r in records],
    }


class ClausePage(Page):
    """A clause page: its HTML is the worker's when the worker converted it first."""

    source: Callable[[], PageSource]

    def render(self, config, files: Files) -> None:
        done = self.source().converted(self.file.src_uri)
        if done is None or done["markdown"] != self.markdown:
            super().render(config, files)
            return
        self.content, self.toc, self._title_from_render = done["content"], done["toc"], done["title"]
        self.present_anchor_ids = done["anchors"]
        if done["links"] is not None:
            self.links_to_anchors = {files.src_uris[uri]: anchors for uri, anchors in done["links"].items()}
        for record in done["records"]:
            logging.getLogger(record["name"]).handle(logging.makeLogRecord(record))


class _Collect(logging.Handler):
    def __init__(self, records: list[logging.LogRecord]):
        super().__init__()
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        if not self.records or self.records[-1] is not record:  # once, though it reaches two loggers
            self.records.append(record)


@contextmanager
def _captured_logs():
    """Records written under `mkdocs` or the root logger, kept instead of printed (in the child)."""
    records: list[logging.LogRecord] = []
    loggers = [logging.getLogger("mkdocs"), logging.getLogger()]
    saved = [logger.handlers for logger in loggers]
    for logger in loggers:
        logger.handlers = [_Collect(records)]
    try:
        yield records
    finally:
        for logger, handlers in zip(loggers, saved):
            logger.handlers = handlers
