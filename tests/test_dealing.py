"""Dealing tasks to workers: each worker on a run of neighbours, every task exactly once."""

from __future__ import annotations

import random

import pytest

from clausier.fast.distribution import Dealer


def test_two_workers_each_go_through_their_own_half_in_order():
    dealer = Dealer(range(10), 2)
    first = [dealer.take("a") for _ in range(3)]
    second = [dealer.take("b") for _ in range(3)]
    assert first == [0, 1, 2] and second == [5, 6, 7]
    assert len(dealer) == 4


def test_a_worker_done_with_its_run_takes_the_far_half_of_the_largest_left():
    dealer = Dealer(range(20), 2)
    a = [dealer.take("a") for _ in range(10)]  # a's whole run
    assert a == list(range(10)) and dealer.take("b") == 10
    # b has 11..19 left: a takes the far half, b keeps the near one
    assert [dealer.take("a") for _ in range(5)] == [15, 16, 17, 18, 19]
    assert [dealer.take("b") for _ in range(4)] == [11, 12, 13, 14]
    assert len(dealer) == 0 and dealer.take("a") is None and dealer.take("b") is None


def test_the_last_task_of_a_busy_worker_goes_to_the_idle_one():
    dealer = Dealer(range(4), 2)
    assert [dealer.take("a"), dealer.take("a")] == [0, 1]
    assert dealer.take("b") == 2
    assert dealer.take("a") == 3  # b is busy with 2: a does not wait for it
    assert dealer.take("b") is None


def test_a_stopped_workers_run_goes_on_with_the_next_worker_that_needs_one():
    dealer = Dealer(range(12), 3)  # runs 0-3, 4-7, 8-11
    assert [dealer.take("a"), dealer.take("b"), dealer.take("c")] == [0, 4, 8]
    dealer.release("b")  # recycled after task 4
    assert dealer.take("d") == 5 and dealer.take("d") == 6


def test_a_task_given_back_is_dealt_first():
    dealer = Dealer(range(6), 2)
    task = dealer.take("a")
    dealer.give_back(task)  # its worker died before starting it
    assert len(dealer) == 6 and dealer.take("b") == 0 and dealer.take("b") == 3


def test_more_workers_than_tasks_and_no_task_at_all():
    dealer = Dealer(["x", "y"], 4)
    assert {dealer.take(w) for w in "abcd"} == {"x", "y", None}
    empty = Dealer([], 2)
    assert len(empty) == 0 and not empty and empty.take("a") is None


@pytest.mark.parametrize("seed", range(25))
def test_every_task_is_dealt_exactly_once_whatever_the_workers_do(seed):
    chance = random.Random(seed)
    count, workers = chance.randint(0, 60), chance.randint(1, 5)
    dealer = Dealer(range(count), workers)
    names, dealt = [f"w{n}" for n in range(workers)], []
    while len(dealer):
        worker = chance.choice(names)
        task = dealer.take(worker)
        assert task is not None
        if chance.random() < 0.05:  # died while idle: the task comes back, a new worker replaces it
            dealer.give_back(task)
            dealer.release(worker)
            names[names.index(worker)] = worker + "'"
            continue
        dealt.append(task)
    assert sorted(dealt) == list(range(count))
    assert all(dealer.take(name) is None for name in names)
