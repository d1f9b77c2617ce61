"""The driver of a batch: hands stories to an executor as it takes them, refuses a duplicate id, keeps the summary
in input order, and reports each story as it ends. Every story goes to the executor, finished or not: whether an
earlier run of it can be kept depends on the translator's settings, which only the executor's translator knows
(``aligner.batch.job.run_task`` keeps it, or redoes the story and says why).

Each story is translated on its own (its sentences batched together, repeats within it translated once),
never from a memory of other stories: a sentence's translation can depend on the sentences it shares a batch
with (eval/batch/batch_dependence.md: up to 1 % of sentences on the tiny model, through numerics and the
length cap), so reusing another story's translation would make a story's output depend on which worker ran
which story first. This way the output is the same bytes for any number and kind of workers.

Executors (``Executor``) decide where stories run: this process (``Sequential``), worker processes on this
machine (``aligner.batch.workers``) or Ray actors (``aligner.batch.cluster``). All of them run
``aligner.batch.job.run_task``, so the output is the same bytes whichever runs it.
"""

from __future__ import annotations

import signal
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..errors import AlignerError, InputError
from ..scoring.metrics import release_caches
from ..translation.base import Translator
from .inputs import StoryItem
from .job import (
    REASONS,
    Outcome,
    Task,
    check_story_timeout,
    describe,
    record_failure,
    remove_leftovers,
    run_task,
    timeout_reason,
)
from .summary import OrderedSummary


class Executor(Protocol):
    """Runs tasks and yields their outcomes, in any order, each exactly once."""

    def map(self, tasks: Iterator[Task], out: Path) -> Iterator[Outcome]: ...


class StoryTimeout(BaseException):
    """Raised in the main thread by ``Sequential``'s alarm. Not an ``Exception``: ``run_task`` records any
    ``Exception`` as the story's own error, and this one must reach ``Sequential``."""


class Sequential:
    """Every story in this process, one after the other, with one translator.

    ``story_timeout`` (seconds; None: no limit) stops a story that takes longer and records it as failed. A story
    cannot be killed from inside the process that runs it, so this is an alarm (``SIGALRM``) that raises
    ``StoryTimeout`` in the main thread, chosen over handing the story to a worker process so that a batch in one
    process stays one process (no second model in memory, no process start). Its limit: the exception is raised
    when the interpreter next runs Python code, so a story stuck inside one call into a native library that never
    returns (one CTranslate2 batch, one regular expression) is not stopped; worker processes (``--workers 2`` and
    more) and Ray actors are killed instead and have no such limit. It needs the main thread of a POSIX system.
    """

    def __init__(self, translator: Translator, *, story_timeout: float | None = None) -> None:
        self.translator = translator
        self.story_timeout = check_story_timeout(story_timeout)

    def map(self, tasks: Iterator[Task], out: Path) -> Iterator[Outcome]:
        if self.story_timeout is None:
            for task in tasks:
                yield run_task(task, self.translator, out)
            return
        if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
            raise AlignerError(
                "--story-timeout in one process needs the main thread of a POSIX system (it uses SIGALRM); "
                "use --workers 2 or more"
            )
        for task in tasks:
            yield self._run_bounded(task, out, self.story_timeout)

    def _run_bounded(self, task: Task, out: Path, seconds: float) -> Outcome:
        armed = False

        def alarm(signum: int, frame: object) -> None:
            if armed:  # not once the story has ended: a late alarm must not fail a finished story
                raise StoryTimeout

        outcome: Outcome | None = None
        previous = signal.signal(signal.SIGALRM, alarm)
        try:
            try:
                armed = True
                # then every second: an alarm raised while a finaliser runs is swallowed by the interpreter
                signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
                outcome = run_task(task, self.translator, out)
            finally:
                armed = False
                signal.setitimer(signal.ITIMER_REAL, 0)
        except StoryTimeout:
            pass  # ``outcome`` stays None, unless the alarm came after run_task returned (then the story is done)
        finally:
            signal.signal(signal.SIGALRM, previous)
        if outcome is not None:
            return outcome
        release_caches()  # run_task's own release may be what the alarm cut short
        remove_leftovers(out, task.item.id)  # a file or run directory the story was writing
        return record_failure(out, task, timeout_reason(seconds))


