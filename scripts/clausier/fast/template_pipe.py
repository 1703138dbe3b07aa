"""A one-way pipe from the building process to one worker, made before the worker is forked.

The building process sends its payloads (the templates compiled ahead, one by one: precompiled_templates.py)
and closes; the worker takes what is there when it needs it, never waiting. Its own module: the
launcher makes one before the command imports anything (prestart.py).
"""

from __future__ import annotations

TYPE_CHECKING = False  # (typing not imported: this module is imported before the launcher's fork)
if TYPE_CHECKING:
    from typing import Iterable

PIPE_BYTES = 1 << 20  # asked of the pipe, so the whole payload is written without waiting for the worker


class Handoff:
    """A one-way pipe from the building process to its single worker, made before the worker is
    forked, enlarged so that everything sent fits in it: the building process never blocks."""

    def __init__(self) -> None:
        import multiprocessing

        self.reader, self.writer = multiprocessing.Pipe(duplex=False)
        self.capacity = 1 << 16  # Linux's default
        try:
            import fcntl

            self.capacity = fcntl.fcntl(self.writer.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        except (ImportError, AttributeError, OSError):
            pass

    def send(self, payload: bytes) -> bool:
        """In the building process, once the worker is forked: the payload if it fits the pipe
        whole (a worker that never reads must not block this process), then the pipe is closed."""
        return self.send_each([payload]) == 1

    def send_each(self, payloads: Iterable[bytes]) -> int:
        """The payloads one message each, as they come, while the pipe can hold them all (the
        worker may not read any); then the pipe is closed. Returns how many were sent."""
        self.reader.close()
        sent = room = 0
        try:
            room = self.capacity
            for payload in payloads:
                if len(payload) + 8 > room:
                    break
                self.writer.send_bytes(payload)
                room -= len(payload) + 8
                sent += 1
        except OSError:
            pass
        finally:
            self.writer.close()
        return sent

    def close(self) -> None:
        for end in (self.reader, self.writer):
            end.close()
