"""Clause pages converted and indexed by the page worker, exactly as MkDocs would, then taken back.

The child runs MkDocs' own `Page.render` (same Markdown extensions, same link checks) on
its copy of the page and sends what `render` set, with the log records it wrote; the
parent sets the same attributes and replays the records, so warnings still count in
strict mode. The parent checks that the Markdown is the one it would have converted
(another plugin may have changed it) and converts the page itself otherwise.

Search: the child also indexes every clause page with the search plugin's own
`SearchIndex` (Material's internals, reached through `material_search` only); the parent's
search index takes those entries when they are ready and the page's HTML, metadata and
title are still the ones indexed, and indexes the page itself otherwise.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import contextmanager

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page
from mkdocs.utils import meta

from .worker import PageError, PageSource

# What MkDocs 1.6's Page.render sets. Anything else it sets means another MkDocs: the child
# then stops converting and the parent converts every page itself.
RENDERED = {"content", "toc", "_title_from_render", "present_anchor_ids", "links_to_anchors"}


def material_search():
    """The Material search plugin's classes, and our index built on its indexer: the one place this
    module touches Material's internals. None when they are not there or not as expected (another
    theme, another Material): then the search plugin indexes every page itself, as usual."""
    global _material
    if _material is None:
        try:
            from material.plugins.search.plugin import SearchIndex, SearchPlugin
        except ImportError:
            _material = False
        else:
            usable = all(callable(getattr(SearchIndex, name, None)) for name in ("add_entry_from_context",
                                                                               "generate_search_index"))
            _material = (SearchIndex, SearchPlugin, _precomputed_index(SearchIndex)) if usable else False
    return _material or None


_material = None


def convert_in_child(path: str, source: str, config, files: Files) -> dict | None:
    """In the worker: the page converted by MkDocs, as plain data; None if not carried back."""
    page = _read(files, path, source)
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


def index_in_child(path: str, source: str, converted: dict | None, files: Files, search: dict) -> dict:
    """In the worker: the search entries of a page it converted (None) or the parent converted."""
    if converted is None:
        page = files.src_uris[path].page
    else:
        page = _read(files, path, source)
        page.content, page.toc, page._title_from_render = converted["content"], converted["toc"], converted["title"]
    return _indexed(page, search)


def take_over_search_index(config) -> dict | None:
    """Give the Material search plugin an index that takes the worker's entries for clause pages.

    Returns the plugin's settings, for the worker's own `SearchIndex`; None when there is no such
    plugin (or another plugin already replaced its index): then pages are indexed as usual.
    """
    material = material_search()
    if material is None:
        return None
    search_index, search_plugin, precomputed = material
    for plugin in config.plugins.values():
        if isinstance(plugin, search_plugin) and plugin.config.enabled:
            index = getattr(plugin, "search_index", None)
            if type(index) is search_index and not getattr(index, "entries", True):
                plugin.search_index = precomputed(**plugin.config)
                return dict(plugin.config)
    return None


class ClausePage(Page):
    """A clause page: its HTML is the worker's when the worker converted it first."""

    source: Callable[[], PageSource]
    _search: str | None = None  # the path to ask the worker's index for, if it indexes this page
    _indexed_content: str | None = None

    def render(self, config, files: Files) -> None:
        try:
            self._render(config, files)
        except PageError as exc:  # a page that does not render: its message, not a traceback
            raise PluginError(str(exc)) from None

    def _render(self, config, files: Files) -> None:
        pages = self.source()
        done = pages.converted(self.file.src_uri)
        if done is not None and done["markdown"] == self.markdown:
            self._take(done, files)
            self._search = self.file.src_uri if pages.indexes else None
        else:
            super().render(config, files)
            self._search = None
            if done is None and pages.indexes:
                pages.index_later(self.file.src_uri, {"content": self.content, "toc": self.toc,
                                                      "title": self._title_from_render})
                self._search = self.file.src_uri
        self._indexed_content = self.content

    def search_entries(self) -> list | None:
        """The worker's search entries for this page, or None if they may differ from the plugin's own."""
        try:
            search = None if self._search is None else self.source().index(self._search, wait=False)
        except PageError:
            search = None  # the worker stopped early: the search plugin indexes the page itself
        self._search = None
        unchanged = self.content is self._indexed_content or self.content == self._indexed_content
        if search is None or not unchanged or search["meta"] != self.meta or search["title"] != self.title:
            return None
        return search["entries"]

    def _take(self, done: dict, files: Files) -> None:
        self.content, self.toc, self._title_from_render = done["content"], done["toc"], done["title"]
        self.present_anchor_ids = done["anchors"]
        if done["links"] is not None:
            self.links_to_anchors = {files.src_uris[uri]: anchors for uri, anchors in done["links"].items()}
        for record in done["records"]:
            logging.getLogger(record["name"]).handle(logging.makeLogRecord(record))


def _precomputed_index(search_index: type) -> type:
    class PrecomputedIndex(search_index):
        """The search plugin's index, taking the worker's entries for clause pages."""

        def add_entry_from_context(self, page):
            entries = page.search_entries() if isinstance(page, ClausePage) else None
            if entries is None:
                return super().add_entry_from_context(page)
            self.entries.extend(entries)

    return PrecomputedIndex


def _read(files: Files, path: str, source: str) -> Page:
    page = files.src_uris[path].page
    page.markdown, page.meta = meta.get_data(source)  # what Page.read_source does
    return page


def _indexed(page: Page, search: dict) -> dict:
    index = material_search()[0](**search)  # only called once take_over_search_index found it
    index.add_entry_from_context(page)
    return {"entries": index.entries, "meta": page.meta, "title": page.title}


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
