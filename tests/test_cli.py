"""The `clausier` command and the Makefile, run as a user would."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from clausier.cli import main
from clausier.repository import load_agreement, load_repository

from conftest import PROJECT, run_importing_none

runner = CliRunner()


def run(repo: Path, *args: str):
    return runner.invoke(main, ["--root", str(repo), *args], catch_exceptions=False)


def test_build_writes_the_requested_formats_and_reports_counts(repo):
    result = run(repo, "build", "--to", "pdf,md")
    assert result.exit_code == 0, result.output
    assert (repo / "build/acme-fr/acme-fr.pdf").read_bytes().startswith(b"%PDF-")
    assert (repo / "build/acme-fr/acme-fr.md").exists()
    assert not (repo / "build/acme-fr/acme-fr.docx").exists()
    assert "built 1, up to date 0, failed 0" in result.output


def test_build_takes_paths_and_an_output_folder(repo, tmp_path):
    (repo / "agreements/other.md").write_text((repo / "agreements/acme-fr.md").read_text())
    result = run(repo, "build", str(repo / "agreements/other.md"), "--to", "docx", "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out/other/other.docx").exists()
    assert not (tmp_path / "out/acme-fr").exists()


def test_build_quiet_prints_only_the_summary(repo):
    result = run(repo, "build", "--quiet", "--to", "md")
    assert result.output.strip() == "built 1, up to date 0, failed 0"


def test_build_exits_non_zero_and_names_the_failed_agreement(repo):
    bad = repo / "agreements/acme-fr.md"
    bad.write_text(bad.read_text().replace("template: mini", "template: mini\nfeess: 1"))
    result = run(repo, "build", "--to", "md")
    assert result.exit_code == 1
    assert "agreements/acme-fr.md:" in result.output and "unknown key 'feess': did you mean 'fees'?" in result.output
    assert "failed: agreements/acme-fr.md" in result.output


def test_unknown_format_is_a_usage_error(repo):
    result = run(repo, "build", "--to", "pdf,odt")
    assert result.exit_code == 2 and "unknown output format odt" in result.output


@pytest.mark.parametrize("language", ["fr", "en"])
def test_new_writes_a_skeleton_that_validates_and_builds(repo, language):
    result = run(repo, "new", "--template", "mini", "--lang", language, "--id", f"draft-{language}")
    assert result.exit_code == 0, result.output
    path = repo / f"agreements/draft-{language}.md"
    text = path.read_text()
    assert "feess" not in text and "# " in text  # every field carries a comment
    repository = load_repository(repo)
    agreement = load_agreement(repository, path)
    assert agreement.model.language == language
    built = run(repo, "build", str(path), "--to", "pdf")
    assert built.exit_code == 0, built.output


def test_new_refuses_an_unknown_template_and_an_existing_file(repo):
    result = run(repo, "new", "--template", "nope", "--lang", "fr")
    assert result.exit_code == 2 and "valid templates: mini" in result.output
    result = run(repo, "new", "--template", "mini", "--lang", "fr", "--id", "acme-fr")
    assert result.exit_code == 2 and "already exists" in result.output


def test_new_default_id_is_dated(repo):
    result = run(repo, "new", "--template", "mini", "--lang", "fr")
    assert result.exit_code == 0
    assert len(list((repo / "agreements").glob("*-mini.md"))) == 1


def test_list_shows_templates_clauses_and_agreements(repo):
    result = run(repo, "list")
    assert result.exit_code == 0
    for expected in ("mini", "termination", "fallback-1", "acme-fr", "draft"):
        assert expected in result.output


def test_check_is_clean_then_reports_every_error_with_the_line_shown(repo):
    result = run(repo, "check")
    assert result.exit_code == 0, result.output
    assert "0 error(s), 0 warning(s)" in result.output
    bad = repo / "agreements/acme-fr.md"
    bad.write_text(bad.read_text().replace("fees: {model: fixed", "fees: {model: fixd"))
    result = run(repo, "check")
    assert result.exit_code == 1
    line = bad.read_text().split("\n").index("fees: {model: fixd, amount: 12000, currency: EUR}") + 1
    assert "agreements/acme-fr.md\n" in result.output
    assert f"{line}:15  error  Input should be 'fixed'" in result.output
    assert "│ fees: {model: fixd, amount: 12000, currency: EUR}" in result.output


def test_check_formats_github_and_json(repo):
    import json

    bad = repo / "agreements/acme-fr.md"
    bad.write_text(bad.read_text().replace("fees: {model: fixed", "fees: {model: fixd"))
    line = bad.read_text().split("\n").index("fees: {model: fixd, amount: 12000, currency: EUR}") + 1
    github = run(repo, "check", "--format", "github")
    assert github.exit_code == 1
    assert f"::error file=agreements/acme-fr.md,line={line},col=15,title=schema::Input should be" in github.output
    findings = json.loads(run(repo, "check", "--format", "json").output)
    assert {"rule": "schema", "level": "error", "path": "agreements/acme-fr.md", "line": line, "col": 15,
            "field": "fees.model"}.items() <= findings[0].items()


def test_check_strict_fails_on_warnings_and_errors_only_hides_them(repo):
    agreement = repo / "agreements/acme-fr.md"
    agreement.write_text(agreement.read_text().replace("  exclusions: [Rédaction des contenus]\n", ""))
    assert run(repo, "check").exit_code == 0
    assert run(repo, "check", "--strict").exit_code == 1
    result = run(repo, "check", "--errors-only")
    assert result.exit_code == 0 and "warning" not in result.output.replace("0 warning(s)", "")


def test_check_fix_normalises_unicode(repo):
    agreement = repo / "agreements/acme-fr.md"
    agreement.write_text(agreement.read_text().replace("Lumière", "Lumie\u0300re"))
    result = run(repo, "check", "--strict")
    assert result.exit_code == 1 and "not in Unicode NFC" in result.output
    result = run(repo, "check", "--strict", "--fix")
    assert result.exit_code == 0, result.output
    assert "Lumière" in agreement.read_text()


def test_check_without_a_repository_is_a_usage_error(tmp_path):
    result = runner.invoke(main, ["--root", str(tmp_path), "check"])
    assert result.exit_code == 2 and "no clausier.yml" in result.output


def test_check_with_a_broken_clausier_yml_is_a_configuration_error(repo):
    config = repo / "clausier.yml"
    config.write_text(config.read_text().replace("language: fr", "language: de"))
    assert run(repo, "check").exit_code == 2


def test_schema_command_writes_the_schema(repo):
    result = run(repo, "schema")
    assert result.exit_code == 0
    import json

    schema = json.loads((repo / "schema/agreement.schema.json").read_text())
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert run(repo, "schema", "--stdout").output == (repo / "schema/agreement.schema.json").read_text()


def test_version_and_help():
    assert "version 0." in runner.invoke(main, ["--version"]).output
    help_text = runner.invoke(main, ["--help"]).output
    for command in ("build", "new", "list", "check"):
        assert command in help_text


def test_option_values_spelt_in_the_cli_match_the_library():
    # The command modules spell these so that `clausier build` does not import the checks or the models.
    from clausier.lint.report import FORMATS
    from clausier.schema import SCHEMA_PATH

    check, schema = (importlib.import_module(f"clausier.cli.{name}") for name in ("check", "schema"))
    assert check.FORMATS == FORMATS and schema.SCHEMA_PATH == SCHEMA_PATH


@pytest.mark.parametrize("enabled", [True, False])
def test_build_leaves_the_callers_garbage_collector_as_it_was(repo, enabled):
    import gc

    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        assert run(repo, "build", "--to", "md").exit_code == 0
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def _collector_state(state, task):
    import gc

    return gc.isenabled()


def _no_teardown(state) -> None:
    """(Module level: when the test process runs threads, workers are spawned and it must pickle.)"""


def test_workers_collect_their_garbage_while_the_build_command_does_not():
    import gc

    from clausier.fast.worker_pool import run as run_workers

    seen, was = [], gc.isenabled()
    gc.disable()
    try:
        run_workers([1, 2], 2, dict, _collector_state, _no_teardown, lambda task, ok, value: seen.append(value))
    finally:
        (gc.enable if was else gc.disable)()
    assert seen == [True, True]


def test_an_up_to_date_build_imports_no_other_command_nor_the_pipeline(repo):
    assert run(repo, "build", "--to", "md").exit_code == 0
    code = (
        "from clausier.cli import main\n"
        "try:\n"
        "    main(['--root', sys.argv[1], 'build', '--to', 'md'])\n"
        "except SystemExit as exc:\n"
        "    assert exc.code == 0, exc.code\n"
    )
    done = run_importing_none(code, ("typst", "jinja2", "pydantic", "babel", "ruamel.yaml", "clausier.models",
                                     "clausier.lint", "clausier.two_sides", "clausier.signoff", "clausier.build",
                                     "rich"),
                              str(repo))
    assert "built 0, up to date 1, failed 0" in done.stderr


def test_a_build_prints_its_lines_coloured_on_a_terminal_only(repo):
    """Piped, the lines are plain; FORCE_COLOR (or a terminal) colours them, NO_COLOR refuses."""
    command = [str(Path(sys.executable).parent / "clausier"), "--root", str(repo), "build", "--to", "md"]
    env = {k: v for k, v in __import__("os").environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
    piped = subprocess.run(command, capture_output=True, text=True, env=env, cwd=repo)
    assert piped.stderr.splitlines() == ["✓ acme-fr  →  build/acme-fr/acme-fr.md", "built 1, up to date 0, failed 0"]
    (repo / "agreements/acme-fr.md").write_text((repo / "agreements/acme-fr.md").read_text() + "\nPlus.\n")
    forced = subprocess.run(command, capture_output=True, text=True, env={**env, "FORCE_COLOR": "1"})
    assert forced.stderr.startswith("\x1b[32m✓\x1b[0m acme-fr  →  ")
    assert forced.stderr.endswith("\x1b[32mbuilt 1, up to date 0, failed 0\x1b[0m\n")
    refused = subprocess.run(command, capture_output=True, text=True, env={**env, "NO_COLOR": "1"})
    assert "\x1b[" not in refused.stderr and refused.stderr.endswith("built 0, up to date 1, failed 0\n")


def test_the_installed_command_runs():
    done = subprocess.run([str(Path(sys.executable).parent / "clausier"), "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "Clausier" in done.stdout


def test_the_installed_command_exits_with_each_outcome_and_all_its_output(repo):
    """It leaves without the interpreter's shutdown: the codes and every printed line still get out."""
    command = [str(Path(sys.executable).parent / "clausier"), "--root", str(repo)]
    listed = subprocess.run([*command, "list"], capture_output=True, text=True)
    assert listed.returncode == 0
    assert listed.stdout == run(repo, "list").output  # complete, through a pipe
    built = subprocess.run([*command, "build", "--to", "pdf,md"], capture_output=True, text=True)
    assert built.returncode == 0 and built.stderr.endswith("built 1, up to date 0, failed 0\n")
    assert (repo / "build/acme-fr/acme-fr.pdf").is_file()
    assert subprocess.run([*command, "build", "--to", "odt"], capture_output=True, text=True).returncode == 2
    (repo / "agreements/acme-fr.md").write_text("---\nid: acme-fr\n---\n")
    failed = subprocess.run([*command, "build", "--to", "pdf"], capture_output=True, text=True)
    assert failed.returncode == 1 and "acme-fr" in failed.stderr
    checked = subprocess.run([*command, "check", "--format", "json"], capture_output=True, text=True)
    assert checked.returncode == 1 and checked.stdout.rstrip().endswith(("]", "}"))
    assert _processes_naming(repo) == []  # no worker left behind, prestarted (launch.py) or forked


