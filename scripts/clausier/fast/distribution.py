"""Which task a worker builds next: neighbours in the building order stay on one worker.

The building order puts like after like (building_order.py): agreements from one template, in one
language, with one choice of clauses. A worker's pandoc and Typst reuse what they did for the
documents before, so a worker is best kept on a run of neighbours. Handed out one by one from a
single queue, two workers take turns within every group, and each meets every group's first,
dear document (and reads and lays out again what the other did). So the tasks are cut into one
run per worker: a worker goes on with its run, and when that is done it takes the far half of
the largest run left (so the workers still finish together). A run whose worker stopped (recycled,
or killed past a limit) goes to the next worker that needs one.

Which worker builds which agreement changes no output: only which of them does the work again.
"""

from __future__ import annotations

from collections import deque
from typing import Generic, Hashable, Iterable, TypeVar

T = TypeVar("T")


class Dealer(Generic[T]):
    """The tasks not handed out yet, as runs of neighbours, one held by each worker."""

    def __init__(self, tasks: Iterable[T], workers: int) -> None:
        self._tasks = list(tasks)
        count = len(self._tasks)
        runs = max(1, min(workers, count))
        bounds = [count * k // runs for k in range(runs + 1)]
        # Each run is [next, end): positions in the building order, `next` moving up as it is dealt.
        self._runs = [[bounds[k], bounds[k + 1]] for k in range(runs) if bounds[k] < bounds[k + 1]]
        self._held: dict[Hashable, list[int]] = {}  # worker → the run it is on
        self._returned: deque[T] = deque()  # handed out but never started: dealt again first
        self._left = count

    def __len__(self) -> int:
        return self._left

    def take(self, worker: Hashable) -> T | None:
        """The next task for `worker` (None when none is left): the one after its last."""
        if self._returned:
            self._left -= 1
            return self._returned.popleft()
        run = self._held.get(worker)
        if run is None or run[0] >= run[1]:
            run = self._new_run(worker)
            if run is None:
                return None
        task = self._tasks[run[0]]
        run[0] += 1
        self._left -= 1
        return task

    def give_back(self, task: T) -> None:
        """A task handed out that its worker never started (it died while idle)."""
        self._returned.appendleft(task)
        self._left += 1

    def release(self, worker: Hashable) -> None:
        """`worker` stops: what is left of its run goes to the next worker needing one."""
        self._held.pop(worker, None)

    def _new_run(self, worker: Hashable) -> list[int] | None:
        self._held.pop(worker, None)
        self._runs = [run for run in self._runs if run[0] < run[1]]
        held = {id(run) for run in self._held.values()}
        free = [run for run in self._runs if id(run) not in held]
        if free:
            run = free[0]
        elif self._runs:
            largest = max(self._runs, key=lambda r: r[1] - r[0])
            # Its far half; the whole of it when one task is left (this worker is idle, its own is busy).
            split = largest[0] + (largest[1] - largest[0]) // 2
            run, largest[1] = [split, largest[1]], split
            self._runs.append(run)
        else:
            return None
        self._held[worker] = run
        return run
