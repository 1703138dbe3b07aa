"""A one-way pipe from the building process to one worker, made before the worker is forked.

The building process sends one payload (the templates compiled ahead: precompile.py) and closes;
the worker takes it only if it is there when the worker needs it. Its own module: the launcher
makes one before the command imports anything (prestart.py).
"""

from __future__ import annotations

PIPE_BYTES = 1 << 20  # asked of the pipe, so the whole payload is written without waiting for the worker


class Handoff:
    """A one-way pipe from the building process to its single worker, made before the worker is
    forked. The building process sends once and closes; the worker takes it only if it is there
    when the worker needs it."""

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
        self.reader.close()
        try:
            if len(payload) + 8 > self.capacity:
                return False
            self.writer.send_bytes(payload)
            return True
        except OSError:
            return False
        finally:
            self.writer.close()

    def close(self) -> None:
        for end in (self.reader, self.writer):
            end.close()
