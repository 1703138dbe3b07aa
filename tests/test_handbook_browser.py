"""The handbook in a real Chromium (Debian's `chromium`, driven by Playwright; no browser download)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import PROJECT
from sitebuild import SiteServer, mkdocs_build, search_until_found

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

if not Path(CHROMIUM).exists():
    pytest.skip("Chromium not found: install Debian's package (`apt-get install chromium`) to run the "
                "browser tests; .ci/run does it in CI", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is missing: run `make test` to install it")


@pytest.fixture(scope="module")
def site_url(tmp_path_factory):
    site = tmp_path_factory.mktemp("handbook") / "site"
    done = mkdocs_build(PROJECT, site)
    assert done.returncode == 0, done.stderr
    with SiteServer(site) as server:
        yield server.url


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


def test_home_page_opens_with_the_brand(page, site_url):
    page.goto(site_url)
    assert "Clair Obscur Studio" in page.title()
    assert page.locator("h1").first.inner_text().startswith("Clause handbook")
    assert page.locator(".md-tabs").get_by_text("Clauses").is_visible()


def test_searching_a_french_plural_with_accents_reaches_the_clause(page, site_url):
    page.goto(site_url)
    result = page.locator(".md-search-result__item a[href*='late-payment']").first
    search_until_found(page, "pénalités", result)
    result.click()
    page.wait_for_url("**/late-payment/**")
    assert "Retard de paiement" in page.locator("h1").first.inner_text()


def test_switching_the_language_tab_shows_the_english_text(page, site_url):
    page.goto(site_url + "clauses/termination/termination/")
    tabs = page.locator(".tabbed-set").first
    assert tabs.get_by_text("résilier", exact=False).first.is_visible()
    tabs.locator("label", has_text="English").click()
    assert tabs.get_by_text("terminate", exact=False).first.is_visible()
    assert not tabs.get_by_text("Chaque Partie peut", exact=False).first.is_visible()


def test_opening_a_variant_shows_its_differences(page, site_url):
    page.goto(site_url + "clauses/liability/liability/")
    page.locator(".md-sidebar--secondary").get_by_text("fallback-1", exact=False).first.click()
    page.wait_for_url("**#fallback-1*")
    assert page.locator("ins.critic").first.is_visible()
    assert page.locator("del.critic").count() > 0
    assert page.get_by_text("Approval required", exact=False).first.is_visible()


def test_downloading_a_specimen_gives_a_pdf(page, site_url):
    page.goto(site_url + "contract-types/general-services/")
    with page.expect_download() as download:
        page.get_by_text("Français — PDF").click()
    path = download.value.path()
    assert Path(path).read_bytes().startswith(b"%PDF-")


def test_the_dark_mode_toggle_switches_the_scheme(page, site_url):
    page.goto(site_url)
    body = page.locator("body")
    assert body.get_attribute("data-md-color-scheme") == "default"
    page.locator("label[title='Switch to dark mode']").first.click()
    assert body.get_attribute("data-md-color-scheme") == "slate"


def _rgb(css: str) -> tuple[float, ...]:
    return tuple(float(v) for v in css[css.index("(") + 1 : css.index(")")].split(","))


def _luminance(rgb: tuple[float, ...]) -> float:
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (v / 255 for v in rgb[:3])]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_the_logo_stands_out_on_the_header(page, site_url):
    page.goto(site_url)
    header = page.locator("header.md-header")
    logo = header.locator(".md-logo img")
    assert logo.is_visible()
    header_colour = _rgb(header.evaluate("e => getComputedStyle(e).backgroundColor"))
    backing = _rgb(logo.evaluate("e => getComputedStyle(e).backgroundColor"))
    if len(backing) == 4 and backing[3] == 0:  # transparent: the logo lies on the header itself
        backing = header_colour
    high, low = sorted((_luminance(header_colour), _luminance(backing)), reverse=True)
    assert (high + 0.05) / (low + 0.05) >= 3, (header_colour, backing)


def test_searching_without_accents_finds_the_termination_clause(page, site_url):
    page.goto(site_url)
    result = page.locator(".md-search-result__item a[href*='termination/termination']").first
    search_until_found(page, "resiliation", result)
    assert "Résiliation" in result.inner_text()  # shown with its accents


def test_the_handbook_requests_nothing_from_another_origin(page, site_url):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(site_url)
    page.goto(site_url + "clauses/termination/termination/")
    page.locator(".tabbed-set").first.locator("label", has_text="English").click()
    search_until_found(page, "pénalités", page.locator(".md-search-result__item").first)
    page.wait_for_load_state("networkidle")
    assert requests and all(url.startswith(site_url) or url.startswith("data:") for url in requests), \
        [url for url in requests if not url.startswith(site_url)]
