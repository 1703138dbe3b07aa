"""Benchmark: `clausier build` on synthetic repositories of 1, 100 and 1,000 agreements.

Not a test. Run with `make bench` (or `.venv/bin/python benchmarks/build_scale.py 100 1000`).

Each repository holds the project's real clausier.yml, templates and clauses, and agreements
made from the real example agreements with other client names, amounts, dates and optional
clauses (a tenth of them use the consulting template, so editing one consulting clause touches
about a tenth). For each size it times, with the real `clausier` command:

- a cold build to PDF (documents per second, peak memory of the whole process tree);
- a no-op rebuild (median of three);
- a rebuild after editing one agreement (median of three, each editing another agreement);
- a rebuild after editing one clause used by about a tenth of the agreements;
- and once, a rebuild after editing one agreement when the library holds five times the project's
  clauses (200: copies no agreement uses), since a team's library may hold hundreds;

and, in the same run and on the same documents, the naive route: one pandoc process and one
Typst compile per document, sequentially (`render_outputs`, the single route); for more than
100 agreements it is timed on the first 100 and extrapolated, which the table says.

Prints a table and writes build/bench/build.json. The machine's other load adds noise, and a
shared virtual machine's own speed drifts: a speed index (one Typst compile's CPU time) is
printed at the start, before each size and at the end; run it twice before quoting a figure.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

from clausier.fast import allocator

PROJECT = Path(__file__).resolve().parents[1]
CLAUSIER = str(Path(sys.executable).parent / "clausier")
SIZES = [1, 100, 1000]
NAIVE_SAMPLE = 100
EDITED_CLAUSE = "consulting-independence"  # used by the consulting template only
# template of agreement i: by i % 20 (8 general, 5 after-sales, 5 artist, 2 consulting in 20)
TEMPLATE_CYCLE = ["general-services"] * 8 + ["after-sales"] * 5 + ["artist-services"] * 5 + ["consulting"] * 2
NAMES = ["Atelier Bellecour", "Harbour & Pike", "Maison Quintal", "Northwind Labs", "Brasserie du Rhône",
         "Alpenglow Instruments", "Théâtre des Pentes", "Studio Meridian", "Coopérative Sauvage", "Kestrel Analytics",
         "Librairie du Parc", "Fjordline Freight", "Vignobles Arnaud", "Copper Kettle Foods", "Galerie Ostraka"]
FACTORS = [0.5, 0.75, 1, 1.25, 1.5, 2]


# ---------------------------------------------------------------- the synthetic repository


def _bases() -> dict[str, list[tuple[dict, str]]]:
    bases: dict[str, list[tuple[dict, str]]] = {}
    for path in sorted((PROJECT / "agreements").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        _, front, body = text.split("---\n", 2)
        data = yaml.safe_load(front)
        bases.setdefault(data["template"], []).append((data, body))
    return bases


def _optional(template: str) -> list[str]:
    text = (PROJECT / "templates" / f"{template}.md.j2").read_text(encoding="utf-8")
    meta = yaml.safe_load(text.split("---\n", 2)[1])
    return [c["id"] for c in meta["clauses"] if isinstance(c, dict) and c.get("optional")]


def _shift(value, days: int):
    if isinstance(value, dict):  # PyYAML reads the key `on:` (YAML 1.1) as True: give it back its name
        return {("on" if k is True else k): _shift(v, days) for k, v in value.items()}
    if isinstance(value, list):
        return [_shift(v, days) for v in value]
    if isinstance(value, dt.date):
        return value + dt.timedelta(days=days)
    return value


def make_agreement(number: int, bases, optional) -> tuple[str, str]:
    template = TEMPLATE_CYCLE[number % len(TEMPLATE_CYCLE)]
    base, body = bases[template][(number // len(TEMPLATE_CYCLE)) % len(bases[template])]
    data = copy.deepcopy(_shift(base, (number * 3) % 365))
    ident = f"2027-{number:05d}-{template}"
    data.pop("id", None)
    data["reference"] = f"2027-{number:05d}"
    data["client"]["name"] = f"{NAMES[number % len(NAMES)]} {number}"
    factor = FACTORS[number % len(FACTORS)]
    data["fees"]["amount"] = int(round(float(data["fees"]["amount"]) * factor / 10) * 10) or 10
    for item in data.get("schedule", []):
        if "amount" in item:  # fixed instalments keep adding up to the price
            item.pop("amount")
            item["percent"] = round(100 / len(data["schedule"]), 2)
    if data.get("schedule") and any("percent" in i for i in data["schedule"]):
        shares = [i.get("percent", 0) for i in data["schedule"]]
        data["schedule"][-1]["percent"] = round(100 - sum(shares[:-1]), 2)
    choices = data.setdefault("clauses", {}) or {}
    data["clauses"] = choices
    touched = set((choices.get("parameters") or {})) | set((choices.get("variants") or {}))
    omit = [c for c in optional[template] if c not in touched and (number >> optional[template].index(c)) % 2]
    if omit:
        choices["omit"] = omit
    else:
        choices.pop("omit", None)
    front = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
    return ident, f"---\n{front}---\n{body}"


def make_repository(root: Path, count: int) -> None:
    for name in ("clausier.yml",):
        shutil.copy(PROJECT / name, root / name)
    shutil.copytree(PROJECT / "templates", root / "templates")
    shutil.copytree(PROJECT / "clauses", root / "clauses")
    (root / "agreements").mkdir()
    bases = _bases()
    optional = {t: _optional(t) for t in bases}
    for number in range(count):
        ident, text = make_agreement(number, bases, optional)
        (root / "agreements" / f"{ident}.md").write_text(text, encoding="utf-8")


def widen_library(root: Path, copies: int) -> int:
    """Every clause `copies` times over, the copies under other names and used by no agreement: a
    library the size of a large team's (a one-agreement rebuild should not grow with it).
    Returns how many clauses the library then holds."""
    folders = sorted(p for p in (root / "clauses").iterdir() if p.is_dir())
    for folder in folders:
        for number in range(1, copies):
            shutil.copytree(folder, root / "clauses" / f"{folder.name}-copy{number}")
    return len(folders) * copies


# ---------------------------------------------------------------- measuring


class TreeMemory:
    """Peak memory of a process and all its descendants, sampled from /proc: RSS summed, and PSS
    (shared pages counted once between the processes sharing them).

    Cheaply, since the sampler shares the machine with what it measures: RSS comes from
    /proc/PID/statm (a counter) every `interval`; PSS needs /proc/PID/smaps_rollup, which walks
    every mapping (some 20 ms of CPU for a build's five processes: at every tenth of a second,
    a tenth of a two-core machine, and it holds each process's memory map lock meanwhile). So
    PSS is read only after the RSS sum reached a new high: at once if it grew by a twentieth since
    the last reading, else at most every `pss_interval` (PSS is never above RSS, and a build's
    memory climbs in its first seconds, then stays level: some sixty readings in all). The process tree is listed
    again every `tree_interval` (workers are replaced now and then)."""

    def __init__(self, pid: int, interval: float = 0.1, pss_interval: float = 1.0, tree_interval: float = 0.5):
        self.pid, self.interval, self.pss_interval, self.tree_interval = pid, interval, pss_interval, tree_interval
        self.peak_pss = self.peak_rss = 0
        self._page = os.sysconf("SC_PAGE_SIZE")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _tree(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
        tree, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo.extend(children.get(pid, []))
        return tree

    def _rss(self, pids: list[int]) -> int:
        total = 0
        for pid in pids:
            try:
                total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * self._page
            except (OSError, IndexError, ValueError):
                continue
        return total

    def _pss(self, pids: list[int]) -> int:
        total = 0
        for pid in pids:
            try:
                for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
            except OSError:
                continue
        return total

    def _run(self) -> None:
        tree, listed, last_pss, rss_at_pss, pss_due = [], 0.0, 0.0, 0, False
        while not self._stop.is_set():
            now = time.monotonic()
            if now - listed >= self.tree_interval:
                tree, listed = self._tree(), now
            rss = self._rss(tree)
            if rss > self.peak_rss:
                self.peak_rss, pss_due = rss, True
            # At once when memory grew by a twentieth since the last reading (a build's first
            # seconds), else at most every pss_interval.
            if pss_due and (rss > rss_at_pss * 1.05 or now - last_pss >= self.pss_interval):
                self.peak_pss = max(self.peak_pss, self._pss(tree))
                last_pss, rss_at_pss, pss_due = now, rss, False
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_clausier(root: Path, *args: str, memory: bool = False) -> dict:
    """One `clausier build`, timed end to end; `memory`: sample its process tree's memory too (the
    cold build only: even a cheap sampler takes a little CPU from what it measures)."""
    cpu = _children_cpu()
    start = time.perf_counter()
    process = subprocess.Popen([CLAUSIER, "--root", str(root), "build", "--quiet", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=root)
    sampler = TreeMemory(process.pid) if memory else None
    out, errors = process.communicate()
    seconds = time.perf_counter() - start
    if sampler is not None:
        sampler.stop()
    summary = (errors.strip().splitlines() or [""])[-1]
    if process.returncode != 0:
        print(errors, file=sys.stderr)
    row = {"seconds": round(seconds, 3), "cpu_seconds": round(_children_cpu() - cpu, 2),
           "summary": summary, "exit": process.returncode}
    if sampler is not None:
        row.update(peak_pss_mb=round(sampler.peak_pss / 2**20), peak_rss_sum_mb=round(sampler.peak_rss / 2**20))
    return row


NAIVE = """
import sys, time
from pathlib import Path
from clausier.pipeline import render_outputs
from clausier.repository import agreement_paths, load_agreement, load_repository
root, count = Path(sys.argv[1]), int(sys.argv[2])
start = time.perf_counter()
repo = load_repository(root)
for path in agreement_paths(repo)[:count]:
    render_outputs(repo, load_agreement(repo, path), ["pdf"])
