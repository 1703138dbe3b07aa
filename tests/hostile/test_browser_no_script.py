"""Nothing in what we publish runs in a reader's browser: the handbook, the contract HTML and the
redline HTML of a repository full of hostile content, opened in a real Chromium (Debian's
`chromium`, driven by Playwright), with listeners for dialogs, requests to other origins, page
errors and Content-Security-Policy violations; every link that is not http(s), mailto or an
anchor is clicked. One handbook build, one contract build, one redline.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

from sitebuild import SiteServer, mkdocs_build, search_until_found
from test_gitsource import commit_all, git
from test_handbook_hostile import ATTACKS, CLAUSE_PAGE, hostile_repo

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
CLAUSIER = str(Path(sys.executable).parent / "clausier")

if not Path(CHROMIUM).exists():
    pytest.skip("Chromium not found: install Debian's package (`apt-get install chromium`)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is missing: run `make test` to install it")

# What an agreement's own text (the special conditions) may try and build accepts: markup written
# as text on purpose (escaped: a bare tag is an error since issue 20) and attributes, which the
# filter drops. Links that build refuses are in test_handbook_hostile.py.
AGREEMENT_BODY = r"""
Le Prestataire assure une formation \<script\>alert("agreement")\</script\> \<img src=x onerror=alert("agrimg")\>.

