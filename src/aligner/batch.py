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
from typing import Any

from .errors import AlignerError, InputError
from .pipeline import process, write_run
from .reader import Story, iter_jsonl_stories, read_document
from .report import render_index
from .translate import Translator


@dataclass(frozen=True)
class StoryItem:
    """A story to run, or the error that stopped it from being read."""

    id: str
    story: Story | None
    error: str | None = None


def iter_stories(path: str | Path) -> Iterator[StoryItem]:
    """Stories from a JSONL file, or from a folder of ``NAME.txt`` (French) with optional ``NAME.en.txt``."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file or folder; give a folder of .txt stories or a .jsonl file")
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


def _summary_row(story_id: str, outdir: Path) -> dict[str, Any]:
    run = outdir / "stories" / story_id / "result.json"
    err = outdir / "errors" / f"{story_id}.txt"
    if run.exists():
        data = json.loads(run.read_text(encoding="utf-8"))
        row: dict[str, Any] = {"id": story_id, "status": "ok", "sentences": len(data["mt"])}
        qa = data.get("qa") or {}
        row["flagged"] = sum(1 for flags in qa.get("flags", []) if flags)
        row["flags"] = qa.get("counts", {})
        if data["scores"]:
            for level in ("document", "beads"):
                for metric, value in data["scores"][level].items():
                    row[f"{level}_{metric}"] = value["score"]
        return row
    return {"id": story_id, "status": "error", "error": err.read_text(encoding="utf-8").strip() if err.exists() else ""}


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
            result = process(item.story.source, translator, item.story.reference)
            write_run(result, target)
        except AlignerError as exc:
            failed += 1
            err.write_text(str(exc) + "\n", encoding="utf-8")
            if on_story:
                on_story(item.id, f"failed: {exc}")
            continue
        err.unlink(missing_ok=True)
        done += 1
        if on_story:
            on_story(item.id, "done")
    rows = [_summary_row(i, out) for i in order]
    summary = out / "summary.json"
    tmp = summary.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"stories": rows}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tmp.replace(summary)
    index = out / "index.html"
    index_rows = [
        {**r, "bleu": r.get("beads_bleu", "–"), "chrf": r.get("beads_chrf", "–"), "flagged": r.get("flagged", "–")}
        for r in rows
    ]
    index.with_suffix(".html.tmp").write_text(render_index("aligner batch", index_rows), encoding="utf-8")
    index.with_suffix(".html.tmp").replace(index)
    columns = [
        "id", "status", "sentences", "document_bleu", "document_chrf", "beads_bleu", "beads_chrf", "flagged", "error"
    ]  # fmt: skip
    lines = ["\t".join(columns)] + ["\t".join(str(r.get(c, "")) for c in columns) for r in rows]
    (out / "summary.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return BatchReport(done, skipped, failed, summary)
