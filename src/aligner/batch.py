"""Many stories, one run each, resumable.

Layout of a batch output directory::

    OUTDIR/stories/<id>/{translation.txt,alignment.txt,result.json,report.html}   one finished run
    OUTDIR/errors/<id>.txt                                                        why a story failed
    OUTDIR/summary.json, OUTDIR/summary.tsv                                       per story: scores or error

A story counts as done when its run directory exists. Runs are written atomically: a run killed
mid-story leaves only a hidden temporary directory, which the next run removes. A rerun skips done
stories and retries failed ones. The summary is rebuilt from the directory at the end, in input
order, so an interrupted-then-resumed batch ends with the same files as an uninterrupted one.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import AlignerError, InputError
from .files import is_stdio, write_atomic
from .pipeline import read_run, run_story, write_run
from .reading.reader import Story, iter_jsonl_stories, read_document
from .results import StorySummary
from .review.report import render_index
from .translation.base import Translator


@dataclass(frozen=True)
class StoryItem:
    """A story to run, or the error that stopped it from being read."""

    id: str
    story: Story | None
    error: str | None = None


def iter_stories(path: str | Path) -> Iterator[StoryItem]:
    """Stories from a JSONL file, or from a folder of ``NAME.txt`` (French) with optional ``NAME.en.txt``."""
    p = Path(path)
    if is_stdio(p):
        yield from (StoryItem(s.source.id, s) for s in iter_jsonl_stories(p))
        return
    if not p.exists():
        raise InputError(f"{p}: no such file or folder; give a folder of .txt stories or a .jsonl file (- for stdin)")
    if p.is_file():
        yield from (StoryItem(s.source.id, s) for s in iter_jsonl_stories(p))
        return
    sources = sorted(f for f in p.glob("*.txt") if not f.name.endswith(".en.txt") and not f.name.startswith("."))
    if not sources:
        raise InputError(f"{p}: no .txt stories in this folder (references are NAME.en.txt beside NAME.txt)")
    for f in sources:
        try:
            source = read_document(f, lang="fr")
            ref_path = f.with_name(f.stem + ".en.txt")
            reference = read_document(ref_path, lang="en") if ref_path.exists() else None
            yield StoryItem(source.id, Story(source, reference))
        except AlignerError as exc:
            yield StoryItem(f.stem, None, str(exc))


@dataclass(frozen=True)
class BatchReport:
    done: int  # stories finished in this invocation
    skipped: int  # stories already finished before it
    failed: int
    summary_path: Path


def story_summary(story_id: str, outdir: Path) -> StorySummary:
    """The summary line of one story of a batch, from its run directory or its error file."""
    if (outdir / "stories" / story_id / "result.json").exists():
        return StorySummary.of(read_run(outdir / "stories" / story_id))
    err = outdir / "errors" / f"{story_id}.txt"
    return StorySummary(story_id, "error", error=err.read_text(encoding="utf-8").strip() if err.exists() else "")


def write_summary(out: Path, rows: list[StorySummary]) -> Path:
    """``summary.json``, ``summary.tsv`` and ``index.html`` of a batch, each written atomically."""
    summary = out / "summary.json"
    write_atomic(summary, json.dumps({"stories": [r.to_json() for r in rows]}, ensure_ascii=False, indent=1) + "\n")
    write_atomic(out / "index.html", render_index("aligner batch", rows))
    lines = ["\t".join(StorySummary.COLUMNS)] + [r.tsv_row() for r in rows]
    write_atomic(out / "summary.tsv", "\n".join(lines) + "\n")
    return summary


def run_batch(
    items: Iterator[StoryItem],
    translator: Translator,
    outdir: str | Path,
    *,
    on_story: Callable[[str, str], None] | None = None,
) -> BatchReport:
    """Run every story not yet done into ``outdir``; record failures and go on.

    ``on_story(id, status)`` is told "done", "skipped" or "failed: …" after each story.
    """
    out = Path(outdir)
    (out / "stories").mkdir(parents=True, exist_ok=True)
    (out / "errors").mkdir(exist_ok=True)
    for leftover in (out / "stories").glob(".*"):  # a story half-written when a previous run was killed
        shutil.rmtree(leftover, ignore_errors=True)
    order: list[str] = []
    done = skipped = failed = 0
    for item in items:
        if item.id in order:
            raise InputError(f"story id {item.id!r} appears twice in the batch; ids must be unique")
        order.append(item.id)
        target = out / "stories" / item.id
        err = out / "errors" / f"{item.id}.txt"
        if target.is_dir():
            skipped += 1
            if on_story:
                on_story(item.id, "skipped")
            continue
        try:
            if item.story is None:
                raise InputError(item.error or "unreadable story")
            result = run_story(item.story.source, translator, item.story.reference)
            write_run(result, target)
        except AlignerError as exc:
            failed += 1
            write_atomic(err, str(exc) + "\n")
            if on_story:
                on_story(item.id, f"failed: {exc}")
            continue
        err.unlink(missing_ok=True)
        done += 1
        if on_story:
            on_story(item.id, "done")
    summary = write_summary(out, [story_summary(i, out) for i in order])
    return BatchReport(done, skipped, failed, summary)