Voir [le site](https://example.com){onclick=alert("onclick") onmouseover=alert("over")} et
[texte caché]{style="display:none"} et [survol]{onmouseover=alert("span")}.

::: {onclick=alert("div") style="display:none"}
Bloc caché.
:::

\<svg onload=alert("svg")\>\</svg\> \<iframe src="javascript:alert('frame')"\>\</iframe\>
"""
REDLINE_EDIT = "\nAjout : \\<script\\>alert(\"redline\")\\</script\\> [lien](https://example.com){onclick=alert(1)}.\n"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """The built handbook, the contract HTML files and the redline HTML files."""
    base = tmp_path_factory.mktemp("browser")
    root = hostile_repo(base / "repo")
    agreement = root / "agreements/acme-fr.md"
    agreement.write_text(agreement.read_text(encoding="utf-8").replace(
        "Le Prestataire assure une formation d'une demi-journée.\n", AGREEMENT_BODY), encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    first = commit_all(root, "first")
    site = base / "site"
    done = mkdocs_build(root, site)
    assert done.returncode == 0, done.stderr
    built = subprocess.run([CLAUSIER, "--root", str(root), "build", "--to", "html", "-q"],
                           capture_output=True, text=True)
    contracts = sorted((root / "build").glob("*/*.html"))
    agreement.write_text(agreement.read_text(encoding="utf-8") + REDLINE_EDIT, encoding="utf-8")
    diffed = subprocess.run([CLAUSIER, "--root", str(root), "diff", "agreements/acme-fr.md", "--base", first,
                             "--to", "html", "--out", str(base / "redline")], capture_output=True, text=True)
    redlines = sorted((base / "redline").glob("*.html"))
    return {"site": site, "contracts": contracts, "redlines": redlines, "build": built, "diff": diffed}


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def odd_link(href: str | None) -> bool:
    """A target that is not http(s), mailto, an anchor or a page of the same site."""
    if href is None or href.startswith(("http://", "https://", "mailto:", "#")):
        return False
    return href.strip().startswith(("//", "\\\\")) or ":" in href.split("/")[0].split("#")[0]


class Watch:
    """One browser page with every listener: what happened that must not."""

    def __init__(self, browser, allowed_origin: str | None):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.allowed_origin = allowed_origin
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("console", self._console)
        self.context.on("request", self._request)

    def _dialog(self, dialog):
        self.problems.append(f"dialog {dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _console(self, message):
        text = message.text
        if message.type == "error" or "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.problems.append(f"console {message.type}: {text}")

    def _request(self, request):
        url = urlparse(request.url)
        if url.scheme == "file" or (url.scheme == "data" and request.resource_type != "document"):
            return
        if self.allowed_origin is not None and request.url.startswith(self.allowed_origin):
            return
        self.problems.append(f"request to another origin: {request.url}")

    def visit(self, url: str) -> None:
        self.page.goto(url)
        self.page.wait_for_load_state("load")
        self.click_odd_links(url)

    def click_odd_links(self, url: str) -> None:
        """Click every link whose target is not http(s), mailto or an anchor."""
        links = self.page.eval_on_selector_all(
            "a", "els => els.map((a, i) => [i, a.getAttribute('href')])")
        for index, href in links:
            if not odd_link(href):
                continue
            self.problems.append(f"link to {href!r}")
            try:
                self.page.locator("a").nth(index).click(timeout=2000, no_wait_after=True)
                self.page.wait_for_timeout(200)
                self.page.goto(url)
            except sync_api.Error:
                pass

    def close(self) -> list[str]:
        self.page.wait_for_timeout(100)
        self.context.close()
        return self.problems


def test_no_script_runs_on_any_handbook_page(outputs, browser):
    site = outputs["site"]
    with SiteServer(site) as server:
        watch = Watch(browser, server.url)
        problems = {}
        for path in sorted(site.rglob("*.html")):
            relative = path.relative_to(site).as_posix()
            watch.problems = []
            watch.visit(server.url + relative.removesuffix("index.html"))
            if watch.problems:
                problems[relative] = watch.problems
        assert problems == {}
        # the theme still works under the policy: search, tabs, palette
        watch.problems = []
        watch.page.goto(server.url + CLAUSE_PAGE.removesuffix("index.html"))
        watch.page.locator("label[title='Switch to dark mode']").first.click()
        assert watch.page.locator("body").get_attribute("data-md-color-scheme") == "slate"
        watch.page.locator(".tabbed-set").first.locator("label", has_text="English").click()
        result = watch.page.locator(".md-search-result__item").first
        search_until_found(watch.page, "plafonnée", result)
        assert result.is_visible()
        # the search results show the hostile title as text (they are written with innerHTML)
        assert "<script>alert(101)</script>" in result.inner_text()
        assert watch.close() == []


def test_hostile_words_are_visible_in_the_handbook(outputs, browser):
    with SiteServer(outputs["site"]) as server:
        watch = Watch(browser, server.url)
        watch.page.goto(server.url + CLAUSE_PAGE.removesuffix("index.html"))
        shown = watch.page.locator("body").inner_text()
        title = watch.page.title()
        watch.close()
    for name, relative, _, _, words, _, where in ATTACKS:
        if CLAUSE_PAGE in where and relative.endswith("fr.md") or relative == "clausier.yml":
            assert words.replace("\n", " ") in shown.replace("\n", " "), name
    assert "<script>alert(101)</script>" in title


@pytest.mark.parametrize("files, command", [("contracts", "build"), ("redlines", "diff")])
def test_no_script_runs_in_contract_or_redline_html(outputs, browser, files, command):
    done = outputs[command]
    assert done.returncode == 0, done.stdout + done.stderr
    assert outputs[files]
    problems = {}
    for path in outputs[files]:
        watch = Watch(browser, None)
        watch.visit(path.as_uri())
        found = watch.close()
        if found:
            problems[path.name] = found
        assert 'http-equiv="Content-Security-Policy"' in path.read_text(encoding="utf-8"), path.name
    assert problems == {}


def test_the_served_handbook_still_reloads_under_its_policy(repo, browser):
    """`mkdocs serve` writes its reload script inline; the plugin has it served as a file."""
    import os
    import socket
    import time

    from sitebuild import MKDOCS, add_handbook

    config = add_handbook(repo) / "mkdocs.yml"
    config.write_text(config.read_text().replace("specimens: true", "specimens: false"))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([MKDOCS, "serve", "-a", f"127.0.0.1:{port}", "-f", str(config)], cwd=repo,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    origin = f"http://127.0.0.1:{port}/"
    watch = Watch(browser, origin)
    try:
        for _ in range(120):  # until the first build is served (bounded)
            try:
                watch.page.goto(origin + "clauses/liability/liability/")
                break
            except sync_api.Error:
                time.sleep(0.5)
        watch.page.wait_for_timeout(1000)
        clause = repo / "clauses/liability/fr.md"
        clause.write_text(clause.read_text().replace("plafonnée au prix payé", "plafonnée au prix annuel"))
        for _ in range(120):  # the page reloads itself once the rebuild is served (bounded)
            watch.page.wait_for_timeout(500)
            try:
                if "plafonnée au prix annuel" in watch.page.locator("body").inner_text():
                    break
            except sync_api.Error:
                continue
        assert "plafonnée au prix annuel" in watch.page.locator("body").inner_text()
        assert watch.close() == []
    finally:
        server.terminate()
        server.wait(timeout=20)
