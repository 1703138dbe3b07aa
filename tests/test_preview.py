"""`clausier preview`: the agreement in a real Chromium (Debian's, driven by Playwright), following
edits to the agreement and to a clause without a manual reload, showing a broken edit's findings
and recovering; loopback only; --pdf; Ctrl-C leaves no process and no file behind."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

CLAUSIER = str(Path(sys.executable).parent / "clausier")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
PLACE = re.compile(r"\S+\.(?:md|yml):\d+:\d+: error")


class Preview:
    """`clausier preview` in its own process, its standard error read as it comes."""

    def __init__(self, repo: Path, *options: str, env: dict | None = None, browser: bool = False) -> None:
        self.process = subprocess.Popen([CLAUSIER, "--root", str(repo), "preview", "acme-fr", "--port", "0",
                                         *([] if browser else ["--no-browser"]), *options],
                                        stderr=subprocess.PIPE, text=True, start_new_session=True,
                                        env={**os.environ, **(env or {})})
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        found = self.wait_for_line(re.compile(r"on (http://127\.0\.0\.1:\d+/)"), 60)
        self.url = found.group(1)

    def _read(self) -> None:
        for line in self.process.stderr:
            self.lines.append(line)

    def wait_for_line(self, pattern: re.Pattern, seconds: float) -> re.Match:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if match := pattern.search(line):
                    return match
            if self.process.poll() is not None and not self.reader.is_alive():
                break
            time.sleep(0.05)
        raise AssertionError(f"no {pattern.pattern!r} in the preview's output: {''.join(self.lines)}")

    def get(self, path: str = "", host: str | None = None) -> tuple[int, bytes]:
        request = urllib.request.Request(self.url + path, headers={"Host": host} if host else {})
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                return answer.status, answer.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def interrupt(self, group: bool = False) -> int:
        """SIGINT to the command (group: to its process group, pandoc included, as a terminal's Ctrl-C)."""
        if group:
            os.killpg(self.process.pid, signal.SIGINT)
        else:
            self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout=30)
        self.reader.join(timeout=5)
        return code

    def close(self) -> None:
        if self.process.poll() is None:
            self.interrupt()


@pytest.fixture
def preview(repo):
    running = Preview(repo, "--pdf")
    yield running
    running.close()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# ---------------------------------------------------------------- in the browser


def test_the_page_follows_edits_and_shows_then_clears_an_error(preview, repo):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is missing: run `make test` to install it")
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium not found: install Debian's package (`apt-get install chromium`)")
    expect = sync_api.expect
    agreement, clause = repo / "agreements/acme-fr.md", repo / "clauses/liability/fr.md"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        problems: list[str] = []  # a script the policy blocks, or one that fails, says so here
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.goto(preview.url)
        body = page.locator("body")
        expect(body).to_contain_text("Atelier Lumière SARL")
        panel = page.locator("#clausier-preview-findings")
        expect(panel).to_have_count(0)

        edit(agreement, "Atelier Lumière SARL", "Atelier Lumière Vitrail SARL")  # the agreement
        expect(body).to_contain_text("Atelier Lumière Vitrail SARL", timeout=10_000)
        edit(clause, "plafonnée au prix payé", "limitée au prix payé hors taxes")  # a clause it uses
        expect(body).to_contain_text("limitée au prix payé hors taxes", timeout=10_000)

        edit(agreement, "status: draft", "status: draft\ncolour: blue")  # an unknown key
        expect(panel).to_contain_text("agreements/acme-fr.md:5:1: error: unknown key 'colour'", timeout=10_000)
        expect(panel).to_be_in_viewport()  # in sight, wherever the reload left the reader
        expect(body).to_contain_text("limitée au prix payé hors taxes")  # the last good rendering, below
        edit(agreement, "colour: blue", "")
        expect(panel).to_have_count(0, timeout=10_000)

        page.mouse.wheel(0, 1500)  # reading further down
        edit(clause, "hors taxes", "{{ params.ceiling }}")  # an error in the clause's own file
        expect(panel).to_contain_text("clauses/liability/fr.md:", timeout=10_000)
        expect(panel).to_be_in_viewport()
        assert PLACE.search(panel.inner_text())
        edit(clause, "{{ params.ceiling }}", "toutes taxes comprises")
        expect(body).to_contain_text("limitée au prix payé toutes taxes comprises", timeout=10_000)
        expect(panel).to_have_count(0)
        assert problems == []
        browser.close()


# ---------------------------------------------------------------- over HTTP


def _built_body(repo: Path, out: Path) -> str:
    from clausier.build import build

    assert build(repo, paths=[repo / "agreements/acme-fr.md"], formats=["html"], out=out).ok
    built = (out / "acme-fr/acme-fr.html").read_text(encoding="utf-8")
    return built[built.index("<body>") + len("<body>"): built.index("</body>")]


