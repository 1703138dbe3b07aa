"""Clause pages rendered in a forked process, handed to MkDocs page by page.

MkDocs converts pages one at a time on one core, and the clause pages are most of the
handbook. A forked child renders every clause page's Markdown (each clause text through
Jinja) and sends it as soon as it is ready; then, while the parent converts pages from
the first one on, the child converts pages to HTML from the last one back, until the
two meet. A shared table of owners makes sure each page is converted once.

Without `fork`, or when other threads run (`mkdocs serve`: forking then is not safe),
pages are rendered in the process, as they are asked for, and converted by MkDocs.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..errors import ClausierError
from .pages import Page

Produce = Callable[[], Iterable[Page]]
Convert = Callable[[str, str], Any]  # (path, Markdown source) -> what the parent needs, in the child

FREE, PARENT, CHILD = 0, 1, 2


class PageError(Exception):
    """A page could not be rendered; the message says which and why."""


class PageSource:
    """The clause pages' Markdown by path, and, when the child got there first, their HTML."""

    def __init__(self, paths: list[str], produce: Produce, convert: Convert | None = None, fork: bool = True):
        self._index = {path: i for i, path in enumerate(paths)}
        self._sources: dict[str, str] = {}
        self._converted: dict[str, Any] = {}
        self._finished = False
        self._process = None
        if fork and _can_fork():
            context = multiprocessing.get_context("fork")
            self._owners = context.Array("b", len(paths), lock=False)
            self._lock = context.Lock()
            self._connection, child_end = context.Pipe(duplex=False)
            self._process = context.Process(
                target=_child, name="clausier-pages", daemon=True,
                args=(paths, produce, convert, self._owners, self._lock, child_end))
            self._process.start()
            child_end.close()
        else:
            self._local = _rendered(produce)

    @property
    def forked(self) -> bool:
        return self._process is not None

    def content(self, path: str) -> str:
        """The page's Markdown, waiting for it if it is not rendered yet."""
        while path not in self._sources:
            if self._process is None:
                done, text = next(self._local, (None, None))
                if done is None:
                    raise PageError(f"handbook: no page was rendered for {path}")
                self._sources[done] = text
            else:
                self._receive(block=True)
        return self._sources[path]

    def converted(self, path: str) -> Any | None:
        """What the child made of the page, or None: the caller converts it (the child will not)."""
        if self._process is None or path not in self._index:
            return None
        self._drain()  # keeps the pipe from filling up while the child works
        with self._lock:
            if self._owners[self._index[path]] == FREE:
                self._owners[self._index[path]] = PARENT
                return None
        while path not in self._converted:
            self._receive(block=True)
        return self._converted.pop(path)

    def close(self) -> None:
        """Stop the child if it still runs (the build ended early, or it has pages nobody asked for)."""
        if self._process is None or self._finished:
            return
        self._finished = True
        self._connection.close()  # a child still sending gets a broken pipe and ends
        self._process.join(timeout=2)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()

    def _drain(self) -> None:
        while not self._finished and self._connection.poll():
            self._receive(block=False)

    def _receive(self, block: bool) -> None:
        if self._finished:
            raise PageError("handbook: the page worker finished without this page")
        try:
            kind, path, value = self._connection.recv()
        except EOFError:
            raise PageError("handbook: the page worker stopped before rendering every page") from None
        if kind == "source":
            self._sources[path] = value
        elif kind == "converted":
            self._converted[path] = value
        elif kind == "error":
            raise PageError(value)
        else:  # done
            self._finished = True
            self._connection.close()
            self._process.join()


def _rendered(produce: Produce) -> Iterator[tuple[str, str]]:
    try:
        for page in produce():
            yield page.path, page.content
    except ClausierError as exc:
        raise PageError(str(exc)) from None


def _child(paths, produce: Produce, convert: Convert | None, owners, lock, connection) -> None:
    """Send every page's Markdown in order, then convert pages from the last one back."""
    try:
        sources = {}
        for page in produce():
            sources[page.path] = page.content
            connection.send(("source", page.path, page.content))
        for i in reversed(range(len(paths)) if convert is not None else ()):
            with lock:
                if owners[i] != FREE:
                    break  # the parent got here: it converts the rest
                owners[i] = CHILD
            converted = convert(paths[i], sources[paths[i]])
            connection.send(("converted", paths[i], converted))
            if converted is None:
                break  # this MkDocs renders pages in a way the child cannot carry back
        connection.send(("done", None, None))
    except ClausierError as exc:
        connection.send(("error", None, str(exc)))
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which stops the build
        connection.send(("error", None, f"handbook: the page worker failed: {type(exc).__name__}: {exc}"))
    finally:
        connection.close()


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