@dataclass(frozen=True)
class BatchReport:
    """What a batch did. ``redone`` of the ``done`` stories had a finished run that was not kept (it was made from
    another input, reference or settings); ``reasons``: how many stories each reason applied to (a story may have
    several), in ``REASONS`` order."""

    done: int  # stories finished in this invocation (the redone ones included)
    skipped: int  # stories already finished before it, from the same input, reference and settings
    failed: int
    summary_path: Path
    redone: int = 0
    reasons: tuple[tuple[str, int], ...] = ()

    def line(self) -> str:
        """``4 done, 1 already done, 0 failed``, then ``; 3 redone: input changed (2), settings changed (1)`` when
        stories were redone (a single reason shared by all of them without its count)."""
        text = f"{self.done} done, {self.skipped} already done, {self.failed} failed"
        if not self.redone:
            return text
        if len(self.reasons) == 1 and self.reasons[0][1] == self.redone:
            why = describe(self.reasons[0][0])
        else:
            why = ", ".join(f"{describe(reason)} ({n})" for reason, n in self.reasons)
        return f"{text}; {self.redone} redone: {why}"


TRANSLATIONS_INDEX = ".aligner-translations.sqlite"  # existing translations indexed for Ray actors on other nodes


def prepare_output(out: str | Path) -> Path:
    """The output folder, made if needed and cleared of what a killed run left (half-written stories, files, a
    translations index), before anything of this run is put there."""
    outdir = Path(out)
    (outdir / "stories").mkdir(parents=True, exist_ok=True)
    (outdir / "errors").mkdir(exist_ok=True)
    remove_leftovers(outdir)
    (outdir / TRANSLATIONS_INDEX).unlink(missing_ok=True)
    return outdir


class _SeenIds:
    """Story ids met so far, on disk (a batch of millions does not grow the driver's memory)."""

    def __init__(self) -> None:
        self._db = sqlite3.connect(tempfile.mktemp(prefix="aligner-ids-", suffix=".sqlite"))
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("CREATE TABLE ids (id TEXT PRIMARY KEY)")

    def add(self, story_id: str) -> bool:
        try:
            self._db.execute("INSERT INTO ids VALUES (?)", (story_id,))
        except sqlite3.IntegrityError:
            return False
        return True

    def close(self) -> None:
        path = self._db.execute("PRAGMA database_list").fetchone()[2]
        self._db.close()
        Path(path).unlink(missing_ok=True)


def run_batch(
    items: Iterable[StoryItem],
    out: str | Path,
    executor: Executor,
    *,
    on_story: Callable[[str, str], None] | None = None,
) -> BatchReport:
    """Run every story of ``items`` into ``out``, keeping those whose earlier run was made from the same input,
    reference and settings; record failures and go on.

    ``on_story(id, status)`` is told ``done``, ``redone: REASONS`` (done again, its earlier run stale: e.g.
    ``redone: input changed, settings changed``), ``skipped`` or ``failed: …`` as each story ends.
    """
    outdir = Path(out)
    (outdir / "stories").mkdir(parents=True, exist_ok=True)
    (outdir / "errors").mkdir(exist_ok=True)
    remove_leftovers(outdir)  # stories half-written when a previous run was killed
    seen = _SeenIds()
    summary = OrderedSummary(outdir)
    counts = {"done": 0, "skipped": 0, "failed": 0, "redone": 0}
    reasons = dict.fromkeys(REASONS, 0)  # bounded: the reasons there are, not the stories

    def tell(story_id: str, status: str) -> None:
        if on_story is not None:
            on_story(story_id, status)

    def tasks() -> Iterator[Task]:
        for seq, item in enumerate(items):
            if not seen.add(item.id):
                raise InputError(f"story id {item.id!r} appears twice in the batch; ids must be unique")
            yield Task(seq, item)

    try:
        for outcome in executor.map(tasks(), outdir):
            if outcome.status in ("done", "skipped") and outcome.summary is not None:
                summary.put(outcome.seq, outcome.summary)
                if outcome.status == "skipped":
                    counts["skipped"] += 1
                    tell(outcome.id, "skipped")
                    continue
                counts["done"] += 1
                if not outcome.redone:
                    tell(outcome.id, "done")
                    continue
                counts["redone"] += 1
                for reason in outcome.redone:
                    reasons[reason] = reasons.get(reason, 0) + 1
                tell(outcome.id, "redone: " + ", ".join(describe(r) for r in outcome.redone))
            else:
                counts["failed"] += 1
                summary.put(outcome.seq, {"id": outcome.id, "status": "error", "error": outcome.error})
                tell(outcome.id, f"failed: {outcome.error}")
        path = summary.finish()
    except BaseException:
        summary.abandon()
        raise
    finally:
        seen.close()
    found = tuple((reason, n) for reason, n in reasons.items() if n)
    return BatchReport(counts["done"], counts["skipped"], counts["failed"], path, counts["redone"], found)
