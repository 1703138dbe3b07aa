"""Build a handbook with the real `mkdocs` command, and serve a built site on localhost."""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from conftest import PROJECT

MKDOCS = str(Path(sys.executable).parent / "mkdocs")


def add_handbook(root: Path) -> Path:
    """Give a test repository the project's mkdocs.yml and hand-written pages.

    The pages (the checklist…) link to the project's clause pages; a link to a clause the test
    library does not have (or files under another category) is made plain text, or the strict
    build would fail on it, as it should on the project's own pages."""
    shutil.copy(PROJECT / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(PROJECT / "docs", root / "docs")
    for page in (root / "docs").rglob("*.md"):
        page.write_text(_CLAUSE_LINK.sub(lambda m: m.group(0) if _has_page(root, m) else m.group(1),
                                         page.read_text(encoding="utf-8")), encoding="utf-8")
    return root


_CLAUSE_LINK = re.compile(r"\[([^\]]+)\]\((?:\.\./)*clauses/([a-z0-9-]+)/([a-z0-9-]+)\.md(?:#[^)]*)?\)")


def _has_page(root: Path, link: re.Match) -> bool:
    meta = root / "clauses" / link.group(3) / "clause.yml"
    return meta.is_file() and re.search(rf"^category: {link.group(2)}$", meta.read_text(), re.M) is not None


def mkdocs_build(root: Path, site: Path) -> subprocess.CompletedProcess:
    return subprocess.run([MKDOCS, "build", "--strict", "-f", str(root / "mkdocs.yml"), "-d", str(site)],
                          capture_output=True, text=True, cwd=root,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})


class SiteServer:
    """A static server for a built site, on a free loopback port, in a thread."""

    def __init__(self, site: Path):
        handler = functools.partial(_QuietHandler, directory=str(site))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "SiteServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


def search_until_found(page, words: str, result, timeout: int = 10000) -> None:
    """Type `words` in the handbook's search box until `result` (a locator) shows. The index is
    built in a web worker: on a loaded machine it can be ready only after the first keystrokes,
    so type again until results come (six tries at most)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.locator("label.md-search__icon, .md-search__input").first.click()
    box = page.locator("input.md-search__input")
    for _ in range(6):
        box.fill("")
        box.press_sequentially(words, delay=30)
        try:
            result.wait_for(timeout=timeout)
            return
        except PlaywrightTimeout:
            continue
