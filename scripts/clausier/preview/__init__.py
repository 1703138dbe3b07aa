"""`clausier preview`: one agreement on http://127.0.0.1:PORT/, rendered again at each save.

    session.py   the repository kept loaded, pandoc and Typst kept warm, stale parts reloaded
    watcher.py   the files the agreement depends on, polled
    page.py      the page: the rendered HTML, findings above it, a script that only reloads
    server.py    the loopback-only server, the long request the script waits on, /pdf

One thread polls and renders; the server answers in threads of its own. Stopping (Ctrl-C or
SIGTERM) stops the server, the pandoc process and Typst's scratch folder: nothing is left.
"""

from __future__ import annotations

import signal
import time
import webbrowser
from pathlib import Path
from typing import Callable

from ..errors import ClausierError
from ..gitsource import path_in_repository
from .page import compose
from .server import Published, PreviewServer
from .session import Rendering, Session
from .watcher import Watcher

POLL_SECONDS = 0.05  # between two looks at the followed files: most of a save's wait at worst


def agreement_file(root: Path, given: str) -> Path:
    """The agreement given as a path (from the current folder or the root) or as an id."""
    relative = path_in_repository(root, given) if given.endswith(".md") or "/" in given else f"agreements/{given}.md"
    parts = relative.split("/") if relative else []
    if len(parts) != 2 or parts[0] != "agreements" or not parts[1].endswith(".md"):
        raise ClausierError(f"{given}: not an agreement: give agreements/<id>.md or the agreement's id")
    path = root / relative
    if not path.is_file():
        raise ClausierError(f"{relative}: no such agreement")
    return path


def _stop_on_sigterm(*_args) -> None:
    raise KeyboardInterrupt


def run_preview(root: Path, given: str, port: int = 8100, browser: bool = True, pdf: bool = False,
                say: Callable[[str], None] = print) -> None:
    """Serve the agreement until interrupted."""
    root = root.resolve()
    path = agreement_file(root, given)
    published = Published()
    try:
        server = PreviewServer(port, published, pdf)  # first: a port in use fails before any work
    except OSError as exc:
        raise ClausierError(f"cannot serve on 127.0.0.1:{port}: {exc.strerror or exc}; choose another --port") from None
    previous = signal.signal(signal.SIGTERM, _stop_on_sigterm)
    session: Session | None = None
    try:
        session = Session(root, path, pdf)
        watcher = Watcher(root)
        watcher.follow(session.inputs())
        last_good = _show(session, published, session.render(), None, say)
        watcher.follow(session.inputs())  # the clauses it uses, now known
        server.start()
        say(f"previewing {session.rel} on {server.url}{' (PDF at ' + server.url + 'pdf)' if pdf else ''}; "
            "Ctrl-C stops")
        if browser:
            webbrowser.open(server.url)
        pending: set[str] = set()
        while True:
            changed, pending = pending | watcher.changed(), set()
            if not changed:
                time.sleep(POLL_SECONDS)
                continue
            session.reload(changed)
            rendering = session.render()
            watcher.follow(session.inputs())
            pending = watcher.changed()
            if rendering.html is None and pending:
                continue  # read in the middle of a save, perhaps: not shown before the next rendering
            last_good = _show(session, published, rendering, last_good, say)
    except KeyboardInterrupt:
        say("preview stopped")
    finally:
        # A second Ctrl-C (or a terminal's and a supervisor's at once) must not cut the cleanup short.
        interrupt = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            server.stop()
            if session is not None:
                session.close()
        finally:
            signal.signal(signal.SIGTERM, previous)
            signal.signal(signal.SIGINT, interrupt)


def _show(session: Session, published: Published, rendering: Rendering, last_good: bytes | None,
          say: Callable[[str], None]) -> bytes | None:
    """Publish the page for `rendering` (then the PDF, with --pdf); the last good HTML."""
    good = rendering.html if rendering.html is not None else last_good
    version = published.publish(lambda v: compose(good, rendering.findings, v, session.title))
    if rendering.html is not None:
        say(f"{session.rel}: rendered in {rendering.seconds * 1000:.0f} ms")
    else:
        say(f"{session.rel}: {len(rendering.findings)} finding(s), the last good rendering kept")
        for line in rendering.findings:
            say(f"  {line}")
    if session.pdf:
        published.publish_pdf(session.render_pdf() if rendering.html is not None else None, version)
    return good
