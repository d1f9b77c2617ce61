"""One story of a batch, as every executor runs it (this process, worker processes, Ray actors): keep its earlier
run when that run was made from the same input, reference and settings, or translate, align, score and write its
run directory atomically, or record why it failed.

The decision is taken here, where the translator lives (each worker or actor makes its own), from the story's
``Identity`` (sha256 of the source and reference documents, the translator's settings) and the one kept in the
earlier run's ``result.json``."""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import AlignerError, InputError
from ..feeds import run_outputs
from ..files import write_atomic
from ..pipeline import run_story
from ..results import Identity, RunResult, StorySummary
from ..results.rundir import error_file, read_run, story_dir, write_run
from ..scoring.metrics import release_caches
from ..translation.base import Translator
from .inputs import StoryItem


@dataclass(frozen=True)
class Task:
    """The ``seq``-th story of the input (0-based)."""

    seq: int
    item: StoryItem


UNREADABLE = "earlier run unreadable"  # a reason to redo beside ``Identity.changes``'s
REASONS = ("input", "reference", "settings", "made by an earlier aligner", UNREADABLE)  # the order they are told in


MAX_STORY_TIMEOUT = 1_000_000.0  # seconds (11.6 days); more overflows the system timers that enforce it


def check_story_timeout(seconds: float | None) -> float | None:
    """``seconds`` when it can bound a story (above 0, at most ``MAX_STORY_TIMEOUT``); None: no bound."""
    if seconds is None:
        return None
    if not 0 < seconds <= MAX_STORY_TIMEOUT:  # NaN fails too
        raise AlignerError(
            f"--story-timeout must be more than 0 and at most {MAX_STORY_TIMEOUT:.0f} seconds, got {seconds:g}"
        )
    return float(seconds)


def timeout_reason(seconds: float) -> str:
    """Why a story that outlived ``--story-timeout`` failed. It is not retried within the batch (it would most likely
    hang again); a rerun retries it, as any failed story."""
    return (
        f"stopped after {seconds:g} s (--story-timeout); a rerun retries it "
        "(give it more time with a larger --story-timeout)"
    )


def describe(reason: str) -> str:
    """A reason to redo a story (``Outcome.redone``) as a user reads it: ``input changed``, ``settings changed``,
    ``made by an earlier aligner``, …"""
    return f"{reason} changed" if reason in ("input", "reference", "settings") else reason


@dataclass(frozen=True)
class Outcome:
    """What became of a story: ``done`` (``summary``: its summary line), ``failed`` (``error``: why), or
    ``skipped`` (``summary``: that of its earlier run, made from the same input, reference and settings).

    ``redone``: why a finished run of the story was not kept (``input``, ``reference``, ``settings``,
    ``made by an earlier aligner``, ``earlier run unreadable``); empty when there was none, or it was kept."""

    seq: int
    id: str
    status: str
    summary: dict[str, Any] | None = None
    error: str = ""
    redone: tuple[str, ...] = ()


def record_failure(out: Path, task: Task, why: str, *, redone: tuple[str, ...] = ()) -> Outcome:
    """Record why a story failed (``errors/ID.txt``); a run directory it had (an earlier, stale run: a current one
    is kept without running anything) goes, so that a failed story is never also a finished one."""
    _discard(story_dir(out, task.item.id))
    write_atomic(error_file(out, task.item.id), why + "\n")
    return Outcome(task.seq, task.item.id, "failed", error=why, redone=redone)


def _discard(rundir: Path) -> None:
    """Remove a stale run directory: renamed to a hidden leftover first, so that a kill midway leaves nothing that
    looks finished (``remove_leftovers`` clears it). One holding a review database of its own is left alone."""
    if not rundir.is_dir() or (rundir / "review.sqlite").exists():
        return
    gone = Path(tempfile.mkdtemp(prefix=f".{rundir.name}.old.", dir=rundir.parent))
    gone.rmdir()
    rundir.rename(gone)
    shutil.rmtree(gone, ignore_errors=True)


def earlier_run(rundir: Path, identity: Identity) -> tuple[RunResult | None, tuple[str, ...]]:
    """The run in ``rundir`` when it was made from ``identity`` (to be kept), else None and why it is stale (no
    reasons when there is no run)."""
    if not rundir.is_dir():
        return None, ()
    try:
        earlier = read_run(rundir)
    except InputError:  # cut short, edited by hand, or of a schema this aligner cannot read
        return None, (UNREADABLE,)
    changes = tuple(identity.changes(earlier.identity))
    return (None, changes) if changes else (earlier, ())


def run_task(task: Task, translator: Translator, out: Path) -> Outcome:
    """Run one story into ``out``, unless its run directory holds a run of the same input, reference and
    translator settings (then ``skipped``); failures are recorded (``errors/ID.txt``) and returned, never raised."""
    item = task.item
    rundir = story_dir(out, item.id)
    redone: tuple[str, ...] = ()
    try:
        if item.story is None:
            raise InputError(item.error or "unreadable story")
        identity = Identity.of(item.story.source, item.story.reference, translator.signature)
        earlier, redone = earlier_run(rundir, identity)
        if earlier is not None:
            error_file(out, item.id).unlink(missing_ok=True)  # a kill between writing the run and this, last time
            return Outcome(task.seq, item.id, "skipped", StorySummary.of(earlier).to_json())
        result = run_story(item.story.source, translator, item.story.reference)
        files: dict[str, bytes] = {}
        if item.item is not None:  # a news item: the translated item (and the original) go beside translation.txt
            result, files = run_outputs(item.item, result)
        write_run(result, rundir, extra=files)
    except AlignerError as exc:
        return record_failure(out, task, str(exc), redone=redone)
    except Exception as exc:  # a bug must not stop a night's batch: the story records it, the rest goes on
        why = f"internal error ({type(exc).__name__}: {exc}); please report it"
        return record_failure(out, task, why, redone=redone)
    finally:
        release_caches()  # nothing of a story stays in memory once it is written
    error_file(out, item.id).unlink(missing_ok=True)
    return Outcome(task.seq, item.id, "done", StorySummary.of(result).to_json(), redone=redone)


def _leftover(name: str, story_id: str | None) -> bool:
    """A hidden temporary name that aligner's atomic writers make: ``.ID.XXXXXXXX`` / ``.ID.old.XXXXXXXX``
    (a run directory, ``atomic_directory``) or ``.NAME.XXXXXXXX.tmp`` (a file, ``write_atomic``); with
    ``story_id``, only that story's (not those of a story whose id merely starts the same: ``AFP.1`` / ``AFP.1.v2``)."""
    if story_id is None:
        return name.startswith(".")
    stem = re.escape(f".{story_id}")
    return re.fullmatch(stem + r"\.(?:old\.)?[a-z0-9_]{8}|" + stem + r"\.txt\.[a-z0-9_]{8}\.tmp", name) is not None


def remove_leftovers(out: Path, story_id: str | None = None) -> None:
    """Hidden temporary files and folders that a killed writer left (of one story, or of the whole batch).

    It lists the folders: called once at the start of a batch and once per retried story (never per story: in
    a folder of 100,000 stories that listing would make a batch quadratic)."""
    for folder in (out / "stories", out / "errors", out):
        if not folder.is_dir():
            continue
        for leftover in folder.iterdir():
            if not _leftover(leftover.name, story_id):
                continue
            if leftover.is_dir() and folder.name == "stories":
                shutil.rmtree(leftover, ignore_errors=True)
            elif leftover.is_file() and leftover.name.endswith(".tmp"):
                leftover.unlink(missing_ok=True)
