"""`mkdocs serve` rebuilds the handbook when a clause changes (the plugin watches clauses/ and templates/)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request

from sitebuild import MKDOCS, add_handbook


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8")
    except OSError:
        return None


def _wait_for(url: str, needle: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        text = _fetch(url)
        if text and needle in text:
            return True
        time.sleep(0.5)
    return False


def test_serve_reloads_when_a_clause_changes(repo):
    add_handbook(repo)
    config = repo / "mkdocs.yml"
    config.write_text(config.read_text().replace("specimens: true", "specimens: false"))
    port = _free_port()
    server = subprocess.Popen([MKDOCS, "serve", "-a", f"127.0.0.1:{port}", "-f", str(config)], cwd=repo,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    url = f"http://127.0.0.1:{port}/clauses/liability/liability/"
    try:
        assert _wait_for(url, "plafonnée au prix payé", 60), "the handbook was not served"
        clause = repo / "clauses/liability/fr.md"
        clause.write_text(clause.read_text().replace("plafonnée au prix payé", "plafonnée au prix annuel"))
        assert _wait_for(url, "plafonnée au prix annuel", 60), "the page did not change after the clause did"
    finally:
        server.terminate()
        server.wait(timeout=20)