print(time.perf_counter() - start)
"""


def naive_route(root: Path, count: int) -> float:
    """One pandoc process and one fresh Typst compile per document, one after another
    (load and assembly included, as in a build)."""
    done = subprocess.run([sys.executable, "-c", NAIVE, str(root), str(count)], capture_output=True, text=True,
                          check=True)
    return float(done.stdout.strip())


SPEED = """
import statistics, sys, tempfile, time
from pathlib import Path
import typst
from clausier.pipeline import render_settings
from clausier.assemble import assemble
from clausier.render import (_pandoc, prepare_typst_folder, split_header, typst_inputs, typst_options, TYPST_STYLE,
                             write_typst_settings)
from clausier.repository import agreement_paths, load_agreement, load_repository
repo = load_repository(Path(sys.argv[1]))
agreement = load_agreement(repo, agreement_paths(repo)[0])
assembled = assemble(repo, agreement)
settings = render_settings(repo, agreement, assembled)
with tempfile.TemporaryDirectory() as scratch:
    work = Path(scratch)
    prepare_typst_folder(work, settings.root, settings.logo)
    (work / "doc.md").write_text(split_header(assembled.markdown), encoding="utf-8")
    _pandoc(["-t", "typst", "--standalone", "-V", f"template={TYPST_STYLE}", *settings.metadata_args(),
             "-o", str(work / "main.typ")], work / "doc.md", "doc")
    write_typst_settings(work, typst_inputs(settings))
    times = []
    for _ in range(7):
        start = time.process_time()
        typst.compile(str(work / "main.typ"), sys_inputs=typst_inputs(settings), timestamp=0, **typst_options(work))
        times.append(time.process_time() - start)
