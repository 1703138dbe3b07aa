"""The budget every rendering of a user template (a template or a clause text) runs under, in
every command: check, build, diff, impact and the handbook.

A rendering is one call of `rendering()` (nested ones share the outer one's budget: an agreement's
template and the clause texts it places are one rendering). It stops with `BudgetExceeded`, which
the caller turns into a `path:line:col: error:` finding, when it

- makes any one value longer than MAX_LENGTH (checked before the value is made where it can be
  foreseen: `*`, `+`, `~`, `%`, `format`, `join`, `replace`, widths… see guards.py),
- computes an integer wider than MAX_INT_BITS (`9**(9**9)`; Jinja's `**` is left-associative, so
  `9**9**9` is (9**9)**9, a harmless 78 digits),
- prints more than MAX_OUTPUT characters in all,
- makes more than MAX_STEPS loop iterations and calls (nested loops, recursive macros),
- runs longer than `seconds()` (a deadline checked at every step in any thread, and in the main
  thread also by a SIGALRM timer that interrupts long library calls),
- or, in the main thread of a single-threaded process on Linux, allocates more than MEMORY bytes
  more than it had when it started (RLIMIT_DATA lowered for the rendering, then restored).

A real agreement renders in milliseconds with a few thousand steps and ~100 KB of text: every
limit is far above that, and far below what hurts a machine.
"""

from __future__ import annotations

import os
import resource
import signal
import threading
import time
from decimal import Decimal
from itertools import islice
from typing import Any, Iterable, Iterator

MAX_LENGTH = 2_000_000  # characters (or items) in any one value a template makes
MAX_OUTPUT = 20_000_000  # characters printed by `{{ … }}` in one rendering
MAX_STEPS = 1_000_000  # loop iterations and calls in one rendering
MAX_INT_BITS = 4_096  # bits of an integer a template computes (about 1,230 digits)
MAX_WIDTH = 10_000  # a width or precision in a format (`%9999999d`, `{:>999999999}`)
SECONDS = 10.0  # wall-clock seconds of one rendering; CLAUSIER_RENDER_SECONDS overrides (tests shrink it)
MEMORY = 512 * 1024 * 1024  # bytes a rendering may add to the process (where RLIMIT_DATA can cap it)
_CHECK_EVERY = 256  # steps between two looks at the clock
_CHUNK = 64  # pieces of a rendered text joined between two checks of its size
_ALARM_REPEAT = 0.05  # seconds: once past the deadline, the alarm repeats until the rendering ends


class BudgetExceeded(Exception):
    """A rendering went over its budget; the message says which limit. Once over, it stays over:
    every later step raises again, so a library that swallows the first one cannot carry on."""


class _State(threading.local):
    active = False
    steps = 0
    checkpoint = 1 << 62  # the next step that looks further (the clock, the limit); never when inactive
    printed = 0
    deadline = 0.0
    over: str | None = None


_state = _State()


def seconds() -> float:
    try:
        return float(os.environ.get("CLAUSIER_RENDER_SECONDS", SECONDS))
    except ValueError:
        return SECONDS


class rendering:  # noqa: N801 - used as a function: `with rendering(): …`
    """Run a rendering under the budget (the outer one's, when nested). A class rather than a
    generator so that its setting up and undoing run in this module, where the alarm never raises
    (see _on_alarm): the timer and the memory cap are always undone."""

    def __enter__(self) -> None:
        state = _state
        self.outer = not state.active
        if not self.outer:
            return
        state.active, state.steps, state.printed, state.over = True, 0, 0, None
        state.checkpoint = _CHECK_EVERY
        state.deadline = time.monotonic() + seconds()
        self.undo = [_start_alarm(), _cap_memory()]

    def __exit__(self, *exc: object) -> None:
        if self.outer:
            for undo in self.undo:
                undo()
            _state.active, _state.steps, _state.checkpoint = False, 0, 1 << 62


def exceed(reason: str) -> None:
    """Stop the rendering: over budget for `reason` (and stay so)."""
    if _state.active and _state.over is None:
        _state.over = reason
        _state.checkpoint = -1  # every later step raises again
    raise BudgetExceeded(_state.over or reason)


def step(count: int = 1) -> None:
    """One loop iteration or call (the hot path: one add and one comparison)."""
    state = _state
    state.steps += count
    if state.steps > state.checkpoint:
        _look(state)


def _look(state: _State) -> None:
    if not state.active:
        state.steps = 0
        return
    if state.over is not None:
        raise BudgetExceeded(state.over)
    if state.steps > MAX_STEPS:
        exceed(f"more than {MAX_STEPS:,} loop iterations and calls")
    if time.monotonic() > state.deadline:
        exceed(f"took longer than {seconds():g} seconds")
    state.checkpoint = state.steps + _CHECK_EVERY


def printed(length: int) -> None:
    """`length` characters printed by `{{ … }}`."""
    state = _state
    if not state.active:
        return
    state.printed += length
    if state.printed > MAX_OUTPUT:
        exceed(f"printed more than {MAX_OUTPUT:,} characters")
    step()


def length(size: int, what: str = "a text") -> None:
    """A value of `size` characters or items is about to be made."""
    if size > MAX_LENGTH:
        exceed(f"{what} of {_count(size)} characters or items (the limit is {MAX_LENGTH:,})")


def integer(bits: int) -> None:
    if bits > MAX_INT_BITS:
        exceed(f"a number of about {_count(int(bits * 0.30103))} digits (the limit is {MAX_INT_BITS * 30103 // 100000:,})")


def width(value: Any) -> None:
    if isinstance(value, int) and value > MAX_WIDTH:
        exceed(f"a width or precision of {_count(value)} (the limit is {MAX_WIDTH:,})")


