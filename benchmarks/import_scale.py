"""Benchmark: `clausier import` of a generated 50-page Word contract (issue 23: under 5 s).

Not a test. Run with `make bench` (or `.venv/bin/python benchmarks/import_scale.py [pages]`).
The contract is written with python-docx: a cover table of key terms, then sections typed as
"N.\tTitle" with sub-clauses "N.M.\t…", (a)/(b) items, references to other sections, a table
and placeholders ([Customer Name], [30] days, $[●], ______), the signature block and two
schedules, repeated until it has about 500 words a page. It is imported into a fresh
repository (`clausier init`), three times; prints the median and writes build/bench/import.json.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from docx import Document

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT / "scripts"))
WORDS_A_PAGE = 500
SENTENCE = ("The Provider performs the services with care and informs [Customer Name] of any difficulty "
            "that may delay them, as set out in Section {other}.2(a).")


def write_contract(path: Path, pages: int) -> int:
    """The .docx; its number of words."""
    document = Document()
    document.add_paragraph("Master Services Agreement", style="Title")
    cover = document.add_table(rows=4, cols=2)
    for row, (label, value) in enumerate([("Customer", "[Customer Name]"), ("Effective Date", "[date]"),
                                          ("Governing Law", "California"), ("Support", "☒ Standard ☐ Premium")]):
        cover.cell(row, 0).text, cover.cell(row, 1).text = label, value
    document.add_paragraph("This agreement is made between the Provider and [Customer Name].")
    words, section = 0, 0
    while words < pages * WORDS_A_PAGE:
        section += 1
        other = max(1, section - 1)
        document.add_paragraph(f"{section}.\tObligations {section}")
        for sub in range(1, 4):
            text = f"{section}.{sub}.\t" + " ".join([SENTENCE.format(other=other)] * 3)
            document.add_paragraph(text)
            words += len(text.split())
        document.add_paragraph("(a)\tpay the fee of $[●] within [30] days of each invoice; and")
        document.add_paragraph("(b)\tnotify any defect on ______ at the latest.")
        if section % 5 == 0:
            table = document.add_table(rows=3, cols=2)
            for row in range(3):
                table.cell(row, 0).text, table.cell(row, 1).text = f"Level {row}", f"{row + 1} hours"
        words += 30
    document.add_paragraph("Signatures")
    document.add_paragraph("Signed by both parties on ____________.")
    for mark in "AB":
        document.add_paragraph(f"Schedule {mark} — Service Levels {mark}")
        document.add_paragraph("1.\tAvailability")
        document.add_paragraph("1.1.\tThe service is available 99.5 % of each month.")
        document.add_paragraph("2.\tCredits")
        document.add_paragraph("2.1.\tA missed level gives a credit of EUR [●].")
    document.save(path)
    return words


def main(pages: int = 50, rounds: int = 3) -> None:
    from clausier.importer import import_contract
    from clausier.init import init_repository

    with tempfile.TemporaryDirectory(prefix="clausier-bench-import-") as work:
        source = Path(work) / "contract.docx"
        words = write_contract(source, pages)
        times = []
        for n in range(rounds):
            root = Path(work) / f"repo{n}"
            init_repository(root, ("en",))
            start = time.perf_counter()
            done = import_contract(root, source, "msa", language="en")
            times.append(time.perf_counter() - start)
        clauses = sum(1 for path in done.written if path.endswith("/en.md"))
        terms = done.report.count("\n- `") - clauses
    median = statistics.median(times)
    print(f"import of a {pages}-page contract ({words} words, {clauses} clauses, about {terms} key terms): "
          f"median of {rounds} {median:.2f} s (each: {', '.join(f'{t:.2f}' for t in times)}); target < 5 s")
    out = PROJECT / "build" / "bench" / "import.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"pages": pages, "words": words, "clauses": clauses, "seconds": times,
                               "median": median}, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