print(round(1000 * statistics.median(times)))
"""


def speed_index() -> int:
    """The machine's speed while the benchmark runs: milliseconds of CPU for one Typst compile of
    the first example agreement (median of 7). A shared virtual machine's speed drifts by half
    and more over an hour; every figure above scales with this one."""
    done = subprocess.run([sys.executable, "-c", SPEED, str(PROJECT)], capture_output=True, text=True, check=True)
    return int(done.stdout.strip())


def pages_per_document(root: Path, sample: int = 20) -> float:
    """Mean page count of the first built PDFs: the work per document (Typst's time grows with it)."""
    from pypdf import PdfReader

    pdfs = sorted((root / "build").glob("*/*.pdf"))[:sample]
    return round(sum(len(PdfReader(pdf).pages) for pdf in pdfs) / max(len(pdfs), 1), 1)


def edit_agreement(root: Path, number: int = 0) -> None:
    path = sorted((root / "agreements").glob("*.md"))[number]
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("name: ", "name: Nouvelle ", 1), encoding="utf-8")


def edit_clause(root: Path) -> None:
    path = root / "clauses" / EDITED_CLAUSE / "fr.md"
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + " Le présent article est d'application stricte.\n",
                    encoding="utf-8")


REPEAT = 3  # the no-op and the one-agreement edit: short runs, the most exposed to the machine's noise
LARGE_LIBRARY_AGREEMENTS, LARGE_LIBRARY_COPIES = 100, 5  # the large-library run: 100 agreements, 5 × the clauses


