"""The Guide's reference pages are what the code says: regenerate them (`make reference`) or fail."""

from __future__ import annotations

import shutil
import subprocess

import click
import pytest

from clausier import reference_docs
from clausier.cli import main as cli_group
from clausier.lint import RULES
from clausier.schema import agreement_schema

from conftest import PROJECT


@pytest.fixture(scope="module")
def generated() -> dict[str, str]:
    return reference_docs.pages(PROJECT)


@pytest.mark.parametrize("page", ["docs/reference/cli.md", "docs/reference/agreement-fields.md",
                                  "docs/reference/check-rules.md"])
def test_the_committed_page_is_the_generated_one(generated, page):
    committed = (PROJECT / page).read_text(encoding="utf-8")
    assert committed == generated[page], f"{page} is out of date: run `make reference` and commit it"


def _all_commands(group: click.Group, ctx: click.Context, prefix: str = ""):
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        sub = click.Context(command, info_name=name, parent=ctx)
        yield f"{prefix}{name}", command, sub
        if isinstance(command, click.Group):
            yield from _all_commands(command, sub, f"{prefix}{name} ")


def test_every_command_and_option_is_in_the_cli_reference(generated):
    page = generated["docs/reference/cli.md"]
    root = click.Context(cli_group, info_name="clausier")
    commands = list(_all_commands(cli_group, root))
    assert {"build", "check", "new", "diff", "impact", "sign-off"} <= {name for name, _, _ in commands}
    for name, command, ctx in commands:
        section = page.split(f"## `{name}`\n", 1)
        assert len(section) == 2, f"command {name} has no section"
        body = section[1].split("\n## ", 1)[0]
        for param in command.params:
            for opt in param.opts if isinstance(param, click.Option) else [param.human_readable_name]:
                assert opt in body, f"{name}: {opt} is not documented"
        first_line = (command.help or "").strip().splitlines()[0]
        assert reference_docs.prose(first_line) in body
    assert "`--root DIRECTORY`" in page


def _schema_paths(node: dict, definitions: dict, prefix: str, seen: set[str]):
    """Every field path of the schema, walked independently of the generator."""
    for key, value in node.get("properties", {}).items():
        path = prefix + key
        yield path
        refs = [value.get("$ref"), *(o.get("$ref") for o in value.get("allOf", []) + value.get("anyOf", []))]
        items = value.get("items", {})
        refs.append(items.get("$ref"))
        for ref in filter(None, refs):
            name = ref.rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                joiner = "[]." if value.get("type") == "array" else "."
                yield from _schema_paths(definitions[name], definitions, path + joiner, seen)


def test_every_agreement_field_is_in_the_fields_reference(generated):
    page = generated["docs/reference/agreement-fields.md"]
    schema = agreement_schema()
    paths = list(_schema_paths(schema, schema["definitions"], "", set()))
    assert {"provider.registration.siren", "client", "fees.currency", "schedule[].percent", "clauses.variants"} <= set(paths)
    for path in paths:
        assert f"| `{path}` |" in page, f"field {path} is not documented"


def test_every_rule_has_a_section_and_a_real_finding(generated):
    page = generated["docs/reference/check-rules.md"]
    for rule in RULES:
        assert f"## `{rule.id}` {{#{rule.id}}}" in page
        body = page.split(f"## `{rule.id}`", 1)[1].split("\n## ", 1)[0]
        example = body.split("```\n", 1)[1].split("\n```", 1)[0]
        # a finding as check prints it, on the planted file: path:line:col: level: message
        assert example.startswith(reference_docs._EXAMPLES[rule.id][0]), (rule.id, example)
        assert ": error: " in example or ": warning: " in example, (rule.id, example)
    assert "hidden character U+200B" in page and "did you mean 'signature'?" in page


def test_make_reference_writes_the_pages(tmp_path):
    shutil.copy2(PROJECT / "clausier.yml", tmp_path / "clausier.yml")
    for name in ("clauses", "templates"):
        shutil.copytree(PROJECT / name, tmp_path / name)
    assert reference_docs.main([str(tmp_path)]) == 0
    for relative, text in reference_docs.pages(tmp_path).items():
        assert (tmp_path / relative).read_text(encoding="utf-8") == text
    dry_run = subprocess.run(["make", "-n", "reference"], cwd=PROJECT, capture_output=True, text=True)
    assert "clausier.reference_docs" in dry_run.stdout, dry_run.stderr
