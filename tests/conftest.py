"""Shared fixtures: a small but real repository built in tmp_path.

The mini library copies the project's real frame (_base template, parties,
signatures, styles) and adds a few short clauses, so end-to-end tests run the
real pipeline on content they control.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]

# Worker faults for the tests (kill, sleep, alloc, await-templates) come from outside the shipped
# code: tests/faults/sitecustomize.py, imported here and at start-up by every process the tests
# start (it is on their PYTHONPATH), wraps clausier.fast's modules as they load.
FAULTS_DIR = Path(__file__).resolve().parent / "faults"
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(FAULTS_DIR), os.environ.get("PYTHONPATH")]))
sys.path.insert(0, str(FAULTS_DIR))
import sitecustomize as worker_faults  # noqa: E402  (installs the import hook in this process)

FAULTS = worker_faults.FAULTS


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


GUIDANCE = """
guidance:
  when: Always.
  negotiation: Little.
  risks: Some.
"""

MINI_CLAUSES = {
    "purpose": (
        "category: scope\nversion: 1.0.0\n",
        "Objet", "Le présent contrat définit les prestations que le Prestataire réalise pour le Client, "
        "décrites à l'article {{ ref(\"fees\") }} et résiliables selon l'article {{ ref(\"termination\") }}.\n",
        "Purpose", "This agreement sets out the services the Provider performs for the Client, priced under "
        "Clause {{ ref(\"fees\") }} and terminable under Clause {{ ref(\"termination\") }}.\n",
    ),
    "fees": (
        "category: fees\nversion: 1.2.0\n",
        "Prix", "## Prix forfaitaire\n\nLe prix est de {{ fees.amount|money }} hors taxes, soit "
        "{{ fees.amount|words }}.\n\n## Échéancier\n\n| Échéance | Part | Montant |\n|:--|--:|--:|\n"
        "{% for s in schedule %}\n| {{ s.when }} | {{ s.percent|percent }} | {{ s.amount|money }} |\n{% endfor %}\n",
        "Fees", "## Fixed price\n\nThe price is {{ fees.amount|money }} excluding tax, that is "
        "{{ fees.amount|words }}.\n\n## Schedule\n\n| Instalment | Share | Amount |\n|:--|--:|--:|\n"
        "{% for s in schedule %}\n| {{ s.when }} | {{ s.percent|percent }} | {{ s.amount|money }} |\n{% endfor %}\n",
    ),
    "termination": (
        "category: termination\nversion: 1.0.0\nparameters:\n  cure_days:\n    type: int\n    default: 30\n"
        "    min: 8\n    max: 90\n    label: {fr: Délai, en: Cure period}\n",
        "Résiliation", "##\n\nEn cas de manquement, la Partie lésée peut résilier après une mise en demeure "
        "restée sans effet pendant {{ params.cure_days }} jours.\n\n##\n\nLes articles survivent.\n",
        "Termination", "##\n\nIf a Party is in breach, the other may terminate after a notice left unremedied "
        "for {{ params.cure_days }} days.\n\n##\n\nThe clauses survive.\n",
    ),
    "liability": (
        "category: liability\nversion: 2.0.0\nvariants:\n  fallback-1:\n    approval: Direction juridique\n"
        "    label: {fr: Plafond doublé, en: Doubled cap}\n",
        "Responsabilité", "La responsabilité du Prestataire est plafonnée au prix payé.\n",
        "Liability", "The Provider's liability is capped at the price paid.\n",
    ),
    "non-solicitation": (
        "category: non-solicitation\nversion: 1.0.0\n",
        "Non-sollicitation", "Aucune Partie ne débauche le personnel de l'autre.\n",
        "Non-solicitation", "Neither Party hires the other's staff.\n",
    ),
}
VARIANT_TEXT = {
    ("liability", "fallback-1", "fr"): ("Responsabilité", "La responsabilité du Prestataire est plafonnée au double du prix.\n"),
    ("liability", "fallback-1", "en"): ("Liability", "The Provider's liability is capped at twice the price.\n"),
}

MINI_TEMPLATE = """
---
title: {fr: Contrat de prestation de services, en: Services Agreement}
description: {fr: Petit modèle de test., en: Small test template.}
requires: [parties, scope, fees, termination]
preamble: [parties]
clauses:
  - purpose
  - fees
  - liability
  - {id: non-solicitation, optional: true}
  - termination
  - special-conditions
closing: [signatures]
---
{% extends "_base.md.j2" %}
"""

AGREEMENT_FR = """
---
template: mini
language: fr
status: draft
client:
  name: Atelier Lumière SARL
  form: SARL
  registration: {siren: "791358245", rcs: Lyon, vat: FR38791358245}
  address: 12 rue des Lilas, 69003 Lyon
  representative: {name: Claire Martin, title: Gérante}
  email: claire.martin@example.fr
effective_date: 2026-12-01
term: {end: 2027-05-31}
services:
  deliverables: [Site vitrine de 8 pages]
  exclusions: [Rédaction des contenus]
