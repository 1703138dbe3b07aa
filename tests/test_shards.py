"""Builds split across CI machines: `--shard auto` from each CI engine's own variables, the shards'
build folders merged into the one a single build gives (`clausier manifest merge`), and the
workflow's sharded full rebuild with its main-only build cache."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from clausier.cli import main
from clausier.selection import in_shard
from clausier.shards import ENGINES, from_environment, shard_of

from conftest import PROJECT, make_repo, many_agreements

FORMATS = "pdf,docx,html,md"
VARIABLES = ("CLAUSIER_SHARD", "GITHUB_ACTIONS", *(v for e in ENGINES for v in (e.index, e.total)))
runner = CliRunner()


def run(repo: Path, *args: str, env: dict[str, str] | None = None):
    """The command with only `env`'s CI variables set (none the machine running the tests has)."""
    clean: dict[str, str | None] = {name: None for name in VARIABLES}
    return runner.invoke(main, ["--root", str(repo), *args], env={**clean, **(env or {})}, catch_exceptions=False)


def built_ids(result) -> set[str]:
    return set(re.findall(r"✓ (\S+)", result.output))


# ---------------------------------------------------------------- --shard auto


@pytest.mark.parametrize("env, shard", [
    ({"CI_NODE_INDEX": "1", "CI_NODE_TOTAL": "4"}, (1, 4)),  # GitLab counts from 1
    ({"CI_NODE_INDEX": "4", "CI_NODE_TOTAL": "4"}, (4, 4)),
    ({"BUILDKITE_PARALLEL_JOB": "0", "BUILDKITE_PARALLEL_JOB_COUNT": "3"}, (1, 3)),  # Buildkite from 0
    ({"BUILDKITE_PARALLEL_JOB": "2", "BUILDKITE_PARALLEL_JOB_COUNT": "3"}, (3, 3)),
    ({"CIRCLE_NODE_INDEX": "0", "CIRCLE_NODE_TOTAL": "2"}, (1, 2)),  # CircleCI from 0
    ({"CIRCLE_NODE_INDEX": "1", "CIRCLE_NODE_TOTAL": "2"}, (2, 2)),
    ({"GITHUB_ACTIONS": "true", "CLAUSIER_SHARD": "3/4"}, (3, 4)),  # GitHub: K/N from the matrix
    ({"CI_NODE_TOTAL": "1"}, (1, 1)),  # a GitLab job without `parallel:` builds everything
    ({"CI_NODE_TOTAL": "1", "CLAUSIER_SHARD": "2/4"}, (2, 4)),  # ... and yields to a split source
    ({"CIRCLE_NODE_INDEX": "0", "CIRCLE_NODE_TOTAL": "1", "CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "3"}, (2, 3)),
    ({"CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "3", "CLAUSIER_SHARD": "2/3"}, (2, 3)),  # two that agree
])
def test_auto_reads_each_engines_variables(env, shard):
    assert from_environment(env) == shard


@pytest.mark.parametrize("env, said", [
    ({}, ["no CI engine's shard variables", "CI_NODE_INDEX", "BUILDKITE_PARALLEL_JOB", "CIRCLE_NODE_INDEX"]),
    ({"GITHUB_ACTIONS": "true"}, ["GitHub Actions has no variable", "CLAUSIER_SHARD: ${{ matrix.shard }}/N"]),
    ({"CI_NODE_INDEX": "0", "CI_NODE_TOTAL": "4"}, ["CI_NODE_INDEX=0", "from 1 to 4"]),
    ({"CIRCLE_NODE_INDEX": "2", "CIRCLE_NODE_TOTAL": "2"}, ["CIRCLE_NODE_INDEX=2", "from 0 to 1"]),
    ({"BUILDKITE_PARALLEL_JOB": "1"}, ["BUILDKITE_PARALLEL_JOB_COUNT=(unset)", "whole number of jobs"]),
    ({"CI_NODE_TOTAL": "4"}, ["CI_NODE_INDEX is not set"]),
    ({"CI_NODE_INDEX": "one", "CI_NODE_TOTAL": "4"}, ["CI_NODE_INDEX must be a whole number"]),
    ({"CLAUSIER_SHARD": "5/4"}, ["CLAUSIER_SHARD='5/4'", "1 ≤ K ≤ N"]),
    ({"CI_NODE_INDEX": "1", "CI_NODE_TOTAL": "2", "CIRCLE_NODE_INDEX": "1", "CIRCLE_NODE_TOTAL": "2"},
     ["disagree", "(GitLab CI) is shard 1/2", "(CircleCI) is shard 2/2"]),
])
def test_auto_says_what_is_wrong(env, said):
    from clausier.errors import ClausierError

    with pytest.raises(ClausierError) as caught:
        from_environment(env)
    for words in said:
        assert words in str(caught.value)


def test_shard_of_names_the_slice_in_shard_puts_an_agreement_in():
    for ident in [f"2027-{n:04d}-client" for n in range(200)]:
        for count in (1, 2, 3, 7):
            assert [in_shard(ident, (k, count)) for k in range(1, count + 1)].index(True) + 1 == shard_of(ident, count)


@pytest.fixture
def six(repo):
    return many_agreements(repo, 6)


def test_build_shard_auto_builds_the_engines_slice(six):
    everyone = {p.stem for p in (six / "agreements").glob("*.md")}
    seen = []
    for env in ({"CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "3"},  # GitLab's second of three
                {"BUILDKITE_PARALLEL_JOB": "1", "BUILDKITE_PARALLEL_JOB_COUNT": "3"},  # Buildkite's second
                {"CIRCLE_NODE_INDEX": "1", "CIRCLE_NODE_TOTAL": "3"}):  # CircleCI's second
        result = run(six, "build", "--to", "md", "--force", "--shard", "auto", env=env)
        assert result.exit_code == 0, result.output
        seen.append(built_ids(result))
    assert seen[0] == seen[1] == seen[2] == {i for i in everyone if in_shard(i, (2, 3))} != set()
    # CLAUSIER_SHARD alone (what the GitHub workflow sets) shards a plain `clausier build`, `make all`
    result = run(six, "build", "--to", "md", "--force", env={"CLAUSIER_SHARD": "2/3"})
    assert built_ids(result) == seen[0]


def test_build_shard_auto_without_an_engine_is_a_usage_error(six):
    result = run(six, "build", "--to", "md", "--shard", "auto", env={"GITHUB_ACTIONS": "true"})
    assert result.exit_code == 2 and "matrix.shard" in result.output
    assert not (six / "build").exists()


# ---------------------------------------------------------------- manifest merge


@pytest.fixture(scope="module")
def shards(tmp_path_factory) -> Path:
    """Six agreements built once whole (build/) and once as four shards (s1 … s4), each shard's
    slice taken from another engine's variables."""
    repo = many_agreements(make_repo(tmp_path_factory.mktemp("shards") / "repo"), 6)
    assert run(repo, "build", "--to", FORMATS, "--jobs", "2", "--quiet").exit_code == 0
    engines = [{"CI_NODE_INDEX": "1", "CI_NODE_TOTAL": "4"},
               {"BUILDKITE_PARALLEL_JOB": "1", "BUILDKITE_PARALLEL_JOB_COUNT": "4"},
               {"CIRCLE_NODE_INDEX": "2", "CIRCLE_NODE_TOTAL": "4"},
               {"GITHUB_ACTIONS": "true", "CLAUSIER_SHARD": "4/4"}]
    for k, env in enumerate(engines, start=1):
        result = run(repo, "build", "--to", FORMATS, "--jobs", "2", "--out", str(repo / f"s{k}"), "--shard", "auto",
                     env=env)
        assert result.exit_code == 0, result.output
        assert built_ids(result), f"shard {k} of 4 holds no agreement: the test would prove less"
    return repo


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and "_cache" not in p.relative_to(folder).parts}


def test_four_merged_shards_are_the_unsharded_build_byte_for_byte(shards, tmp_path):
    merged = tmp_path / "merged"
    result = run(shards, "manifest", "merge", *(str(shards / f"s{k}") for k in (3, 1, 4, 2)), "--out", str(merged))
    assert result.exit_code == 0, result.output
    single = shards / "build"
    assert (merged / "manifest.json").read_bytes() == (single / "manifest.json").read_bytes()
    assert files(merged) == files(single)  # every output, and nothing else
    assert len(files(single)) == 6 * 4 + 1
    assert "merged 4 folder(s) of 4 shard(s): 6 agreement(s), 24 output(s)" in result.output
    # into build/ by default, over outputs already there (the same bytes: left as they are)
    again = run(shards, "manifest", "merge", *(str(shards / f"s{k}") for k in (1, 2, 3, 4)))
    assert again.exit_code == 0 and "(0 copied)" in again.output
    assert files(single) == files(merged)


def copies(shards: Path, tmp_path: Path, *names: str) -> list[Path]:
    folders = []
    for name in names:
        shutil.copytree(shards / name, tmp_path / name)
        folders.append(tmp_path / name)
    return folders


def merge_refused(shards: Path, out: Path, *args: str) -> str:
    result = run(shards, "manifest", "merge", *args, "--out", str(out))
    assert result.exit_code == 1, result.output
    assert "nothing merged into the manifest" in result.output
    assert not (out / "manifest.json").exists()
    return result.output


def test_merge_refuses_a_shard_that_is_missing(shards, tmp_path):
    said = merge_refused(shards, tmp_path / "out", "--shards", "4", *(str(shards / f"s{k}") for k in (1, 2, 3)))
    missing = sorted(p.stem for p in (shards / "agreements").glob("*.md") if shard_of(p.stem, 4) == 4)
    for ident in missing:
        assert f"agreements/{ident}.md: error: no shard's manifest has agreement '{ident}' (shard 4/4 builds it" in said


def test_merge_refuses_a_folder_that_is_not_one_shard(shards, tmp_path):
    said = merge_refused(shards, tmp_path / "out", *(str(shards / f"s{k}") for k in (1, 2, 3)), str(shards / "build"))
    assert f"{shards / 'build' / 'manifest.json'}: error: holds agreements of 4 different shards of 4" in said
    assert "--shard K/4" in said


def test_merge_refuses_one_shard_built_twice_from_different_sources(shards, tmp_path):
    """Shard 2 built again after an agreement of it changed: two lines for that agreement."""
    repo = tmp_path / "repo"
    shutil.copytree(shards, repo, ignore=shutil.ignore_patterns("build", "s[0-9]"))
    ident = min(p.stem for p in (repo / "agreements").glob("*.md") if shard_of(p.stem, 4) == 2)
    path = repo / f"agreements/{ident}.md"
    path.write_text(path.read_text().replace("amount: ", "amount: 1"))
    assert run(repo, "build", "--to", FORMATS, "--out", str(repo / "s2"), "--shard", "2/4").exit_code == 0
    said = merge_refused(shards, tmp_path / "out", *(str(shards / f"s{k}") for k in (1, 2, 3, 4)), str(repo / "s2"))
    line = (repo / "s2/manifest.json").read_text().split("\n").index(
        next(l for l in (repo / "s2/manifest.json").read_text().split("\n") if l.startswith(f'    "{ident}"'))) + 1
    assert f"{repo / 's2' / 'manifest.json'}:{line}: error: agreement '{ident}' differs from its line in " \
           f"{shards / 's2' / 'manifest.json'}:" in said
    assert "(field 'outputs')" in said


def test_merge_refuses_shards_built_with_other_tools(shards, tmp_path):
    (s3,) = copies(shards, tmp_path, "s3")
    manifest = json.loads((s3 / "manifest.json").read_text())
    text = (s3 / "manifest.json").read_text().replace(f'"pandoc": "{manifest["tools"]["pandoc"]}"', '"pandoc": "2.0"')
    (s3 / "manifest.json").write_text(text)
    said = merge_refused(shards, tmp_path / "out", str(shards / "s1"), str(shards / "s2"), str(s3), str(shards / "s4"))
    assert f"{s3 / 'manifest.json'}: error: field 'tools' is" in said and '"pandoc": "2.0"' in said


def test_merge_refuses_an_output_that_is_not_what_its_line_records(shards, tmp_path):
    (s1,) = copies(shards, tmp_path, "s1")
    pdf = next(s1.glob("*/*.pdf"))
    pdf.write_bytes(pdf.read_bytes() + b"%")
    ident = pdf.parent.name
    said = merge_refused(shards, tmp_path / "out", str(s1), *(str(shards / f"s{k}") for k in (2, 3, 4)))
    assert f"{pdf}: error: not the bytes {s1 / 'manifest.json'}:" in said
    assert f"records for '{ident}' (field 'outputs.pdf.sha256')" in said


def test_merge_writes_nothing_outside_the_build_folder(shards, tmp_path):
    """A shard's manifest is an artifact another machine uploaded: its output paths stay inside."""
    (s1,) = copies(shards, tmp_path, "s1")
    text = (s1 / "manifest.json").read_text()
    path = re.search(r'"path": "([^"]+\.md)"', text).group(1)
    (s1 / "manifest.json").write_text(text.replace(f'"path": "{path}"', '"path": "../../escaped.md"'))
    said = merge_refused(shards, tmp_path / "out", str(s1), *(str(shards / f"s{k}") for k in (2, 3, 4)))
    assert "field 'outputs.md.path' '../../escaped.md' is not a path inside the build folder" in said
    assert not list(tmp_path.parent.rglob("escaped.md"))


# ---------------------------------------------------------------- the workflow


@pytest.fixture(scope="module")
def workflow() -> dict:
    return YAML(typ="safe").load((PROJECT / ".github/workflows/contracts.yml").read_text(encoding="utf-8"))


def uses(job: dict, action: str) -> list[dict]:
    return [s for s in job["steps"] if s.get("uses", "").startswith(action)]


def test_the_full_rebuild_builds_a_matrix_of_shards_then_merges_them(workflow):
    job = workflow["jobs"]["full-rebuild"]
    assert "pull_request" not in job["if"] and "push" in job["if"]
    count = len(job["strategy"]["matrix"]["shard"])
    assert count > 1 and job["strategy"]["matrix"]["shard"] == list(range(1, count + 1))
    assert job["env"]["CLAUSIER_SHARD"] == f"${{{{ matrix.shard }}}}/{count}"  # through env, read by the build
    assert "make all" in [s.get("run") for s in job["steps"]]
    (upload,) = uses(job, "actions/upload-artifact@")
    assert "${{ matrix.shard }}" in upload["with"]["name"]
    assert upload["with"]["path"].split() == ["build/", "!build/_cache/"]
    merge = workflow["jobs"]["merge"]
    assert merge["needs"] == "full-rebuild" and merge["env"]["SHARDS"] == count
    (download,) = uses(merge, "actions/download-artifact@")
    prefix = upload["with"]["name"].split("${{")[0]
    assert download["with"]["pattern"] == prefix + "*"
    script = next(s["run"] for s in merge["steps"] if "manifest merge" in s.get("run", ""))
    assert '--shards "$SHARDS"' in script and download["with"]["path"].rstrip("/") + "/*" in script
    assert uses(merge, "actions/upload-artifact@")[0]["with"]["path"] == "build/"


def test_build_caches_are_restored_and_saved_on_main_only(workflow):
    """A pull request must not plant files under build/: its jobs restore no build cache, and the
    sharded rebuild restores and saves one only on main (restore keys within main's own)."""
    found = 0
    for name, job in workflow["jobs"].items():
        for step in uses(job, "actions/cache"):
            found += 1
            assert name != "pull-request"
            assert step["if"] == "github.ref == 'refs/heads/main'", (name, step.get("name"))
            key = step["with"]["key"]
            assert key.startswith("contracts-build-main-") and "${{ matrix.shard }}" in key
            for restore in str(step["with"].get("restore-keys", "")).splitlines():
                assert key.startswith(restore)
            assert "build/" in step["with"]["path"] and ".local/state/clausier" in step["with"]["path"]
    assert found == 2  # the restore and the save


def test_the_documented_gitlab_pipeline_shards_and_merges():
    page = (PROJECT / "docs/how-to/large-builds-and-ci.md").read_text(encoding="utf-8")
    section = page.split("### GitLab CI", 1)[1]
    gitlab = YAML(typ="safe").load(section.split("```yaml", 1)[1].split("```", 1)[0])
    build = next(job for job in gitlab.values() if isinstance(job, dict) and "parallel" in job)
    count = build["parallel"]
    # each job its own folder: GitLab unpacks every parallel job's artifacts into the same place
    line = next(line for line in build["script"] if "clausier build" in line)
    assert "--shard auto" in line and '--out "shards/$CI_NODE_INDEX"' in line
    assert build["artifacts"]["paths"] == ["shards/"]
    merge = next(job for job in gitlab.values() if isinstance(job, dict) and job.get("needs"))
    assert any(f"manifest merge --shards {count} shards/*" in line for line in merge["script"])
    assert merge["artifacts"]["paths"] == ["build/"]
