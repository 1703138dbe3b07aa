"""Nothing literal reaches a contract (issue 20, items 3 and 4): block tags never glue two blocks
together, markup left in the assembled text is an error at its clause line, and the special
conditions run in the same sandbox as clauses."""

from __future__ import annotations

import marshal
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from jinja2 import DictLoader, FunctionLoader

from clausier.assemble import assemble, open_session
from clausier.errors import ContentError
from clausier.literals import leftovers
from clausier.fast.precompiled_templates import PrecompiledTemplates, compile_ahead
from clausier.render import pandoc_path
from clausier.repository import load_agreement, load_repository
from clausier.sandbox import make_environment
from clausier.specimens import CLIENT_KINDS, specimen_agreement, usable_templates

PROJECT = Path(__file__).resolve().parents[1]
FEES = "clauses/fees/fr.md"
AGREEMENT = "agreements/acme-fr.md"


def _edit(repo: Path, relative: str, old: str, new: str) -> str:
    path = repo / relative
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return path.read_text()


def _assemble(repo: Path, agreement: str = AGREEMENT):
    loaded = load_repository(repo)
    return assemble(loaded, load_agreement(loaded, repo / agreement))


def _errors(repo: Path, agreement: str = AGREEMENT) -> list[str]:
    with pytest.raises(ContentError) as caught:
        _assemble(repo, agreement)
    return [str(f) for f in caught.value.findings]


def _line_of(text: str, needle: str) -> tuple[int, int]:
    for number, line in enumerate(text.split("\n"), start=1):
        if needle in line:
            return number, line.index(needle) + 1
    raise AssertionError(needle)


# ---------------------------------------------------------------- the cause: block tags and blank lines


@pytest.mark.parametrize("tagged", [
    "{% if true %} Ferme.{% endif %}\n\n## Échéancier",  # a tag ending a line of text (the after-sales case)
    "{% if true %} Ferme.{% endif -%}\n\n## Échéancier",  # `-%}` before a blank line
    "{% if true %} Ferme.{% endif %}{# note #}\n\n## Échéancier",  # a comment ending the line
    " Ferme.\n\n{%- if true %}\n## Échéancier\n{%- endif %}",  # `{%-` after a blank line
], ids=["endif-ends-a-line", "minus-before-blank", "comment-ends-a-line", "minus-after-blank"])
def test_a_block_tag_never_glues_a_heading_to_the_paragraph_before_it(repo, tagged):
    _edit(repo, FEES, "\n\n## Échéancier", "." + tagged if not tagged.startswith(" ") else "." + tagged)
    markdown = _assemble(repo).markdown
    assert "Ferme.\n\n## 2.2 Échéancier\n" in markdown


def test_lines_holding_only_tags_still_leave_nothing(repo):
    markdown = _assemble(repo).markdown
    # The schedule's `{% for %}` / `{% endfor %}` lines: the table rows stay together.
    assert "|:--|--:|--:|\n| À la signature |" in markdown


def test_templates_compiled_ahead_render_the_same_blank_lines():
    source = "Texte.{% if true %} Ferme.{% endif %}\n\n## Titre\n"
    name = "clauses/x/fr.md"
    cache = PrecompiledTemplates()
    for message in compile_ahead({name: source}):
        cache.codes.update(marshal.loads(zlib.decompress(message)))
    # Named as the repository's loader names them: the file name is the template name.
    env = make_environment(FunctionLoader(lambda n: (source, n, lambda: True)), bytecode_cache=cache)
    shown = env.get_template(name).render(lang="fr")
    assert cache.used == 1  # the code compiled ahead was the one used
    assert shown == make_environment(DictLoader({name: source})).get_template(name).render(lang="fr")
    assert shown == "Texte. Ferme.\n\n## Titre\n"


def test_every_clause_of_the_library_renders_without_leftovers():
    """Every clause × variant × language × client kind of clauses/, with the handbook's specimen data."""
    repo = load_repository(PROJECT)
    template = usable_templates(repo)[0]
    found, rendered = [], 0
    for language in ("fr", "en"):
        for kind in CLIENT_KINDS:
            session = open_session(repo, specimen_agreement(repo, template, language, list(repo.clauses), kind=kind))
            for clause_id, clause in sorted(repo.clauses.items()):
                for variant in clause.variants():
                    text = session.clause(clause_id, variant)
                    rendered += 1
                    found += [(clause_id, variant, language, kind, hit) for hit in leftovers(text)]
    assert rendered >= 4 * len(repo.clauses)
    assert not found, found[:5]


def test_the_after_sales_heading_is_a_heading(tmp_path):
    repo = load_repository(PROJECT)
    markdown = assemble(repo, load_agreement(repo, PROJECT / "agreements/2026-040-brasserie-des-canuts-maintenance.md")
                        ).markdown
    assert "suivante.\n\n## 5.2 Signalement des incidents\n" in markdown
    html = subprocess.run([pandoc_path(), "-f", "markdown", "-t", "html"], input=markdown, capture_output=True,
                          text=True, check=True).stdout
    assert "5.2 Signalement des incidents</h2>" in html
    assert "## 5.2" not in html


