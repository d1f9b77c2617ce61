"""``aligner batch --workers N``: N worker processes on this machine, each with its own translator, stories handed
out one at a time as workers free up.

A worker that dies (killed from outside, out of memory, a crash in a native library) is replaced and its story
retried; a story that stops its worker ``crashes`` times (two by default) is recorded as failed with the reason,
never retried forever. A story that holds its worker longer than ``story_timeout`` seconds (no outcome by then)
is recorded as failed with the reason, and its worker killed (``SIGKILL``) and replaced; it is not retried, since
it would most likely hang again (a rerun retries it, as any failed story). A worker dies with the driver
(``PR_SET_PDEATHSIG`` on Linux; elsewhere it stops when its pipe closes), so a killed batch leaves nothing running
that could write into the output afterwards.

Written on ``multiprocessing`` rather than ``concurrent.futures.ProcessPoolExecutor`` because the pool must know
which story a dead worker held: ``ProcessPoolExecutor`` breaks the whole pool and fails every pending story.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from ..errors import AlignerError
from ..translation.base import Translator
from .job import Outcome, Task, check_story_timeout, record_failure, remove_leftovers, run_task, timeout_reason


def _die_with_parent() -> None:
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: the kernel kills us when the driver dies
    except (OSError, AttributeError):
        pass  # not Linux: the closed pipe stops the worker after its current story


def worker_main(conn: Connection, make: Callable[..., Translator], spec: dict[str, Any], out: str) -> None:
    """A worker process: build the translator once (``make(**spec)``), then run the stories the driver sends until
    told to stop."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the driver's to handle
    try:
        translator = make(**spec)
    except AlignerError as exc:
        conn.send(("error", str(exc)))
        return
    conn.send(("ready", os.getpid()))
    folder = Path(out)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        conn.send(("outcome", run_task(task, translator, folder)))


def _crash_reason(times: int, code: int | None) -> str:
    how = f"signal {signal.Signals(-code).name}" if code is not None and code < 0 else f"exit code {code}"
    return f"the story stopped its worker {times} times ({how}); not retried again"


def _overdue(slot: _Slot, limit: float) -> bool:
    """The worker has held its story more than ``limit`` seconds and sent nothing: neither an outcome that arrived
    after ``wait`` returned nor the end of its pipe (a death, which the next round handles as a crash)."""
    return time.monotonic() >= slot.since + limit and not slot.conn.poll()


@dataclass
class _Slot:
    process: Any  # multiprocessing.Process (spawn context)
    conn: Connection
    task: Task | None = None
    since: float = 0.0  # when ``task`` was handed to it (time.monotonic)


class Workers:
    """An ``Executor`` of ``count`` worker processes; each makes its translator with ``make(**spec)`` (default
    ``make_translator``; any importable function will do, which is how tests plant a story that kills its worker).
    ``story_timeout``: seconds a story may hold its worker (None: no limit)."""

    def __init__(
        self,
        spec: dict[str, Any],
        count: int,
        *,
        crashes: int = 2,
        make: Callable[..., Translator] | None = None,
        story_timeout: float | None = None,
    ) -> None:
        from ..translation import make_translator

        if count < 1:
            raise AlignerError(f"--workers must be at least 1, got {count}")
        self.make = make or make_translator
        self.spec = spec
        self.count = count
        self.crashes = crashes
        self.story_timeout = check_story_timeout(story_timeout)
        self.pids: list[int] = []  # the live workers' process ids (tests kill one)
        self.holding: dict[int, str] = {}  # process id → the story it is running
        self._ctx = multiprocessing.get_context("spawn")  # never fork a process that has threads (CTranslate2)

    def _start(self, out: Path) -> _Slot:
        mine, theirs = self._ctx.Pipe()
        process = self._ctx.Process(target=worker_main, args=(theirs, self.make, self.spec, str(out)), daemon=True)
        process.start()
        theirs.close()
        try:
            kind, value = mine.recv()
        except EOFError:
            process.join()
            raise AlignerError(
                f"a batch worker stopped while loading the translator (exit code {process.exitcode})"
            ) from None
        if kind == "error":
            process.join()
            raise AlignerError(str(value))
        self.pids.append(int(value))
        return _Slot(process, mine)

    def _stop(self, slot: _Slot) -> None:
        try:
            slot.conn.send(None)
        except OSError:
            pass
        slot.process.join(5)
        if slot.process.is_alive():
            slot.process.kill()
            slot.process.join()
        slot.conn.close()

    def map(self, tasks: Iterator[Task], out: Path) -> Iterator[Outcome]:
        slots: list[_Slot] = []
        retry: deque[Task] = deque()
        crashed: dict[int, int] = {}
        exhausted = False
        limit = self.story_timeout
        try:
            slots = [self._start(out) for _ in range(self.count)]
            while True:
                for k, slot in enumerate(slots):
                    if slot.task is not None:
                        continue
                    if not slot.process.is_alive():  # died between stories
                        slots[k] = slot = self._replace(slot, out)
                    if retry:
                        slot.task = retry.popleft()
                    elif not exhausted:
                        slot.task = next(tasks, None)
                        exhausted = slot.task is None
                    if slot.task is not None:
                        try:
                            slot.conn.send(slot.task)
                        except OSError:  # it died between stories, after the check: its task waits for the next
                            retry.appendleft(slot.task)
                            slot.task = None
                            slots[k] = self._replace(slot, out)
                            continue
                        slot.since = time.monotonic()
                        self.holding[slot.process.pid] = slot.task.item.id
                busy = [s for s in slots if s.task is not None]
                if not busy:
                    return
                patience = None if limit is None else max(0.0, min(s.since for s in busy) + limit - time.monotonic())
                ready = set(wait([s.conn for s in busy] + [s.process.sentinel for s in busy], patience))
                for k, slot in enumerate(slots):
                    task = slot.task
                    if task is None or (slot.conn not in ready and slot.process.sentinel not in ready):
                        continue
                    outcome = self._receive(slot)
                    if outcome is not None:
                        slot.task = None
                        self.holding.pop(slot.process.pid, None)
                        yield outcome
                        continue
                    code = slot.process.exitcode
                    slots[k] = self._replace(slot, out)  # a new worker takes the dead one's place
                    remove_leftovers(out, task.item.id)  # what the dead worker was writing
                    crashed[task.seq] = crashed.get(task.seq, 0) + 1
                    if crashed[task.seq] < self.crashes:
                        retry.append(task)
                        continue
                    yield record_failure(out, task, _crash_reason(crashed[task.seq], code))
                for k, slot in enumerate(slots):
                    task = slot.task
                    if task is None or limit is None or not _overdue(slot, limit):
                        continue
                    slot.process.kill()  # it cannot be asked to stop: a story that hangs does not read its pipe
                    slots[k] = self._replace(slot, out)
                    remove_leftovers(out, task.item.id)  # what it was writing
                    yield record_failure(out, task, timeout_reason(limit))
        finally:
            for slot in slots:
                self._stop(slot)

    def _receive(self, slot: _Slot) -> Outcome | None:
        """The outcome a worker sent, or None when it died without sending one."""
        try:
            if slot.conn.poll():
                kind, outcome = slot.conn.recv()
                if kind == "outcome":
                    return outcome  # type: ignore[no-any-return]
        except (EOFError, OSError):
            pass
        slot.process.join()
        return None

    def _replace(self, slot: _Slot, out: Path) -> _Slot:
        slot.process.join()
        self.pids = [p for p in self.pids if p != slot.process.pid]
        self.holding.pop(slot.process.pid, None)
        slot.conn.close()
        return self._start(out)
