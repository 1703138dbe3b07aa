"""Clause pages rendered in a forked process, handed to MkDocs page by page.

Rendering every clause text with Jinja is the plugin's costly part, and MkDocs converts
pages one at a time on one core. A forked child renders the clause pages while MkDocs
starts up and converts the first ones; the parent takes each page when MkDocs first
reads it. Without `fork`, or when other threads run (`mkdocs serve`: forking then is
not safe), pages are rendered in the process, in order, as they are asked for.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Iterable, Iterator

from ..errors import ClausierError
from .pages import Page

Produce = Callable[[], Iterable[Page]]


class PageError(Exception):
    """A page could not be rendered; the message says which and why."""


class PageSource:
    """Pages by path, rendered by `produce` (in this process or in a forked child)."""

    def __init__(self, produce: Produce):
        self._ready: dict[str, str] = {}
        self._process = None
        if _can_fork():
            context = multiprocessing.get_context("fork")
            self._connection, child_end = context.Pipe(duplex=False)
            self._process = context.Process(target=_send_pages, args=(produce, child_end),
                                            name="clausier-pages", daemon=True)
            self._process.start()
            child_end.close()
            self._pages: Iterator[tuple[str, str]] = self._received()
        else:
            self._pages = _rendered(produce)

    @property
    def forked(self) -> bool:
        return self._process is not None

    def content(self, path: str) -> str:
        """The page's Markdown, waiting for it if it is not rendered yet. Each page is taken once."""
        while path not in self._ready:
            try:
                done, text = next(self._pages)
            except StopIteration:
                raise PageError(f"handbook: no page was rendered for {path}") from None
            self._ready[done] = text
        return self._ready.pop(path)

    def _received(self) -> Iterator[tuple[str, str]]:
        while True:
            try:
                kind, first, second = self._connection.recv()
            except EOFError:
                raise PageError("handbook: the page worker stopped before rendering every page") from None
            if kind == "error":
                raise PageError(first)
            if kind == "done":
                self._connection.close()
                self._process.join()
                return
            yield first, second


def _rendered(produce: Produce) -> Iterator[tuple[str, str]]:
    try:
        for page in produce():
            yield page.path, page.content
    except ClausierError as exc:
        raise PageError(str(exc)) from None


def _send_pages(produce: Produce, connection) -> None:
    """In the child: send each page as soon as it is rendered, then `done`, or the error."""
    try:
        for page in produce():
            connection.send(("page", page.path, page.content))
        connection.send(("done", None, None))
    except ClausierError as exc:
        connection.send(("error", str(exc), None))
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which stops the build
        connection.send(("error", f"handbook: the page worker failed: {type(exc).__name__}: {exc}", None))
    finally:
        connection.close()


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
