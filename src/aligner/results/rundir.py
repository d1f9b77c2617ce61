"""A run directory on disk: ``write_run`` writes one atomically (everything goes to a hidden temporary sibling
directory that is renamed into place only when complete, so a failed run leaves nothing), ``read_run`` reads one
back, and a batch's layout (``stories/ID``, ``errors/ID.txt``) with its per-story summary line."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from ..alignment.beads import format_vecalign
from ..errors import InputError
from ..files import atomic_directory
from ..reading.document import render_translation
from .batch import StorySummary
from .report import render_report
from .run import RunResult

RUN_FILES = ("translation.txt", "alignment.txt", "result.json", "report.html")


def write_run(result: RunResult, outdir: str | Path, *, extra: Mapping[str, bytes] | None = None) -> Path:
    """Write translation.txt, alignment.txt, result.json and report.html into ``outdir`` atomically. A review
    database in ``outdir`` is kept: the new run's beads find their review in it by content (``aligner.store``).
    ``extra``: more files (name → bytes) written in the same step, such as a news item's original and translation
    (``aligner.feeds.run_outputs``)."""
    out = Path(outdir)
    with atomic_directory(out) as tmp:
        keep_review(out, tmp)
        for name, content in (extra or {}).items():
            if Path(name).name != name or name in RUN_FILES or name in REVIEW_FILES:
                raise InputError(f"{name!r} cannot be written into a run directory; give a plain file name of its own")
            (tmp / name).write_bytes(content)
        (tmp / "translation.txt").write_text(render_translation(result.source, result.mt), encoding="utf-8")
        (tmp / "alignment.txt").write_text(format_vecalign(result.alignment), encoding="utf-8")
        data = json.dumps(result.to_json(), ensure_ascii=False, indent=1) + "\n"
        (tmp / "result.json").write_text(data, encoding="utf-8")
        (tmp / "report.html").write_text(render_report(result), encoding="utf-8")
    return out


REVIEW_FILES = ("review.sqlite", "review.sqlite-wal", "review.sqlite-shm")


def keep_review(old: Path, new: Path) -> None:
    """Hard-link the review database files of run directory ``old`` into ``new`` (the directory that replaces it):
    the same files under both names, so a review server that has them open goes on writing to the ones kept."""
    for name in REVIEW_FILES:
        if (old / name).is_file():
            os.link(old / name, new / name)


def read_run(rundir: str | Path) -> RunResult:
    """The ``RunResult`` of a run directory (``aligner run`` or a batch's ``stories/ID``)."""
    path = Path(rundir) / "result.json"
    if not path.is_file():
        raise InputError(f"{rundir}: no result.json; give a directory written by `aligner run` or a batch story")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return RunResult.from_json(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid JSON ({exc}); rerun `aligner run`") from None
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise InputError(
            f"{path}: not an aligner run result ({type(exc).__name__}: {exc}); rerun `aligner run`"
        ) from None


def story_dir(out: Path, story_id: str) -> Path:
    """Where a batch keeps story ``story_id``'s run directory."""
    return out / "stories" / story_id


def error_file(out: Path, story_id: str) -> Path:
    """Where a batch records why story ``story_id`` failed."""
    return out / "errors" / f"{story_id}.txt"


def story_summary(story_id: str, out: Path) -> StorySummary:
    """The summary line of one story of a batch, from its run directory or its error file."""
    if (story_dir(out, story_id) / "result.json").exists():
        return StorySummary.of(read_run(story_dir(out, story_id)))
    err = error_file(out, story_id)
    return StorySummary(story_id, "error", error=err.read_text(encoding="utf-8").strip() if err.exists() else "")
