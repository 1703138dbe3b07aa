"""`check` renders everything the handbook will: every clause, every variant, in every language,
for a business and a consumer client, with the handbook's specimen data (lint rule `renders`).

Each row plants one broken clause where the example agreement does not look (an English text,
a variant, the consumer path, a clause no agreement uses). For each, `clausier check` reports it
at the clause file and line, and `mkdocs build` fails with that same one-line
`path:line:col: error:` message, never a traceback: the handbook never finds an error `check`
missed.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from clausier.errors import ContentError
from clausier.handbook.pages import clause_page, specimen_sessions
from clausier.repository import load_repository
from conftest import write
from sitebuild import add_handbook, mkdocs_build

CLAUSIER = str(Path(sys.executable).parent / "clausier")

EXTRA_CLAUSE = """
---
title: {title}
summary: {title}.
guidance:
  when: Always.
  negotiation: Little.
  risks: Some.
---
Les Parties coopèrent de bonne foi.
"""

# (case, file, text replaced, broken text, the words of the error, the text on the line reported)
CASES = [
    ("a '#' heading in an English text", "clauses/liability/en.md", "The Provider's liability",
     "# Cap\n\nThe Provider's liability", "a '#' heading is reserved for article titles", "# Cap"),
    ("a Jinja error on the consumer path only", "clauses/non-solicitation/en.md", "Neither Party",
     "{% if client.kind == \"consumer\" %}{{ client.name|money }}{% endif %}Neither Party",
     "error:", "client.kind"),
    ("an undefined variable in a variant only", "clauses/liability/fallback-1.en.md", "twice the price.",
     "twice the price, that is {{ cap_multiplier }} times.", "undefined variable", "cap_multiplier"),
    ("an image in a clause no agreement uses", "clauses/cooperation/fr.md", "coopèrent",
     "coopèrent ![logo](logo.png)", "images", "![logo]"),
    ("a javascript: link in an English text", "clauses/purpose/en.md", "sets out the services",
     "sets out the [services](javascript:alert(1))", "javascript:alert(1)", "javascript:"),
    ("a hidden character printed by Jinja", "clauses/termination/en.md", "If a Party",
     "If a {{ \"%c\"|format(8238) }}Party", "U+202E RIGHT-TO-LEFT OVERRIDE", "format(8238)"),
    ("over the rendering budget in English only", "clauses/fees/en.md", "The price is",
     "{% for i in range(2000000) %}{% endfor %}The price is", "over the rendering budget", "range(2000000)"),
    ("a TeX command in a variant only (literals.py)", "clauses/liability/fallback-1.fr.md", "au double du prix.",
     "au double du prix. \\newpage", "TeX command", "newpage"),
    ("a '#' heading on the consumer path only", "clauses/cooperation/en.md", "Les Parties",
     "{% if client.kind == \"consumer\" %}\n# Consumers\n\n{% endif %}Les Parties",
     "a '#' heading is reserved for article titles", "# Consumers"),
]


def _broken_repo(repo: Path, case) -> tuple[Path, str, int]:
    """The mini repository with one more clause (used by no agreement), broken as `case` says;
    the file and the line the error belongs to."""
    _, path, old, new, _, marker = case
    write(repo, "clauses/cooperation/clause.yml", "category: general\nversion: 1.0.0\n")
    for language, title in (("fr", "Coopération"), ("en", "Cooperation")):
        write(repo, f"clauses/cooperation/{language}.md", EXTRA_CLAUSE.format(title=title))
    file = repo / path
    text = file.read_text()
    assert old in text
    text = text.replace(old, new, 1)
    file.write_text(text)
    line = next(n for n, l in enumerate(text.split("\n"), 1) if (marker or new.split("\n")[0]) in l)
    return repo, path, line


def _check(repo: Path) -> subprocess.CompletedProcess:
    return subprocess.run([CLAUSIER, "check", "--format", "github"], capture_output=True, text=True, cwd=repo)


def test_the_example_library_renders_everywhere(repo):
    write(repo, "clauses/cooperation/clause.yml", "category: general\nversion: 1.0.0\n")
    for language, title in (("fr", "Coopération"), ("en", "Cooperation")):
        write(repo, f"clauses/cooperation/{language}.md", EXTRA_CLAUSE.format(title=title))
    done = _check(repo)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_check_reports_at_the_clause_line_and_the_handbook_says_the_same_in_one_line(repo, tmp_path, case):
    root, path, line = _broken_repo(repo, case)
    words = case[4]
    done = _check(root)
    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(rf"file={re.escape(path)},line={line},col=\d+[^:]*::.*{re.escape(words)}", done.stdout), \
        done.stdout

    if "consumer" not in case[0]:  # the clause page alone (its specimen client is a business)
        library = load_repository(root)
        with pytest.raises(ContentError) as raised:
            clause_page(library, library.clauses[path.split("/")[1]], None, specimen_sessions(library))
        assert any(str(f).startswith(f"{path}:{line}:") and words in str(f) for f in raised.value.findings), \
            str(raised.value)

    add_handbook(root)
    site = mkdocs_build(root, tmp_path / "site")
    assert site.returncode != 0
    assert "Traceback" not in site.stderr, site.stderr
    assert re.search(rf"^{re.escape(path)}:{line}:\d+: error: .*{re.escape(words)}", site.stderr, re.M), site.stderr
