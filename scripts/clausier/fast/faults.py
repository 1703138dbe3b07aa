"""Tests only: the one seam through which a test makes a worker misbehave.

A worker is a separate process (forked, spawned, or forked by the launcher before the test's
code could patch anything), so a test cannot reach into it: it sets FAULTS in the environment
instead, and the batch renderer and the worker call `act` and `template_wait` at fixed points.
Unset (every real build) each call is one dictionary lookup.

    kill:<id>        the worker SIGKILLs itself between pandoc and Typst, building <id>
    sleep:<id>       it sleeps there (the time limit, or a test, stops it)
    alloc:<id>       it allocates until the memory limit says no
    await-templates  a lone rebuild's worker waits for the templates compiled ahead (see them used)
"""

from __future__ import annotations

import os
import signal
import time

FAULTS = "CLAUSIER_TEST_WORKER_HOOK"
AWAIT_TEMPLATES = 60.0  # seconds a worker under "await-templates" waits for the templates compiled ahead


def act(agreement_id: str) -> None:
    """Misbehave here if a test asked for it on this agreement."""
    spec = os.environ.get(FAULTS)
    if not spec:
        return
    for action in spec.split(","):
        what, _, target = action.partition(":")
        if target != agreement_id:
            continue
        if what == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        elif what == "sleep":
            time.sleep(3600)
        elif what == "alloc":
            hoard = []
            while True:  # until the memory limit says no
                hoard.append(bytearray(64 * 1024 * 1024))


def template_wait() -> float:
    """Seconds to wait for the templates compiled ahead: none in a build (what comes late is
    compiled in the worker), some under "await-templates"."""
    return AWAIT_TEMPLATES if "await-templates" in os.environ.get(FAULTS, "").split(",") else 0.0