fees: {model: fixed, amount: 12000, currency: EUR}
schedule:
  - {when: À la signature, percent: 30}
  - {when: Livraison de la maquette, percent: 40}
  - {when: Mise en ligne, percent: 30}
signature: {place: Lyon, date: 2026-12-01}
---
Le Prestataire assure une formation d'une demi-journée.
"""


def make_repo(root: Path) -> Path:
    """Write the mini repository into `root` and return it."""
    shutil.copytree(PROJECT / "templates" / "styles", root / "templates" / "styles")
    shutil.copy(PROJECT / "templates" / "_base.md.j2", root / "templates" / "_base.md.j2")
    for clause in ("parties", "signatures"):
        shutil.copytree(PROJECT / "clauses" / clause, root / "clauses" / clause)
    shutil.copy(PROJECT / "clausier.yml", root / "clausier.yml")
    for clause_id, (meta, fr_title, fr_body, en_title, en_body) in MINI_CLAUSES.items():
        write(root, f"clauses/{clause_id}/clause.yml", meta)
        for lang, title, body in (("fr", fr_title, fr_body), ("en", en_title, en_body)):
            front = f"---\ntitle: {title}\nsummary: {title}.{GUIDANCE}---\n"
            (root / f"clauses/{clause_id}/{lang}.md").write_text(front + body, encoding="utf-8")
    for (clause_id, variant, lang), (title, body) in VARIANT_TEXT.items():
        front = f"---\ntitle: {title}\nsummary: {title}.{GUIDANCE}---\n"
        (root / f"clauses/{clause_id}/{variant}.{lang}.md").write_text(front + body, encoding="utf-8")
    write(root, "templates/mini.md.j2", MINI_TEMPLATE)
    write(root, "agreements/acme-fr.md", AGREEMENT_FR)
    return root


def many_agreements(repo: Path, count: int) -> Path:
    """The example agreement and `count - 1` copies for other clients, every other one in English."""
    text = (repo / "agreements/acme-fr.md").read_text()
    for number in range(1, count):
        language = "en" if number % 2 else "fr"
        write(repo, f"agreements/client-{number:02d}.md",
              text.replace("Atelier Lumière SARL", f"Client {number} SAS").replace("language: fr", f"language: {language}")
              .replace("amount: 12000", f"amount: {12000 + 500 * number}"))
    return repo


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


def run_importing_none(code: str, forbidden: tuple[str, ...], *args: str) -> subprocess.CompletedProcess:
    """Run `code` in a fresh Python (sys imported, argv after it); fail if it ran into an error
    or imported any module of `forbidden` (what a fast path must not pay for)."""
    script = f"import sys\n{code}\nheavy = [m for m in {forbidden!r} if m in sys.modules]\nassert not heavy, heavy\n"
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done



def built_then_edited(repo: Path, formats: list[str]) -> Path:
    """The example agreement built, then its client renamed: one agreement for a lone rebuild."""
    from clausier.build import build

    assert build(repo, formats=formats).ok
    path = repo / "agreements/acme-fr.md"
    path.write_text(path.read_text().replace("Atelier Lumière SARL", "Atelier Lumière SAS"))
    return path


def assert_rebuilt_as_one_by_one(repo: Path, path: Path, formats: list[str]) -> None:
    """The edited agreement's outputs (the new name in them) are the one-by-one route's bytes,
    every template compiled here."""
    from clausier.pipeline import render_outputs
    from clausier.repository import load_agreement, load_repository

    outputs = {fmt: (repo / f"build/acme-fr/acme-fr.{fmt}").read_bytes() for fmt in formats}
    assert b"Atelier Lumi\xc3\xa8re SAS" in outputs["md"]
    library = load_repository(repo)
    assert render_outputs(library, load_agreement(library, path), formats)[1] == outputs


@pytest.fixture(autouse=True, scope="session")
def _cache_key_outside_home(tmp_path_factory):
    """Builds authenticate build/_cache with the user's cache key (cachekey.py): the tests use a
    key of their own (subprocesses inherit it), never one in the real home."""
    import os

    os.environ["CLAUSIER_CACHE_KEY"] = str(tmp_path_factory.mktemp("cache-key") / "cache.key")


def pytest_sessionfinish(session, exitstatus):
    """In CI (CI=true, as .ci/run sets it) a skipped test is a failure: every tool a test skips
    without (Chromium, LibreOffice, SoftHSM2) is installed by .ci/run, so a skip there means a
    check silently not done. Locally a skip only says what to install. (No tests at all is
    pytest's exit 5, which fails `make test` by itself.)"""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter is not None else 0
    if os.environ.get("CI") == "true" and skipped and exitstatus == 0:
        if reporter is not None:
            reporter.write_line(f"error: {skipped} test(s) skipped in CI: install what they name (see .ci/run)",
                                red=True)
        session.exitstatus = 1
