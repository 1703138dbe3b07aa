"""Hostile corpus, part 3 of issue 19: no input exhausts memory or time, in any command.

Every attack is planted in a real repository (an agreement's front matter, a clause's front
matter, a clause.yml, a template, clausier.yml, a clause text or a template body) and the real
commands -- `clausier check`, `build`, `diff`, `impact` and `mkdocs build` -- run on it as
subprocesses under resource limits (LIMITS: memory and CPU time), so a regression fails the test
instead of eating the machine. Each attack must end in the one-line message
`path:line:col: error: …` naming its file (and line), with no Python traceback.

Commands run once on many planted files where their messages stay apart (one agreement per
rendering attack: the budget is per rendering). The rendering budget's clock is shrunk to
TEST_SECONDS through CLAUSIER_RENDER_SECONDS (budget.py) so the slow case ends quickly.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import AGREEMENT_FR, GUIDANCE, make_repo, write
from sitebuild import MKDOCS, add_handbook

CLAUSIER = str(Path(sys.executable).parent / "clausier")
MEMORY_LIMIT = 1024 * 1024 * 1024  # RLIMIT_DATA of every command: 1 GiB
CPU_LIMIT = 60  # RLIMIT_CPU, seconds
TEST_SECONDS = "2"  # the rendering budget's clock in these tests (CLAUSIER_RENDER_SECONDS)


def _limits() -> None:  # preexec_fn: in the child, before the command starts
    resource.setrlimit(resource.RLIMIT_DATA, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_LIMIT, CPU_LIMIT))


def run(args: list[str], cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess:
    env = {**os.environ, "CLAUSIER_RENDER_SECONDS": TEST_SECONDS, "NO_MKDOCS_2_WARNING": "1",
           "GIT_CONFIG_GLOBAL": os.devnull}
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, preexec_fn=_limits, env=env,
                          timeout=timeout)


# ---------------------------------------------------------------- the corpus
# (Sizes are chosen so that, without the budget, each attack goes past MEMORY_LIMIT or CPU_LIMIT.)


@dataclass(frozen=True)
class Attack:
    name: str
    where: str  # agreement | parameter | clause-front | clause-yml | template-front | clause-text | template-text
    text: str  # what is planted (see `plant`)
    marker: str  # where the error is expected: the first line holding it (and its column, for YAML)
    message: str  # a fragment of the message
    offset: int = 0  # columns after the marker's start (the 51st bracket of a deep nesting)
    column: bool = True  # whether the column is the marker's (YAML) or 1 (rendering)


def _laughs() -> str:
    """The 'billion laughs' alias bomb: 2 KB that a YAML loader expands to 9^9 strings."""
    lines = ['lol0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        lines.append(f"lol{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    return "\n".join(lines)


DEEP = "[" * 10000 + "]" * 10000
YAML_ATTACKS = [
    # Agreements: the text replaces `template: mini` (kept first) in a complete agreement.
    Attack("alias-bomb", "agreement", "template: mini\n" + _laughs(), "&a0", "anchor &a0 is not allowed"),
    Attack("merge-key", "agreement", "template: mini\nextra: {a: 1}\nmore:\n  <<: {b: 2}", "<<",
           "merge key << is not allowed"),
    Attack("deep-nesting", "agreement", f"template: mini\nnested: {DEEP}", "[", "nesting deeper than 50 levels",
           offset=49),  # the document's mapping is the first level
    Attack("exponent-amount", "agreement", "template: mini", "1e30", "exponent notation"),
    Attack("exponent-text-amount", "agreement", "template: mini", '"1e999999999"', "not a number in plain digits"),
    Attack("5000-digit-integer", "agreement", "template: mini\nversion: " + "9" * 5000, "9999", "number of 5000 digits"),
    Attack("huge-duration", "agreement", "template: mini", "99999999999 years", "longer than a hundred years"),
    Attack("year-9999", "agreement", "template: mini", "9999-12-31", "out of range"),
    Attack("exponent-parameter", "parameter", '"1e999999999"', '"1e999999999"', "not a number in plain digits"),
    # The library.
    Attack("clause-front-bomb", "clause-front", _laughs(), "&a0", "anchor &a0 is not allowed"),
    Attack("clause-yml-bomb", "clause-yml", "category: general\nversion: 1.0.0\n" + _laughs(), "&a0",
           "anchor &a0 is not allowed"),
    Attack("default-1e400", "clause-yml", "category: general\nversion: 1.0.0\nparameters:\n  n:\n    type: decimal\n"
           "    default: 1e400\n    label: {fr: N, en: N}", "1e400", "exponent notation"),
    Attack("text-bound-1e999999999", "clause-yml", "category: general\nversion: 1.0.0\nparameters:\n  n:\n"
           "    type: decimal\n    min: '1e999999999'\n    label: {fr: N, en: N}", "'1e999999999'",
           "not a number in plain digits"),
    Attack("text-default-1e999999999", "clause-yml", "category: general\nversion: 1.0.0\nparameters:\n  n:\n"
           "    type: money\n    default: '1e999999999'\n    label: {fr: N, en: N}", "'1e999999999'",
           "not a number in plain digits"),
    Attack("template-front-merge", "template-front", "title: {fr: T, en: T}\ndescription: {fr: D, en: D}\n"
           "x: &base {a: 1}\ny: {<<: *base}\nclauses: [purpose]", "&base", "anchor &base is not allowed"),
]

RENDER_ATTACKS = [
    Attack("nested-loops", "clause-text", "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}"
           "{% endfor %}", "{% for", "more than 1,000,000 loop iterations", column=False),
    Attack("string-times-10e10", "clause-text", '{{ "x" * 10**10 }}', "{{", "a text of 10,000,000,000",
           column=False),
    Attack("power-tower", "clause-text", "{{ 9**(9**9) }}", "{{", "a number of about", column=False),
    Attack("huge-range", "clause-text", "{{ range(10**10)|list|length }}", "{{",
           "over the rendering budget: Range too big", column=False),
    Attack("range-join", "clause-text", '{{ range(100000)|join("x" * 100000) }}', "{{", "a joined text",
           column=False),
    Attack("format-width", "clause-text", '{{ "{:>1999999999}".format(1) }}', "{{", "a width or precision",
           column=False),
    Attack("format-map-width", "clause-text", '{{ "{a:>{w}}".format_map({"a": 1, "w": 1999999999}) }}', "{{",
           "a width or precision", column=False),
    Attack("percent-width", "clause-text", '{{ "%1999999999d" % 1 }}', "{{", "a width or precision", column=False),
    Attack("concat-doubling", "clause-text", '{% set ns = namespace(s="x") %}{% for i in range(64) %}'
           "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}", "{% set", "joined with ~", column=False),
    Attack("shared-list-to-text", "clause-text", '{% set a = "x" * 1000000 %}{{ ([a] * 1000)|string }}', "{% set",
           "characters or items", column=False),
    Attack("ljust", "clause-text", '{{ "x".ljust(2 * 10**9) }}', "{{", "a text of 2,000,000,000", column=False),
    Attack("recursive-macro", "clause-text", "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}", "{% macro",
           "recursion too deep", column=False),
    Attack("exponential-macro", "clause-text", "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}"
           "{% endmacro %}{{ f(60) }}", "{% macro", "over the rendering budget", column=False),  # steps or time
    Attack("recursive-include", "clause-text", '{% include "clauses/recursive-include/fr.md" %}', "{% include",
           "recursion too deep", column=False),
    Attack("slow", "clause-text", '{% for i in range(100000) %}{% for j in range(9) %}{% if ("x" * 1999999)|length %}'
           "{% endif %}{% endfor %}{% endfor %}", "{% for", f"took longer than {TEST_SECONDS} seconds", column=False),
    Attack("deep-expression", "clause-text", "{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}", "{{",
           "expressions nested too deeply", column=False),
    Attack("self-extending", "template-text", '{% extends "self-extending.md.j2" %}', "{% extends",
           "recursion too deep", column=False),
]


def _agreement(front: str, name: str) -> str:
    """A complete agreement whose front matter starts with `front` (in place of `template: mini`)."""
    text = AGREEMENT_FR.lstrip("\n").replace("template: mini", front, 1)
    replacements = {"exponent-amount": ("amount: 12000", "amount: 1e30"),
                    "exponent-text-amount": ("amount: 12000", 'amount: "1e999999999"'),
                    "huge-duration": ("term: {end: 2027-05-31}", "term: {duration: 99999999999 years}"),
                    "year-9999": ("effective_date: 2026-12-01", "effective_date: 9999-12-31")}
    if name in replacements:
        text = text.replace(*replacements[name])
    return text


CLAUSE_FRONT = f"---\ntitle: Clause\nsummary: Clause.{GUIDANCE}---\n"


def plant(root: Path, attack: Attack) -> str:
    """Write the attack into the repository; returns the file the error must name."""
    if attack.where == "agreement":
        return _write(root, f"agreements/{attack.name}.md", _agreement(attack.text, attack.name))
    if attack.where in ("clause-front", "clause-yml", "clause-text"):
        folder = f"clauses/{attack.name}"
        meta = attack.text if attack.where == "clause-yml" else "category: general\nversion: 1.0.0\n"
        write(root, f"{folder}/clause.yml", meta + "\n")
        front = f"---\n{attack.text}\ntitle: Clause\nsummary: Clause.{GUIDANCE}---\n" \
            if attack.where == "clause-front" else CLAUSE_FRONT
        body = attack.text + "\n" if attack.where == "clause-text" else "Texte.\n"
        _write(root, f"{folder}/fr.md", front + "Texte.\n\n" + body)
        _write(root, f"{folder}/en.md", CLAUSE_FRONT + "Text.\n")
        if attack.where == "clause-text":  # an agreement that places it
            _write(root, f"agreements/{attack.name}.md", _agreement(
                f"template: mini\nclauses: {{add: [{attack.name}]}}", attack.name))
        return {"clause-yml": f"{folder}/clause.yml"}.get(attack.where, f"{folder}/fr.md")
    if attack.where == "parameter":  # a money parameter given as text, in an agreement that prints it
        write(root, f"clauses/{attack.name}/clause.yml", "category: general\nversion: 1.0.0\nparameters:\n  cap:\n"
              "    type: money\n    default: 1000\n    label: {fr: Plafond, en: Cap}\n")
        for language in ("fr", "en"):
            _write(root, f"clauses/{attack.name}/{language}.md", CLAUSE_FRONT + "{{ params.cap|money }}\n")
        return _write(root, f"agreements/{attack.name}.md", _agreement(
            f"template: mini\nclauses: {{add: [{attack.name}], parameters: {{{attack.name}: {{cap: {attack.text}}}}}}}",
            attack.name))
    if attack.where == "template-front":
        return _write(root, f"templates/{attack.name}.md.j2", f"---\n{attack.text}\n---\nTexte.\n")
    if attack.where == "template-text":
        path = _write(root, f"templates/{attack.name}.md.j2", "---\ntitle: {fr: T, en: T}\n"
                      "description: {fr: D, en: D}\nclauses: [purpose]\n---\n" + attack.text + "\n")
        _write(root, f"agreements/{attack.name}.md", _agreement(f"template: {attack.name}", attack.name))
        return path
    raise ValueError(attack.where)


def _write(root: Path, relative: str, text: str) -> str:
    (root / relative).parent.mkdir(parents=True, exist_ok=True)
    (root / relative).write_text(text, encoding="utf-8")
    return relative


def expected_place(root: Path, relative: str, attack: Attack) -> str:
    """`path:line:col` of the attack's marker in the planted file."""
    text = (root / relative).read_text(encoding="utf-8")
    index = text.index(attack.marker)
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1 + attack.offset if attack.column else 1
    return f"{relative}:{line}:{column}"


