"""The `clausier` command: a thin layer over the library, one module per command."""

from __future__ import annotations

import os
import sys

import click

from ..fast import prestart
from .build import build
from .check import check
from .common import find_root, report_failure
from .diff import diff
from .handbook import handbook
from .impact import impact
from .importer import import_
from .init import init
from .listing import list_
from .manifest import manifest
from .new import new
from .negotiate import negotiate
from .preview import preview
from .schema import schema
from .send import send
from .sign import sign
from .signoff import sign_off
from .verify import verify


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--root", type=click.Path(file_okay=False), help="Repository folder (default: found from the current folder).")
@click.version_option(package_name="clausier")
@click.pass_context
def main(ctx: click.Context, root: str | None) -> None:
    """Clausier: service agreements as code."""
    ctx.obj = find_root(root)


for command in (build, new, list_, check, schema, sign_off, diff, impact, handbook, init, import_, send, sign,
                verify, preview, manifest, negotiate):
    main.add_command(command)


def run() -> None:
    """The installed `clausier` command: `main`, then an immediate exit once the output is flushed.

    Everything a command opens it also closes (outputs are written atomically, workers joined,
    scratch folders removed), so the interpreter's own shutdown has nothing left to do but free
    memory, which after a build that planned thousands of agreements is slow.

    Pydantic's plugins (observability hooks another package may register) are off in this command
    and its workers unless PYDANTIC_DISABLE_PLUGINS says otherwise: looking for them reads every
    installed package's metadata when the first model is checked, in every rebuild.
    """
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        main()
        code: object = 0
    except SystemExit as exc:  # click's standalone mode always ends this way
        code = exc.code
    except Exception as exc:  # noqa: BLE001 - a full disk, a read-only build/: one line, no traceback
        code = report_failure(exc)
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`clausier list | head`): nothing to save
            pass
    prestart.dismiss()  # a worker forked at the start (launch.py) that no build took
    os._exit(code)
