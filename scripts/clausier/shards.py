"""`--shard auto`: which slice of the agreements this CI job builds, from the CI engine's own variables.

    CLAUSIER_SHARD=K/N                                   any engine; GitHub Actions has no variable
                                                         for a matrix job's index, so its workflow
                                                         sets this one from the matrix
    CI_NODE_INDEX / CI_NODE_TOTAL                        GitLab CI `parallel:`, counted from 1
    BUILDKITE_PARALLEL_JOB / BUILDKITE_PARALLEL_JOB_COUNT   Buildkite `parallelism:`, from 0
    CIRCLE_NODE_INDEX / CIRCLE_NODE_TOTAL                CircleCI `parallelism:`, from 0

Every source is turned into the 1-based K/N that `--shard K/N` takes. A job that is not split
(GitLab sets CI_NODE_TOTAL=1 on every job, CircleCI 0 of 1) gives 1/1, which yields to a split
one; two split sources that disagree are an error, and so is finding none.

Standard library only: the no-op path of `clausier build` runs it before answering.
"""

from __future__ import annotations

from typing import Mapping, NamedTuple

from .errors import ClausierError
from .selection import in_shard, parse_shard

AUTO = "auto"
EXPLICIT = "CLAUSIER_SHARD"


class Engine(NamedTuple):
    name: str
    index: str  # the variable holding this job's index
    total: str  # the variable holding the number of jobs
    first: int  # what the index of the first job is


ENGINES = (
    Engine("GitLab CI", "CI_NODE_INDEX", "CI_NODE_TOTAL", 1),
    Engine("Buildkite", "BUILDKITE_PARALLEL_JOB", "BUILDKITE_PARALLEL_JOB_COUNT", 0),
    Engine("CircleCI", "CIRCLE_NODE_INDEX", "CIRCLE_NODE_TOTAL", 0),
)


class Source(NamedTuple):
    said: str  # the variables as found, for messages: "CI_NODE_INDEX=2 CI_NODE_TOTAL=4 (GitLab CI)"
    shard: tuple[int, int]


def resolve_shard(text: str | None, env: Mapping[str, str]) -> tuple[int, int] | None:
    """`--shard`'s value: None (everything), `K/N`, or `auto` (from `env`)."""
    if text is not None and text.strip().lower() == AUTO:
        return from_environment(env)
    return parse_shard(text)


def from_environment(env: Mapping[str, str]) -> tuple[int, int]:
    """This job's (K, N) from the CI engine's variables, or a ClausierError saying what is wrong."""
    sources = [s for s in (_explicit(env), *(_engine(e, env) for e in ENGINES)) if s is not None]
    split = [s for s in sources if s.shard[1] > 1]
    if len({s.shard for s in split}) > 1:
        said = "; ".join(f"{s.said} is shard {s.shard[0]}/{s.shard[1]}" for s in split)
        raise ClausierError(f"--shard auto: the CI variables disagree: {said}. Unset the one that does not "
                            "describe this job, or pass --shard K/N")
    if split:
        return split[0].shard
    if sources:
        return 1, 1  # found, and not split: this job builds everything
    if env.get("GITHUB_ACTIONS") == "true":
        raise ClausierError("--shard auto: GitHub Actions has no variable for a matrix job's index; set "
                            f"{EXPLICIT}: ${{{{ matrix.shard }}}}/N in the step's env (or pass --shard K/N)")
    looked = ", ".join(f"{e.index}/{e.total} ({e.name})" for e in ENGINES)
    raise ClausierError(f"--shard auto: no CI engine's shard variables are set (looked for {EXPLICIT}=K/N, "
                        f"{looked}); pass --shard K/N")


def _explicit(env: Mapping[str, str]) -> Source | None:
    value = env.get(EXPLICIT, "").strip()
    if not value or value.lower() == AUTO:  # CLAUSIER_SHARD=auto is --shard auto itself
        return None
    try:
        return Source(f"{EXPLICIT}={value}", parse_shard(value))  # type: ignore[arg-type]
    except ClausierError as exc:
        raise ClausierError(f"--shard auto: {EXPLICIT}={value!r}: {exc}") from None


def _engine(engine: Engine, env: Mapping[str, str]) -> Source | None:
    index, total = env.get(engine.index, "").strip(), env.get(engine.total, "").strip()
    if not index and not total:
        return None
    said = f"{engine.index}={index or '(unset)'} {engine.total}={total or '(unset)'} ({engine.name})"
    if not total.isdigit() or int(total) < 1:
        raise ClausierError(f"--shard auto: {said}: {engine.total} must be a whole number of jobs, 1 or more")
    if not index:
        if int(total) == 1:  # GitLab's value for a job without `parallel:`
            return Source(said, (1, 1))
        raise ClausierError(f"--shard auto: {said}: {engine.index} is not set, so this job's slice is unknown")
    if not index.isdigit():
        raise ClausierError(f"--shard auto: {said}: {engine.index} must be a whole number")
    k, n = int(index) - engine.first + 1, int(total)
    if not 1 <= k <= n:
        last = n - 1 + engine.first
        raise ClausierError(f"--shard auto: {said}: {engine.name} numbers its jobs from {engine.first} to {last}, "
                            f"so {engine.index} must lie between them")
    return Source(said, (k, n))


def shard_of(agreement_id: str, count: int) -> int:
    """Which of `count` shards builds this agreement (1-based): the slice `in_shard` puts it in."""
    return next(k for k in range(1, count + 1) if in_shard(agreement_id, (k, count)))