def test_the_page_is_the_builds_html_with_a_reload_script_only(preview, repo, tmp_path):
    status, page = preview.get()
    assert status == 200
    page_text = page.decode("utf-8")
    assert _built_body(repo, tmp_path / "first") in page_text  # the text is in the page itself, as built
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", page_text, re.S)
    assert scripts == [""]  # one script, from a file: nothing inline
    status, script = preview.get(re.search(r'<script src="/([^"]+)"', page_text).group(1))
    assert status == 200 and b"location.reload()" in script
    assert not re.search(rb"innerHTML|outerHTML|insertAdjacent|document\.write|DOMParser", script)
    # After edits, loaded again clause by clause and template by template: still the build's text.
    edit(repo / "clauses/fees/fr.md", "Le prix est de", "Le prix convenu est de")
    edit(repo / "templates/mini.md.j2", "{id: non-solicitation, optional: true}", "non-solicitation")
    assert _shows(preview, "ne débauche le personnel") and _shows(preview, "Le prix convenu est de")
    assert _built_body(repo, tmp_path / "edited") in preview.get()[1].decode("utf-8")


def _shows(preview: Preview, text: str, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if text.encode() in preview.get()[1]:
            return True
        time.sleep(0.05)
    return False


def test_it_follows_the_template_the_partials_clausier_yml_and_the_styles(preview, repo):
    edit(repo / "templates/mini.md.j2", "Contrat de prestation de services", "Contrat de services créatifs")
    assert _shows(preview, "Contrat de services créatifs")
    edit(repo / "templates/_base.md.j2", "{% block closing %}", "{% block closing %}\nFait en deux exemplaires.\n")
    assert _shows(preview, "Fait en deux exemplaires.")
    edit(repo / "clausier.yml", "name: Clair Obscur Studio", "name: Clair Obscur Atelier")
    assert _shows(preview, "Clair Obscur Atelier")
    edit(repo / "templates/styles/contract.css.html", "body {", "body { /* a new house style */")
    assert _shows(preview, "a new house style")


def test_it_answers_on_loopback_and_to_its_own_address_only(preview):
    port = int(preview.url.rsplit(":", 1)[1].strip("/"))
    with pytest.raises(ConnectionRefusedError):  # bound to 127.0.0.1, not to every address
        socket.create_connection(("127.0.0.2", port), timeout=5).close()
    status, _ = preview.get(host=f"attacker.example:{port}")  # a rebound name pointing here
    assert status == 421
    assert preview.get(host=f"localhost:{port}")[0] == 200


def test_the_pdf_stays_current(preview, repo, tmp_path):
    edit(repo / "agreements/acme-fr.md", "Atelier Lumière SARL", "Atelier Lumière Vitrail SARL")
    preview.wait_for_line(re.compile(r"rendered in .*\n"), 10)
    deadline = time.monotonic() + 15
    while True:
        status, pdf = preview.get("pdf")
        assert status == 200 and pdf.startswith(b"%PDF")
        (tmp_path / "a.pdf").write_bytes(pdf)
        text = subprocess.run(["pdftotext", str(tmp_path / "a.pdf"), "-"], capture_output=True, text=True).stdout
        if "Vitrail" in text or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert "Atelier Lumière Vitrail SARL" in text


# ---------------------------------------------------------------- stopping


def _descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                children = {int(c) for c in (task / "children").read_text().split()}
            except OSError:
                continue
            todo.extend(children - found)
            found |= children
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("group", [True, False], ids=["terminal", "command-only"])
def test_ctrl_c_leaves_no_process_and_no_file_behind(repo, tmp_path, group):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    running = Preview(repo, "--pdf", env={"TMPDIR": str(scratch)})
    try:
        assert running.get("pdf")[0] == 200  # pandoc and Typst at work, their scratch files written
        helpers = _descendants(running.process.pid)
        assert helpers and any(scratch.iterdir())
    finally:
        code = running.interrupt(group)
    assert code == 0 and "preview stopped" in "".join(running.lines)
    assert [pid for pid in helpers if _alive(pid)] == []
    assert list(scratch.iterdir()) == []


# ---------------------------------------------------------------- the command line


def test_it_opens_the_browser_unless_told_not_to(repo, tmp_path):
    opened = tmp_path / "opened"
    # Python's webbrowser runs $BROWSER with the address in place of %s.
    command = f"{sys.executable} -c 'import sys; open(sys.argv[1], \"w\").write(sys.argv[2])' {opened} %s"
    running = Preview(repo, env={"BROWSER": command}, browser=True)
    try:
        deadline = time.monotonic() + 10
        while not opened.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert opened.read_text() == running.url
    finally:
        running.close()


def test_a_port_in_use_or_an_unknown_agreement_is_a_clear_error(repo):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([CLAUSIER, "--root", str(repo), "preview", "acme-fr", "--port", str(port), "--no-browser"],
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert f"cannot serve on 127.0.0.1:{port}" in done.stderr and "choose another --port" in done.stderr
    done = subprocess.run([CLAUSIER, "--root", str(repo), "preview", "acme-en", "--no-browser"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "agreements/acme-en.md: no such agreement" in done.stderr