# ---------------------------------------------------------------- leftovers are errors at their place


LEFTOVERS = [
    ("heading-inside-a-line", "Le prix est", "Le prix ## Titre est", "## Titre"),
    ("heading-glued", "## Échéancier", "Suite collée.\n## Échéancier", "## Échéancier"),
    ("jinja-delimiter", "Le prix est", "Le prix {% raw %}{{ client.name }}{% endraw %} est", "{% raw %}"),
    ("html-tag", "Le prix est", "Le prix <b>ferme</b> est", "<b>"),
    ("tex-command", "Le prix est", "Le prix \\textbf{ferme} est", "\\textbf"),
    ("tex-newpage", "Le prix est", "Le prix\n\n\\newpage\n\nest", "\\newpage"),
    ("typst-code", "Le prix est", "Le prix #pagebreak() est", "#pagebreak"),
    ("typst-set", "Le prix est", "Le prix #set text(red) est", "#set"),
]


@pytest.mark.parametrize("kind, old, new, needle", LEFTOVERS, ids=[row[0] for row in LEFTOVERS])
def test_a_literal_leftover_is_an_error_naming_the_clause_line(repo, kind, old, new, needle):
    planted = _edit(repo, FEES, old, new)
    line, _ = _line_of(planted, needle)
    errors = _errors(repo)
    assert any(e.startswith(f"{FEES}:{line}:") and "would be printed as it is" in e for e in errors), errors


def test_legal_text_with_comparisons_and_numbers_is_not_a_leftover(repo):
    _edit(repo, FEES, "Le prix est", "Sous < 5 jours, si a <= b, pour la commande n° #4 (voir <https://exemple.fr>), "
          "le prix est")
    # Values are escaped into plain text (markdown.escape_text): printed as written, never refused.
    _edit(repo, AGREEMENT, "name: Atelier Lumière SARL", 'name: "Atelier {{Lumière}} <b>x</b> ## #set \\\\textbf SARL"')
    markdown = _assemble(repo).markdown
    assert "Sous < 5 jours" in markdown and "{#art-fees}" in markdown


def test_a_leftover_in_the_template_is_named_on_the_template(repo):
    planted = _edit(repo, "templates/_base.md.j2", "{% block closing %}", "<div>fin</div>\n\n{% block closing %}")
    line, _ = _line_of(planted, "<div>")
    errors = _errors(repo)
    assert any(e.startswith(f"templates/_base.md.j2:{line}:") for e in errors), errors


# ---------------------------------------------------------------- the special conditions


def test_the_special_conditions_get_ref_and_filters(repo):
    _edit(repo, AGREEMENT, "Le Prestataire assure une formation d'une demi-journée.",
          "Le Prestataire assure une formation (article {{ ref(\"termination\") }}), comprise dans les "
          "{{ fees.amount|money }}.")
    assembled = _assemble(repo)
    number = assembled.plan.find("termination").number
    assert f"(article [{number}](#art-termination))" in assembled.markdown
    assert "{{" not in assembled.markdown and "ref(" not in assembled.markdown
    assert "12 000,00 €" in assembled.markdown.replace("\u202f", " ").replace("\u00a0", " ")


@pytest.mark.parametrize("body, needle, message", [
    ("Premier.\n\nVoir {{ ref(\"nowhere\") }}.", "{{ ref(", "ref('nowhere')"),
    ("Premier.\n\n{% if %}rien", "{% if %}", "template syntax"),
    ("Premier.\n\nTexte <i>penché</i>.", "<i>", "HTML tag"),
    ("Premier.\n\n{{ client.nope }}", "{{ client.nope", "undefined"),
], ids=["dangling-ref", "syntax", "leftover", "undefined"])
def test_an_error_in_the_special_conditions_names_the_agreement_line(repo, body, needle, message):
    planted = _edit(repo, AGREEMENT, "Le Prestataire assure une formation d'une demi-journée.", body)
    line, _ = _line_of(planted, needle)
    errors = _errors(repo)
    assert any(e.startswith(f"{AGREEMENT}:{line}:") and message in e for e in errors), errors


def test_the_special_conditions_are_under_the_rendering_budget(repo):
    _edit(repo, AGREEMENT, "Le Prestataire assure une formation d'une demi-journée.",
          "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}")
    errors = _errors(repo)
    assert any(e.startswith(f"{AGREEMENT}:") and "rendering budget" in e for e in errors), errors


def test_reading_tags_stays_linear_on_hostile_sources():
    """A megabyte of unclosed or whitespace-controlled tags is read in one pass (CPU limit: 20 s)."""
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_CPU, (20, 20))\n"
        "from clausier.blocklines import keep_blank_lines\n"
        "for source in ['{% ' * 340000, '{{ ' * 340000, '{# ' * 340000, '{%- x -%}\\n\\n' * 90000, \"{% '\" * 250000,\n"
        "               'a.{% if x %}b{% endif %}\\n\\n' * 40000]:\n"
        "    assert keep_blank_lines(source).count('\\n') == source.count('\\n')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