def assert_reported(output: str, place: str, attack: Attack) -> None:
    """A line with `place: error: …message…` (impact and mkdocs put their own words before it)."""
    assert "Traceback" not in output, output[-3000:]
    lines = [line for line in output.splitlines() if f"{place}: error: " in line]
    assert any(attack.message in line for line in lines), \
        f"{attack.name}: no line '{place}: error: …{attack.message}…' in:\n{output[-4000:]}"


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True,
                   env={**os.environ, "GIT_CONFIG_GLOBAL": os.devnull})


def _committed(root: Path) -> Path:
    _git(root, "init", "-q", "-b", "main")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "add", "-A")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "base")
    return root


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """One repository, committed clean, then every attack planted in the working tree."""
    root = _committed(make_repo(tmp_path_factory.mktemp("hostile") / "repo"))
    planted = {attack.name: plant(root, attack) for attack in YAML_ATTACKS + RENDER_ATTACKS}
    return root, planted


# ---------------------------------------------------------------- check, build, impact: every attack at once


@pytest.fixture(scope="module")
def outputs(hostile) -> dict[str, subprocess.CompletedProcess]:
    root, _ = hostile
    return {"check": run([CLAUSIER, "check", "--errors-only", "--format", "github"], root),
            "build": run([CLAUSIER, "build", "--to", "md", "-j", "2", "--quiet"], root),
            "impact": run([CLAUSIER, "impact", "--base", "HEAD"], root)}


