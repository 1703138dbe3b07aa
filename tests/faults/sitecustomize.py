"""Tests only: make a build worker misbehave, with no hook in the shipped code.

Workers are separate processes (forked, spawned, or forked by the launcher before a test's code
could patch anything), so the faults are installed at interpreter start-up: this folder is on the
PYTHONPATH of every process the tests start (conftest.py), Python imports `sitecustomize` from it,
and an import hook wraps three functions of `clausier.fast` as they load. FAULTS in the
environment says what to do; unset, the wrappers only look it up.

    kill:<id>        the worker SIGKILLs itself between pandoc and Typst, building <id>
    sleep:<id>       it sleeps there (the time limit, or a test, stops it)
    alloc:<id>       it allocates until the memory limit says no
    await-templates  a lone rebuild's worker waits for the templates compiled ahead (see them used)
"""

from __future__ import annotations

import functools
import os
import signal
import sys
import time

FAULTS = "CLAUSIER_TEST_WORKER_HOOK"
AWAIT_TEMPLATES = 60.0  # seconds a worker under "await-templates" waits for the templates compiled ahead


def act(agreement_id: str) -> None:
    """Misbehave here if a test asked for it on this agreement."""
    for action in filter(None, os.environ.get(FAULTS, "").split(",")):
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


def _after_pandoc(convert):
    """Between pandoc and Typst: the batch converter has just given the agreement's texts back."""
    @functools.wraps(convert)
    def wrapper(self, agreement_id, *args, **kwargs):
        result = convert(self, agreement_id, *args, **kwargs)
        act(agreement_id)
        return result
    return wrapper


def _before_markdown_only(render_agreement):
    """A build to Markdown only runs neither pandoc nor Typst: the fault comes before the agreement."""
    @functools.wraps(render_agreement)
    def wrapper(repo, path, formats, *args, **kwargs):
        if set(formats) == {"md"}:
            act(os.path.splitext(os.path.basename(str(path)))[0])
        return render_agreement(repo, path, formats, *args, **kwargs)
    return wrapper


def _waiting(receive):
    """Under "await-templates", wait for the templates compiled ahead instead of not at all."""
    @functools.wraps(receive)
    def wrapper(reader, wait=0.0):
        if "await-templates" in os.environ.get(FAULTS, "").split(","):
            wait = AWAIT_TEMPLATES
        return receive(reader, wait)
    return wrapper


def _patch(module) -> None:
    name = module.__name__
    if name == "clausier.fast.pandoc_server":
        module.PandocBatch.convert_with_spans = _after_pandoc(module.PandocBatch.convert_with_spans)
    elif name == "clausier.fast.parallel":
        module.render_agreement = _before_markdown_only(module.render_agreement)
    elif name == "clausier.fast.precompiled_templates":
        module.receive = _waiting(module.receive)


PATCHED = ("clausier.fast.pandoc_server", "clausier.fast.parallel", "clausier.fast.precompiled_templates")


class _Finder:
    """Finds nothing itself: lets the real finder find the module, then patches it once loaded."""

    def find_spec(self, fullname, path, target=None):
        if fullname not in PATCHED:
            return None
        import importlib.util  # (here: nothing more is imported at every start-up)

        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return spec
        execute = spec.loader.exec_module

        def exec_module(module):
            execute(module)
            _patch(module)
            module._faults_patched = True
        spec.loader.exec_module = exec_module
        return spec


def install() -> None:
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
        for name in PATCHED:  # already imported (a test process that imported them first)
            if name in sys.modules and not getattr(sys.modules[name], "_faults_patched", False):
                _patch(sys.modules[name])
                sys.modules[name]._faults_patched = True


install()
