"""Benchmark: `clausier preview`, from a save to the refreshed page, against a one-agreement
`clausier build` of the same agreement after the same edit, measured in the same run (issue 26:
at least 3 times faster, and under 0.5 s).

Not a test. Run with `make bench` (or `.venv/bin/python benchmarks/preview_latency.py [rounds]`).
The project's clausier.yml, templates, clauses and agreements are copied twice into a scratch
folder: one copy is previewed, the other built (`clausier build AGREEMENT --to html`, its cache
warm: each round rebuilds the one edited agreement). Each round edits the agreement (the
client's name) or a clause it uses, in turn, in both copies, preview first then build.

Save → refreshed: from just before the file is written to the `load` event of the page that
Chromium reloads by itself (Playwright, Debian's chromium); without them, to the page fetched
after the long request the page's script waits on comes back (the same exchange, without the
browser's layout). With --pdf: from the save to the new PDF at /pdf, against
`clausier build --to html,pdf`. Prints medians; writes build/bench/preview.json.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
CLAUSIER = str(Path(sys.executable).with_name("clausier"))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AGREEMENT = "2026-014-atelier-lumiere"
EDITS = [  # (file, one text, the other): each round swaps one of them
    (f"agreements/{AGREEMENT}.md", "name: Atelier Lumière SARL", "name: Atelier Lumière Vitrail SARL"),
    ("clauses/purpose/fr.md", "en toute indépendance", "en toute autonomie"),
]


def copy_repository(target: Path) -> Path:
    target.mkdir(parents=True)
    shutil.copy(PROJECT / "clausier.yml", target / "clausier.yml")
    for folder in ("templates", "clauses", "agreements"):
        shutil.copytree(PROJECT / folder, target / folder)
    return target


def swap(root: Path, round_: int) -> str:
    """Make round `round_`'s edit; the text the new rendering shows."""
    relative, one, other = EDITS[round_ % len(EDITS)]
    path = root / relative
    text = path.read_text(encoding="utf-8")
    old, new = (one, other) if one in text else (other, one)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return new.removeprefix("name: ")


class Preview:
    def __init__(self, root: Path, *options: str) -> None:
        self.process = subprocess.Popen([CLAUSIER, "--root", str(root), "preview", AGREEMENT, "--port", "0",
                                         "--no-browser", *options], stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        threading.Thread(target=lambda: self.lines.extend(self.process.stderr), daemon=True).start()
        deadline = time.monotonic() + 120
        while not (found := re.search(r"on (http://127\.0\.0\.1:\d+/)", "".join(self.lines))):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise SystemExit("the preview did not start:\n" + "".join(self.lines))
            time.sleep(0.05)
        self.url = found.group(1)

    def get(self, path: str = "") -> bytes:
        with urllib.request.urlopen(self.url + path, timeout=60) as answer:
            return answer.read()

    def version(self) -> str:
        return re.search(rb'data-version="(\d+)"', self.get()).group(1).decode()

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=30)


def saved_to_refreshed_browser(page, loads: list[float], root: Path, round_: int) -> float:
    """Until a page Chromium reloads by itself shows the edit (a save caught half-written may show
    first: it is reloaded again). `loads`: when each `load` event came (page.on, below)."""
    start = time.perf_counter()
    new = swap(root, round_)
    deadline = start + 30
    seen = len(loads)
    while time.perf_counter() < deadline:
        page.wait_for_timeout(5)  # (Playwright hands over the page's events while it waits)
        if len(loads) > seen:
            seen = len(loads)
            if new in page.locator("body").inner_text():
                return loads[-1] - start
    raise AssertionError(f"the refreshed page lacks {new!r}")


def saved_to_refreshed_http(preview: Preview, root: Path, round_: int, pdf: bool = False) -> float:
    """The page's script's exchange: the long request, then the page (or /pdf)."""
    after = preview.version()
    start = time.perf_counter()
    new = swap(root, round_)
    preview.get(f"_preview/changes?after={after}")
    body = preview.get("pdf" if pdf else "")
    seconds = time.perf_counter() - start
    if not pdf:
        assert new.encode() in body, f"the refreshed page lacks {new!r}"
    return seconds


def one_agreement_build(root: Path, round_: int, formats: str) -> float:
    swap(root, round_)
    start = time.perf_counter()
    done = subprocess.run([CLAUSIER, "--root", str(root), "build", str(root / f"agreements/{AGREEMENT}.md"), "--to", formats, "-q"],
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    assert done.returncode == 0, done.stderr
    return seconds


def browser_page():
    """A Chromium page (None: Playwright or Debian's chromium is missing)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None, None
    if not Path(CHROMIUM).exists():
        return None, None
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
    return playwright, browser


MODES = [  # (name, preview options, the build's formats, how the refresh is seen)
    ("page in Chromium", (), "html", "browser"),
    ("page over HTTP", (), "html", "http"),
    ("PDF at /pdf", ("--pdf",), "html,pdf", "pdf"),
]


def measure(previewed: Path, built: Path, options: tuple[str, ...], formats: str, how: str,
            rounds: int) -> tuple[list[float], list[float]] | None:
    """Save → refreshed and the one-agreement build, round after round (None: no browser here)."""
    playwright, browser = browser_page() if how == "browser" else (None, None)
    if how == "browser" and browser is None:
        return None
    one_agreement_build(built, 1, formats)  # its cache warm, as after a first build
    preview = Preview(previewed, *options)
    saves, builds, loads = [], [], []
    try:
        if browser is not None:
            page = browser.new_page()
            page.on("load", lambda _page: loads.append(time.perf_counter()))
            page.goto(preview.url)
        for round_ in range(rounds):
            time.sleep(0.3)  # the machine quiet again between one and the other
            if browser is not None:
                saves.append(saved_to_refreshed_browser(page, loads, previewed, round_))
            else:
                saves.append(saved_to_refreshed_http(preview, previewed, round_, pdf=how == "pdf"))
            time.sleep(0.3)
            builds.append(one_agreement_build(built, round_, formats))
    finally:
        if browser is not None:
            browser.close()
            playwright.stop()
        preview.stop()
    return saves, builds


def main(rounds: int = 8) -> None:
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="clausier-bench-preview-") as work:
        previewed, built = copy_repository(Path(work) / "previewed"), copy_repository(Path(work) / "built")
        for name, options, formats, how in MODES:
            measured = measure(previewed, built, options, formats, how, rounds)
            if measured is None:
                print(f"{name}: skipped (Playwright or Debian's chromium is missing)")
                continue
            saves, builds = measured
            save, build = statistics.median(saves), statistics.median(builds)
            results[name] = {"options": list(options), "build_formats": formats, "save_to_refreshed": saves,
                             "build": builds, "median_save_to_refreshed": save, "median_build": build,
                             "ratio": build / save}
            print(f"preview{' ' + ' '.join(options) if options else ''}, {name}: save → refreshed, median of {rounds} "
                  f"{save:.3f} s (each: {', '.join(f'{s:.3f}' for s in saves)})")
            print(f"  one-agreement `clausier build --to {formats}`: median {build:.3f} s "
                  f"(each: {', '.join(f'{b:.3f}' for b in builds)}): {build / save:.1f}× the preview's; "
                  f"targets ≥ 3× and < 0.5 s: {'met' if build / save >= 3 and save < 0.5 else 'NOT met'}")
    out = PROJECT / "build" / "bench" / "preview.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"agreement": AGREEMENT, "cores": os.cpu_count(), **results}, indent=2) + "\n",
                   encoding="utf-8")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