ALL = YAML_ATTACKS + RENDER_ATTACKS


@pytest.mark.parametrize("attack", ALL, ids=[a.name for a in ALL])
def test_check_reports_each_attack_at_its_place(hostile, outputs, attack):
    root, planted = hostile
    done = outputs["check"]
    assert done.returncode == 1, done.stderr[-2000:]
    assert_reported(_github_as_lines(done.stdout + done.stderr), expected_place(root, planted[attack.name], attack),
                    attack)


@pytest.mark.parametrize("attack", ALL, ids=lambda a: a.name)
def test_build_refuses_each_attack_with_its_place(hostile, outputs, attack):
    root, planted = hostile
    done = outputs["build"]
    assert done.returncode == 1, done.stderr[-2000:]
    assert_reported(done.stdout + done.stderr, expected_place(root, planted[attack.name], attack), attack)


@pytest.mark.parametrize("attack", ALL, ids=lambda a: a.name)
def test_impact_reports_each_attack_with_its_place(hostile, outputs, attack):
    root, planted = hostile
    done = outputs["impact"]
    assert done.returncode == 0, done.stderr[-2000:]  # impact reports what does not assemble, and goes on
    assert_reported(done.stdout + done.stderr, expected_place(root, planted[attack.name], attack), attack)


def test_the_untouched_agreement_still_builds_beside_the_attacks(hostile, outputs):
    """No attack takes the whole build down (a `1e400` default used to abort it)."""
    root, _ = hostile
    assert "built 1," in outputs["build"].stdout + outputs["build"].stderr
    assert (root / "build/acme-fr/acme-fr.md").is_file()


