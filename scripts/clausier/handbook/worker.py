"""Clause pages rendered in a forked process, handed to MkDocs page by page.

MkDocs converts pages one at a time on one core, and the clause pages are most of the
handbook. A forked child renders every clause page's Markdown (each clause text through
Jinja) and sends it as soon as it is ready; then, while the parent converts pages from
the first one on, the child converts pages to HTML from the last one back, until the
two meet. A shared table of owners makes sure each page is converted once. Last, the
child indexes for search the pages the parent converted (the parent sends their HTML),
while the parent lays out pages with the theme.

Without `fork`, or when other threads run (`mkdocs serve` rebuilds: forking then is not
safe), pages are rendered in the process, as they are asked for, and converted by MkDocs.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..errors import ClausierError
from .pages import Page

Produce = Callable[[], Iterable[Page]]
Convert = Callable[[str, str], Any]  # in the child: (path, Markdown) -> the page converted, or None
Index = Callable[[str, str, Any], Any]  # in the child: (path, Markdown, what the parent converted or None) -> index

FREE, PARENT, CHILD = 0, 1, 2


class PageError(Exception):
    """A page could not be rendered; the message says which and why."""


class PageSource:
    """The clause pages' Markdown by path; their HTML when the child got there first; their index."""

    def __init__(self, paths: list[str], produce: Produce, convert: Convert | None = None,
                 index: Index | None = None, fork: bool = True):
        self._position = {path: i for i, path in enumerate(paths)}
        self._sources: dict[str, str] = {}
        self._converted: dict[str, Any] = {}
        self._indexed: dict[str, Any] = {}
        self._finished = False
        self._process = None
        self.indexes = False
        if fork and _can_fork():
            context = multiprocessing.get_context("fork")
            self._owners = context.Array("b", len(paths), lock=False)
            self._lock = context.Lock()
            self._connection, child_out = context.Pipe(duplex=False)
            child_in, self._to_child = context.Pipe(duplex=False)
            self.indexes = convert is not None and index is not None
            self._process = context.Process(
                target=_child, name="clausier-pages", daemon=True,
                args=(paths, produce, convert, index if self.indexes else None, self._owners, self._lock,
                      child_in, child_out))
            self._process.start()
            child_out.close()
            child_in.close()
        else:
            self._local = _rendered(produce)

    @property
    def forked(self) -> bool:
        return self._process is not None

    def content(self, path: str) -> str:
        """The page's Markdown, waiting for it if it is not rendered yet. Each page is taken once."""
        while path not in self._sources:
            if self._process is None:
                done, text = next(self._local, (None, None))
                if done is None:
                    raise PageError(f"handbook: no page was rendered for {path}")
                self._sources[done] = text
            else:
                self._receive()
        return self._sources.pop(path)  # MkDocs keeps it (the file caches it)

    def converted(self, path: str) -> Any | None:
        """What the child made of the page, or None: the caller converts it (the child will not)."""
        if self._process is None or path not in self._position:
            return None
        self._drain()  # keeps the pipe from filling up while the child works
        with self._lock:
            if self._owners[self._position[path]] == FREE:
                self._owners[self._position[path]] = PARENT
                return None
        while path not in self._converted:
            self._receive()
        return self._converted.pop(path)

    def index_later(self, path: str, converted: Any) -> None:
        """Have the child index a page the caller converted (see `indexes`); `index` then gives it."""
        self._drain()
        self._to_child.send((path, converted))

    def index(self, path: str, wait: bool = True) -> Any | None:
        """The child's index of a page it converted or got from `index_later`.

        Without `wait`, None if it is not there yet: on a busy machine the caller had better
        index the page itself than wait for a child that does not get a core.
        """
        self._drain()
        while wait and path not in self._indexed:
            self._receive()
        return self._indexed.pop(path, None)

    def close(self) -> None:
        """Stop the child if it still runs (the build ended early, or it has pages nobody asked for)."""
        if self._process is None or self._finished:
            return
        self._finished = True
        self._connection.close()  # a child still sending gets a broken pipe and ends
        self._to_child.close()
        self._process.join(timeout=2)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()

    def _drain(self) -> None:
        while not self._finished and self._connection.poll():
            self._receive()

    def _receive(self) -> None:
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
        elif kind == "indexed":
            self._indexed[path] = value
        elif kind == "error":
            raise PageError(value)
        else:  # done
            self._finished = True
            self._connection.close()
            self._to_child.close()
            self._process.join()


def _rendered(produce: Produce) -> Iterator[tuple[str, str]]:
    try:
        for page in produce():
            yield page.path, page.content
    except ClausierError as exc:
        raise PageError(str(exc)) from None


def _child(paths, produce: Produce, convert: Convert | None, index: Index | None, owners, lock,
           inbox, outbox) -> None:
    """Send every page's Markdown in order, convert pages from the last one back, index the rest."""
    # The parent's pages to index are read as they come, so that the parent never waits to send.
    received = _read_in_background(inbox)
    try:
        sources = {}
        for page in produce():
            sources[page.path] = page.content
            outbox.send(("source", page.path, page.content))
        left, mine = set(paths), []
        for i in reversed(range(len(paths)) if convert is not None else ()):
            with lock:
                if owners[i] != FREE:
                    break  # the parent got here: it converts the rest
                owners[i] = CHILD
            converted = convert(paths[i], sources[paths[i]])
            outbox.send(("converted", paths[i], converted))
            if converted is None:
                break  # this MkDocs renders pages in a way the child cannot carry back
            left.discard(paths[i])
            mine.append(paths[i])
        # Index in the order the parent will ask: its pages (they come first), then the child's.
        while index is not None and left:
            message = received.get()
            if message is None:
                break  # the parent is done
            path, converted = message
            outbox.send(("indexed", path, index(path, sources[path], converted)))
            left.discard(path)
        for path in reversed(mine) if index is not None and not left else ():
            outbox.send(("indexed", path, index(path, sources[path], None)))
        outbox.send(("done", None, None))
    except ClausierError as exc:
        outbox.send(("error", None, str(exc)))
    except (BrokenPipeError, EOFError):
        pass  # the parent stopped
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which stops the build
        outbox.send(("error", None, f"handbook: the page worker failed: {type(exc).__name__}: {exc}"))
    finally:
        outbox.close()


def _read_in_background(inbox) -> queue.SimpleQueue:
    """Messages from the parent, read by a thread as they arrive; None once the parent closes."""
    messages: queue.SimpleQueue = queue.SimpleQueue()

    def read() -> None:
        try:
            while True:
                messages.put(inbox.recv())
        except (EOFError, OSError):
            messages.put(None)

    threading.Thread(target=read, name="clausier-pages-inbox", daemon=True).start()
    return messages


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