def _count(number: int) -> str:
    return f"{number:,}" if number < 10**30 else "more than 10^30"


def checked(value: Any) -> Any:
    """A value a template made, if it is within the budget."""
    if isinstance(value, (str, bytes, list, tuple, dict)):
        length(len(value))
    elif isinstance(value, int) and not isinstance(value, bool):
        integer(value.bit_length())
    return value


def weight(value: Any, limit: int = MAX_LENGTH) -> int:
    """About how many characters turning `value` into text would make (each shared part counted
    each time it appears, as `str()` would): stops counting past `limit`."""
    if isinstance(value, (str, bytes)):
        return len(value)
    if value is None or isinstance(value, (bool, float, Decimal)):
        return 8
    if isinstance(value, int):
        return value.bit_length() // 3 + 1
    total, stack = 0, [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, (str, bytes, bytearray)):
            total += len(item) + 4
        elif isinstance(item, dict):
            total += 2 + 4 * len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += 2 + 2 * len(item)
            stack.extend(item)
        else:
            attrs = _namespace_attrs(item)
            if attrs is not None:
                stack.append(attrs)
            total += 16
    return total


def _namespace_attrs(item: Any) -> dict | None:
    try:
        attrs = object.__getattribute__(item, "_Namespace__attrs")
    except AttributeError:
        return None
    return attrs if isinstance(attrs, dict) else None


def text_of(value: Any, what: str = "a value turned into text") -> None:
    """`value` is about to become text."""
    if not isinstance(value, str):
        length(weight(value), what)


def counted(iterable: Iterable[Any]) -> Iterator[Any]:
    """The items of a loop, each one a step."""
    for item in iterable:
        step()
        yield item


def concat(parts: Iterable[str]) -> str:
    """Jinja's `concat` ("".join) for the pieces of a rendering, a macro or a block, bounded."""
    state = _state
    if not state.active:
        return "".join(parts)
    pieces: list[str] = []
    total = 0
    parts = iter(parts)
    while True:  # a chunk at a time, at C speed; each piece counts one more, so empty pieces are bounded too
        chunk = list(islice(parts, _CHUNK))
        total += sum(map(len, chunk)) + len(chunk)
        if total > MAX_LENGTH:
            length(total, "a rendered text")
        pieces += chunk
        if len(chunk) < _CHUNK:
            return "".join(pieces)


# ---------------------------------------------------------------- the deadline and the memory cap


def _on_alarm(signum, frame) -> None:
    if not _state.active or threading.current_thread() is not threading.main_thread():
        return
    reason = f"took longer than {seconds():g} seconds"
    if frame is not None and frame.f_code.co_filename == __file__:
        _state.over = _state.over or reason  # in here (setting up, undoing): the next step raises
        _state.checkpoint = -1
        return
    exceed(reason)


def _start_alarm():
    """A SIGALRM at the deadline, repeating until the rendering ends: it stops long calls that take
    no steps. Only in the main thread, and only when nobody else uses the signal or the timer (the
    handler, once installed, stays: it does nothing outside a rendering)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        return _nothing
    try:
        handler = signal.getsignal(signal.SIGALRM)
        if handler is not _on_alarm:
            if handler not in (signal.SIG_DFL, None):
                return _nothing
            signal.signal(signal.SIGALRM, _on_alarm)
        if signal.getitimer(signal.ITIMER_REAL) != (0.0, 0.0):
            return _nothing
        signal.setitimer(signal.ITIMER_REAL, seconds(), _ALARM_REPEAT)
    except (ValueError, OSError):
        return _nothing
    return _stop_alarm


def _stop_alarm() -> None:
    signal.setitimer(signal.ITIMER_REAL, 0)


def _cap_memory():
    """RLIMIT_DATA lowered to what the process uses now plus MEMORY, until the rendering ends: an
    allocation past it fails (MemoryError) in the rendering. Only in a single-threaded process
    (another thread's allocations would fail too), and only where Linux says what is used."""
    if threading.current_thread() is not threading.main_thread():
        return _nothing
    used = _proc.data_bytes_if_alone()
    if used is None:
        return _nothing
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        cap = used + MEMORY
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        if soft != resource.RLIM_INFINITY and soft <= cap:
            return _nothing  # already capped tighter (a build worker)
        resource.setrlimit(resource.RLIMIT_DATA, (cap, hard))
    except (ValueError, OSError):
        return _nothing
    return lambda: resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


class _Proc:
    """/proc/self/stat and statm, kept open (reopened after a fork): reading them is then cheap."""

    def __init__(self) -> None:
        self.pid = 0
        self.stat = self.statm = -1

    def data_bytes_if_alone(self) -> int | None:
        """What RLIMIT_DATA is measured against (data and stack, in bytes), when the process has
        one thread; else None."""
        try:
            if self.pid != os.getpid():
                for fd in (self.stat, self.statm):
                    if fd >= 0:
                        os.close(fd)
                self.stat = os.open("/proc/self/stat", os.O_RDONLY | os.O_CLOEXEC)
                self.statm = os.open("/proc/self/statm", os.O_RDONLY | os.O_CLOEXEC)
                self.pid = os.getpid()
            stat = os.pread(self.stat, 4096, 0)
            threads = int(stat[stat.rindex(b")") + 2:].split()[17])  # field 20, counted after the name
            if threads != 1:
                return None
            return int(os.pread(self.statm, 256, 0).split()[5]) * resource.getpagesize()
        except (OSError, ValueError, IndexError):
            self.pid = 0
            return None


_proc = _Proc()


def _nothing() -> None:
    pass