def _github_as_lines(output: str) -> str:
    """`::error file=P,line=L,col=C::M` annotations as `P:L:C: error: M` lines."""
    pattern = re.compile(r"^::error file=([^,]+),line=(\d+),col=(\d+)(?:,[^:]*)?::(.*)$", re.M)
    return output + "\n" + "\n".join(f"{m[1]}:{m[2]}:{m[3]}: error: {m[4]}" for m in pattern.finditer(output))


# ---------------------------------------------------------------- diff: one agreement at a time


DIFF_CASES = ["alias-bomb", "deep-nesting", "nested-loops", "string-times-10e10", "recursive-macro", "self-extending"]


@pytest.mark.parametrize("name", DIFF_CASES)
def test_diff_refuses_the_attack_with_its_place(hostile, name):
    root, planted = hostile
    attack = next(a for a in ALL if a.name == name)
    done = run([CLAUSIER, "diff", f"agreements/{name}.md", "--base", "HEAD", "--to", "md",
                "--out", str(root.parent / f"diff-{name}")], root)
    assert done.returncode == 1, (done.stdout + done.stderr)[-2000:]
    assert_reported(done.stdout + done.stderr, expected_place(root, planted[name], attack), attack)


# ---------------------------------------------------------------- clausier.yml and the handbook