def _processes_naming(folder: Path) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if entry.name.isdigit() and str(folder) in command:
            found.append(f"{entry.name}: {command}")
    return found


def test_make_help_lists_every_target():
    done = subprocess.run(["make", "-s", "help"], cwd=PROJECT, capture_output=True, text=True)
    assert done.returncode == 0
    for target in ("pdf", "docx", "html", "md", "all", "check", "docs", "serve", "test", "bench", "clean", "help"):
        assert f"make {target} " in done.stdout


def test_the_command_does_not_look_for_pydantic_plugins(repo, tmp_path):
    """A pydantic plugin another package registers is not loaded by `clausier` (looking for them
    reads every installed package's metadata), though pydantic itself loads it: the control."""
    site = tmp_path / "site"
    (site / "fake_plugin-1.0.dist-info").mkdir(parents=True)
    (site / "fake_plugin-1.0.dist-info/METADATA").write_text("Metadata-Version: 2.1\nName: fake-plugin\nVersion: 1.0\n")
    (site / "fake_plugin-1.0.dist-info/entry_points.txt").write_text("[pydantic]\nfake = fake_plugin:plugin\n")
    marker = tmp_path / "plugin-loaded"
    (site / "fake_plugin.py").write_text(f"open({str(marker)!r}, 'w').close()\n"
                                          "class Plugin:\n"
                                          "    def new_schema_validator(self, *args, **kwargs):\n"
                                          "        return None, None, None\n"
                                          "plugin = Plugin()\n")
    env = {**__import__("os").environ, "PYTHONPATH": str(site)}
    env.pop("PYDANTIC_DISABLE_PLUGINS", None)
    check = subprocess.run([sys.executable, "-c", "from clausier.cli import run; run()", "--root", str(repo), "check"],
                           env=env, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    assert not marker.exists()
    control = subprocess.run([sys.executable, "-c", f"from clausier.repository import load_repository; "
                              f"load_repository(__import__('pathlib').Path({str(repo)!r}))"],
                             env=env, capture_output=True, text=True)
    assert control.returncode == 0, control.stderr
    assert marker.exists()
