"""Benchmark: build the handbook for synthetic libraries of 250, 1,000 and 2,000 clauses.

Not a test. Run with `make bench` (or `.venv/bin/python benchmarks/handbook_scale.py 250 1000`).
Prints a table and writes build/bench/handbook.json: wall time and peak memory of
`mkdocs build` for each size, and the time per clause (which must stay flat: the
cost has to grow linearly with the library). The CPU time (user + system, of MkDocs
and the processes it waited for: the page worker, pandoc) tells a slow run on a busy
machine from a slow build: on an idle machine the wall time is below it, as the page
worker uses the second core. Peak memory is that of the largest single process.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
MKDOCS = str(Path(sys.executable).parent / "mkdocs")
CATEGORIES = ["scope", "fees", "payment", "duration", "obligations", "confidentiality", "ip", "warranties",
              "liability", "insurance", "termination", "disputes", "general"]
WORDS_FR = "le prestataire exécute les prestations avec soin et informe le client de toute difficulté".split()
WORDS_EN = "the provider performs the services with care and informs the client of any difficulty".split()


def _clause(root: Path, number: int) -> None:
    folder = root / "clauses" / f"synthetic-{number:05d}"
    folder.mkdir(parents=True)
    category = CATEGORIES[number % len(CATEGORIES)]
    variant = number % 10 == 0
    meta = [f"category: {category}", "version: 1.0.0", "parameters:", "  days:", "    type: int",
            f"    default: {10 + number % 20}", "    min: 1", "    max: 90", "    label: {fr: Délai, en: Period}"]
    if variant:
        meta += ["variants:", "  fallback-1:", "    approval: Direction juridique",
                 "    label: {fr: Délai long, en: Long period}"]
    (folder / "clause.yml").write_text("\n".join(meta) + "\n")
    for language, words, title in (("fr", WORDS_FR, "Clause synthétique"), ("en", WORDS_EN, "Synthetic clause")):
        sentence = " ".join(words[(number + i) % len(words)] for i in range(14))
        front = (f"---\ntitle: {title} {number}\nsummary: {sentence}.\nguidance:\n  when: {sentence}.\n"
                 f"  negotiation: {sentence}.\n  risks: {sentence}.\n---\n")
        body = f"## {title}\n\n{sentence.capitalize()} ({{{{ params.days }}}}).\n\n##\n\n{sentence.capitalize()}.\n"
        (folder / f"{language}.md").write_text(front + body)
        if variant:
            (folder / f"fallback-1.{language}.md").write_text(front + body.replace("(", "(+ "))


def make_library(root: Path, clauses: int) -> None:
    for name in ("clausier.yml", "mkdocs.yml"):
        shutil.copy(PROJECT / name, root / name)
    shutil.copytree(PROJECT / "docs", root / "docs")
    (root / "templates").mkdir()
    shutil.copytree(PROJECT / "templates" / "styles", root / "templates" / "styles")
    shutil.copy(PROJECT / "templates" / "_base.md.j2", root / "templates" / "_base.md.j2")
    for clause in ("parties", "signatures"):
        shutil.copytree(PROJECT / "clauses" / clause, root / "clauses" / clause)
    for number in range(clauses):
        _clause(root, number)
    listed = "\n".join(f"  - synthetic-{n:05d}" for n in range(min(clauses, 20)))
    (root / "templates" / "synthetic.md.j2").write_text(
        "---\ntitle: {fr: Contrat synthétique, en: Synthetic agreement}\n"
        "description: {fr: Modèle de mesure., en: Benchmark template.}\n"
        f"requires: [scope]\npreamble: [parties]\nclauses:\n{listed}\nclosing: [signatures]\n---\n"
        '{% extends "_base.md.j2" %}\n')


def measure(clauses: int) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"clausier-bench-{clauses}-") as scratch:
        root = Path(scratch)
        make_library(root, clauses)
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        before, cpu_before = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
        start = time.perf_counter()
        done = subprocess.run([MKDOCS, "build", "--strict", "-q", "-f", str(root / "mkdocs.yml"),
                               "-d", str(root / "site")], capture_output=True, text=True,
                              env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
        seconds = time.perf_counter() - start
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime - cpu_before
        if done.returncode != 0:
            raise SystemExit(f"mkdocs build failed for {clauses} clauses:\n{done.stderr[-3000:]}")
        pages = sum(1 for _ in (root / "site").rglob("index.html"))
    return {"clauses": clauses, "pages": pages, "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2),
            "ms_per_clause": round(1000 * seconds / clauses, 1),
            "peak_rss_mib": round(max(peak, before) / 1024, 1)}


def main(sizes: list[int]) -> None:
    results = []
    print(f"{'clauses':>8} {'pages':>6} {'seconds':>8} {'cpu s':>7} {'ms/clause':>10} {'peak MiB':>9}")
    for size in sizes:
        row = measure(size)
        results.append(row)
        print(f"{row['clauses']:>8} {row['pages']:>6} {row['seconds']:>8} {row['cpu_seconds']:>7} {row['ms_per_clause']:>10} "
              f"{row['peak_rss_mib']:>9}", flush=True)
    out = PROJECT / "build" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "handbook.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"written {out / 'handbook.json'}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [250, 1000, 2000])