def test_an_alias_bomb_in_clausier_yml_is_refused_by_every_command(tmp_path):
    root = make_repo(tmp_path / "repo")
    config = root / "clausier.yml"
    config.write_text(config.read_text() + "\n" + _laughs() + "\n", encoding="utf-8")
    attack = Attack("config-bomb", "config", "", "&a0", "anchor &a0 is not allowed")
    place = expected_place(root, "clausier.yml", attack)
    for args in (["check", "--format", "github"], ["build", "--to", "md", "-j", "1"]):
        done = run([CLAUSIER, *args], root)
        assert done.returncode != 0
        assert_reported(_github_as_lines(done.stdout + done.stderr), place, attack)


@pytest.mark.parametrize("attack", [next(a for a in RENDER_ATTACKS if a.name == "nested-loops"),
                                    next(a for a in YAML_ATTACKS if a.name == "clause-yml-bomb")],
                         ids=lambda a: a.name)
def test_the_handbook_refuses_the_attack_with_its_place(tmp_path, attack):
    root = add_handbook(make_repo(tmp_path / "repo"))
    relative = plant(root, attack)
    for agreement in (root / "agreements").glob("*.md"):  # the handbook never reads agreements
        agreement.unlink()
    done = run([MKDOCS, "build", "--strict", "-f", str(root / "mkdocs.yml"), "-d", str(tmp_path / "site")], root)
    assert done.returncode != 0
    assert_reported(done.stdout + done.stderr, expected_place(root, relative, attack), attack)


# ---------------------------------------------------------------- the memory cap itself


def test_a_rendering_cannot_allocate_past_its_memory_budget(tmp_path):
    """What no size check foresees still meets the cap: inside `budget.rendering()` an allocation
    of more than budget.MEMORY fails with MemoryError; the same allocation after it succeeds."""
    code = ("from clausier import budget\n"
            "size = budget.MEMORY + 64 * 1024 * 1024\n"
            "try:\n"
            "    with budget.rendering():\n"
            "        bytes(size)  # calloc: no page is touched\n"
            "    print('allocated')\n"
            "except MemoryError:\n"
            "    print('refused')\n"
            "print(len(bytes(size)) == size)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["refused", "True"], done.stdout + done.stderr


THREADED = """
import sys, threading
from pathlib import Path
from clausier.assemble import open_session
from clausier.errors import ContentError
from clausier.repository import load_agreement, load_repository

root, names = Path(sys.argv[1]), sys.argv[2:]
library = load_repository(root)

def render():
    for name in names:
        session = open_session(library, load_agreement(library, root / f"agreements/{name}.md"))
        try:
            session.clause(name)
            print(name, "rendered")
        except ContentError as exc:
            print(name, str(exc).replace(chr(10), " "))

thread = threading.Thread(target=render)
thread.start()
thread.join()
"""


def test_the_budget_holds_in_a_thread_as_mkdocs_serve_renders(tmp_path):
    """`mkdocs serve` renders clause pages in a thread of its own: there neither the alarm nor the
    memory cap applies, and the steps, sizes and deadline still stop every attack (in a process
    under LIMITS, like the commands)."""
    root = make_repo(tmp_path / "repo")
    attacks = [a for a in RENDER_ATTACKS if a.where == "clause-text"]
    for attack in attacks:
        plant(root, attack)
    done = run([sys.executable, "-c", THREADED, str(root), *(a.name for a in attacks)], root)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-3000:]
    errors = dict(line.split(" ", 1) for line in done.stdout.splitlines())
    for attack in attacks:
        place = expected_place(root, f"clauses/{attack.name}/fr.md", attack)
        assert errors[attack.name].startswith(f"{place}: error: ") and attack.message in errors[attack.name], \
            (attack.name, errors[attack.name])
