"""Everything that exists only to make builds fast, behind one door.

The pipeline (pipeline.py) renders one agreement; this package renders many quickly and gives
the same bytes. One switch turns all of it off: `CLAUSIER_SIMPLE=1` or `clausier build --simple`
builds each stale agreement one by one in the building process with pipeline.py (still
incremental, still written atomically, the same report). Inside, by what each one saves:

- pandoc_server.py: one `pandoc lua batch.lua` process converts document after document, and its
  part store keeps each part's Typst text on disk for the next build;
- typst_workspace.py: one Typst compiler reused per worker, parts included from files;
- worker_pool.py, distribution.py, building_order.py: documents built in parallel worker
  processes, like after like, each worker on a run of neighbours;
- batch_renderer.py: a worker's tools (the pandoc process, the Typst workspaces) behind
  pipeline.py's renderer interface; parallel.py: the route that drives the pool;
- prestart.py, warm_start.py, precompiled_templates.py, template_pipe.py: a lone rebuild's worker
  forked at once, its Typst warmed up from the last source, its templates compiled meanwhile;
- allocator.py, command_process.py: a large build restarted with jemalloc;
(Tests make a worker misbehave from outside: tests/faults/sitecustomize.py wraps these modules as they load.)

Imported by the launcher before its fork: this module imports nothing but `os`.
"""

from __future__ import annotations

import os

SWITCH = "CLAUSIER_SIMPLE"


def disabled(environ: dict[str, str] | os._Environ = os.environ) -> bool:
    """Whether the speed-ups are switched off (`CLAUSIER_SIMPLE` set to anything but empty or 0)."""
    return environ.get(SWITCH, "").strip() not in ("", "0")
