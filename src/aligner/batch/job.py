"""One story of a batch, as every executor runs it (this process, worker processes, Ray actors): translate,
align, score, write its run directory atomically, or record why it failed."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import AlignerError, InputError
from ..files import write_atomic
from ..pipeline import run_story
from ..results import StorySummary
from ..results.rundir import error_file, story_dir, write_run
from ..scoring.metrics import release_caches
from ..translation.base import Translator
from .inputs import StoryItem


@dataclass(frozen=True)
class Task:
    """The ``seq``-th story of the input (0-based)."""

    seq: int
    item: StoryItem


@dataclass(frozen=True)
class Outcome:
    """What became of a story: ``done`` (``summary``: its summary line), ``failed`` (``error``: why), or
    ``skipped`` (finished by an earlier run)."""

    seq: int
    id: str
    status: str
    summary: dict[str, Any] | None = None
    error: str = ""


def record_failure(out: Path, task: Task, why: str) -> Outcome:
    write_atomic(error_file(out, task.item.id), why + "\n")
    return Outcome(task.seq, task.item.id, "failed", error=why)


def run_task(task: Task, translator: Translator, out: Path) -> Outcome:
    """Run one story into ``out``; failures are recorded (``errors/ID.txt``) and returned, never raised."""
    item = task.item
    try:
        if item.story is None:
            raise InputError(item.error or "unreadable story")
        result = run_story(item.story.source, translator, item.story.reference)
        write_run(result, story_dir(out, item.id))
    except AlignerError as exc:
        return record_failure(out, task, str(exc))
    except Exception as exc:  # a bug must not stop a night's batch: the story records it, the rest goes on
        return record_failure(out, task, f"internal error ({type(exc).__name__}: {exc}); please report it")
    finally:
        release_caches()  # nothing of a story stays in memory once it is written
    error_file(out, item.id).unlink(missing_ok=True)
    return Outcome(task.seq, item.id, "done", StorySummary.of(result).to_json())


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
