"""The preview's web server: on 127.0.0.1 only, for requests addressed to it only.

It binds the loopback address, and it answers only requests whose Host is that address (or
`localhost`) with its port: a web page elsewhere cannot reach it through a name of its own that
resolves to 127.0.0.1 (DNS rebinding). Four paths: the page, its reload script, the long
request the script waits on, and (with --pdf) the PDF.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .page import CHANGES_PATH, POLICY, RELOAD_SCRIPT, SCRIPT_PATH

HOST = "127.0.0.1"
WAIT_SECONDS = 25.0  # a long request is answered after this even when nothing changed
PDF_WAIT_SECONDS = 30.0  # /pdf waits this long for the PDF of the newest version


class Published:
    """What the server shows, and the version number the reload script waits on."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.version = 0
        self.page = b""
        self.pdf: bytes | None = None
        self.pdf_version = -1  # the version the PDF was rendered for
        self.closing = False

    def publish(self, page_for) -> int:
        """A new version: `page_for(version)` is its page."""
        with self.changed:
            self.version += 1
            self.page = page_for(self.version)
            self.changed.notify_all()
            return self.version

    def publish_pdf(self, pdf: bytes | None, version: int) -> None:
        with self.changed:
            if pdf is not None:
                self.pdf = pdf
            self.pdf_version = version
            self.changed.notify_all()

    def newest_after(self, version: str, timeout: float = WAIT_SECONDS) -> int:
        """The version number once it is not `version` (or after `timeout`, or at closing)."""
        with self.changed:
            self.changed.wait_for(lambda: str(self.version) != version or self.closing, timeout)
            return self.version

    def current_pdf(self, timeout: float = PDF_WAIT_SECONDS) -> bytes | None:
        """The PDF of the newest version (the last good one when the newest does not build)."""
        with self.changed:
            self.changed.wait_for(lambda: self.pdf_version >= self.version or self.closing, timeout)
            return self.pdf

    def close(self) -> None:
        with self.changed:
            self.closing = True
            self.changed.notify_all()


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True  # a long request left waiting never keeps the command alive
    allow_reuse_address = True

    def __init__(self, port: int, published: Published, pdf: bool) -> None:
        super().__init__((HOST, port), _Handler)
        self.published, self.pdf = published, pdf
        self.port = self.server_address[1]
        self.hosts = {f"{HOST}:{self.port}", f"localhost:{self.port}"}

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def start(self) -> None:
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.published.close()  # long requests answered now
        if getattr(self, "_thread", None) is not None:  # (shutdown waits for a loop that never ran, else)
            self.shutdown()
            self._thread.join()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if (self.headers.get("Host") or "").lower() not in self.server.hosts:
            return self._send(421, b"This preview answers only at its own address.\n", "text/plain")
        parts = urlsplit(self.path)
        published = self.server.published
        if parts.path == "/":
            with published.changed:
                page = published.page
            return self._send(200, page, "text/html; charset=utf-8")
        if parts.path == SCRIPT_PATH:
            return self._send(200, RELOAD_SCRIPT.encode(), "text/javascript; charset=utf-8", keep=True)
        if parts.path == CHANGES_PATH:
            after = parse_qs(parts.query).get("after", [""])[0]
            return self._send(200, str(published.newest_after(after)).encode(), "text/plain")
        if parts.path == "/pdf" and self.server.pdf:
            pdf = published.current_pdf()
            if pdf is not None:
                return self._send(200, pdf, "application/pdf")
            return self._send(503, b"No PDF yet: the agreement does not build.\n", "text/plain")
        return self._send(404, b"Not found.\n", "text/plain")

    def _send(self, status: int, body: bytes, kind: str, keep: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=86400, immutable" if keep else "no-store")
        if kind.startswith("text/html"):  # (not on the PDF: Chromium's viewer would not open it)
            self.send_header("Content-Security-Policy", POLICY)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - quiet: the terminal shows the renders
        pass