def _median_run(root: Path, change) -> dict:
    """`change(n)` then a build, REPEAT times: the run of median time, with every time beside it."""
    runs = []
    for number in range(REPEAT):
        change(number)
        runs.append(run_clausier(root, "--to", "pdf"))
    runs.sort(key=lambda r: r["seconds"])
    return {**runs[len(runs) // 2], "all_seconds": [r["seconds"] for r in runs]}


def measure(count: int) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"clausier-build-bench-{count}-") as scratch:
        root = Path(scratch)
        make_repository(root, count)
        users = sum(1 for p in (root / "agreements").glob("*.md") if "-consulting" in p.name)
        row: dict = {"agreements": count, "users_of_edited_clause": users, "speed_index_ms": speed_index(),
                     "cold_allocator": allocator_for(count)}
        row["cold"] = run_clausier(root, "--to", "pdf", memory=True)
        row["pages_per_doc"] = pages_per_document(root)
        row["noop"] = _median_run(root, lambda _: None)
        row["one_agreement_edited"] = _median_run(root, lambda n: edit_agreement(root, n % count))
        edit_clause(root)
        row["one_clause_edited"] = run_clausier(root, "--to", "pdf")
        sample = min(count, NAIVE_SAMPLE)
        seconds = naive_route(root, sample)
        row["naive"] = {"sampled": sample, "seconds_sampled": round(seconds, 2),
                        "seconds": round(seconds * count / sample, 2), "extrapolated": sample < count}
        row["docs_per_second"] = round(count / row["cold"]["seconds"], 2)
        row["cpu_seconds_per_doc"] = round(row["cold"]["cpu_seconds"] / count, 3)
        row["naive_docs_per_second"] = round(count / row["naive"]["seconds"], 2)
        row["speedup_vs_naive"] = round(row["naive"]["seconds"] / row["cold"]["seconds"], 2)
        return row


def measure_large_library(count: int = LARGE_LIBRARY_AGREEMENTS, copies: int = LARGE_LIBRARY_COPIES) -> dict:
    """One agreement edited (median of REPEAT) in a repository whose library is `copies` times the
    project's: what a team with hundreds of clauses waits for."""
    with tempfile.TemporaryDirectory(prefix="clausier-build-bench-library-") as scratch:
        root = Path(scratch)
        make_repository(root, count)
        row: dict = {"agreements": count, "clauses": widen_library(root, copies), "speed_index_ms": speed_index()}
        row["cold"] = run_clausier(root, "--to", "pdf")
        row["one_agreement_edited"] = _median_run(root, lambda n: edit_agreement(root, n % count))
        return row


def allocator_for(count: int) -> str:
    """The allocator `clausier build` runs a cold build of `count` agreements with (fast/allocator.py)."""
    library = allocator.wanted(count)
    return f"jemalloc ({library})" if library is not None else "glibc malloc"


def main(sizes: list[int]) -> None:
    rows = []
    header = (f"{'agreements':>10} {'pages':>6} {'cold s':>8} {'docs/s':>7} {'naive s':>9} {'×naive':>7} {'no-op s':>8} "
              f"{'1 agr. s':>8} {'1 clause s':>10} {'rebuilt':>8} {'peak MB':>8} {'speed':>6}")
    print(f"cpus: {os.cpu_count()}, python {platform.python_version()}")
    print(f"allocator of a cold build of {allocator.MIN_AGREEMENTS} agreements or more: "
          f"{allocator_for(allocator.MIN_AGREEMENTS)}")
    speed = [speed_index()]
    print(f"speed index (CPU ms for one Typst compile of a 14-page example contract): {speed[0]}")
    print(header)
    for count in sizes:
        row = measure(count)
        rows.append(row)
        naive = f"{row['naive']['seconds']:.1f}" + ("*" if row["naive"]["extrapolated"] else "")
        print(f"{count:>10} {row['pages_per_doc']:>6} {row['cold']['seconds']:>8.2f} {row['docs_per_second']:>7.2f} {naive:>9} "
              f"{row['speedup_vs_naive']:>7.2f} {row['noop']['seconds']:>8.2f} "
              f"{row['one_agreement_edited']['seconds']:>8.2f} {row['one_clause_edited']['seconds']:>10.2f} "
              f"{row['one_clause_edited']['summary'].split(',')[0].replace('built ', ''):>8} "
              f"{row['cold']['peak_pss_mb']:>8} {row['speed_index_ms']:>6}", flush=True)
        for key in ("cold", "noop", "one_agreement_edited", "one_clause_edited"):
            if row[key]["exit"] != 0:
                print(f"  {key}: exit {row[key]['exit']}: {row[key]['summary']}")
    large = measure_large_library()
    edited = large["one_agreement_edited"]
    print(f"library of {large['clauses']} clauses ({large['agreements']} agreements): one agreement edited "
          f"{edited['seconds']:.2f} s (median of {REPEAT}: {', '.join(f'{t:.2f}' for t in edited['all_seconds'])}; "
          f"speed {large['speed_index_ms']})")
    for key in ("cold", "one_agreement_edited"):
        if large[key]["exit"] != 0:
            print(f"  large library, {key}: exit {large[key]['exit']}: {large[key]['summary']}")
    speed.append(speed_index())
    print(f"speed index at the end: {speed[1]} ms")
    if any(r["naive"]["extrapolated"] for r in rows):
        print(f"* naive route timed on the first {NAIVE_SAMPLE} agreements and extrapolated")
    print("pages: mean pages per PDF; peak MB: the cold build's whole process tree (PSS: shared pages counted once); "
          "rebuilt: agreements rebuilt after the clause edit; no-op and 1 agr.: median of "
          f"{REPEAT} runs (each edit to another agreement); speed: the speed index before that size")
    for row in rows:
        print(f"{row['agreements']:>5} agreements: cold build {row['cold']['cpu_seconds']:.1f} s of CPU "
              f"({row['cpu_seconds_per_doc']:.3f} s per document), peak RSS summed "
              f"{row['cold']['peak_rss_sum_mb']} MB; clause edit: {row['one_clause_edited']['summary']}")
    target = PROJECT / "build" / "bench" / "build.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({"cpus": os.cpu_count(), "python": platform.python_version(),
                                  "speed_index_ms": speed, "sizes": rows, "large_library": large},
                                 indent=2) + "\n", encoding="utf-8")
    print(f"written {target.relative_to(PROJECT)}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or SIZES)
