"""Many stories, one run each: resumable, in parallel, on one machine or a Ray cluster.

Layout of a batch output directory::

    OUTDIR/stories/<id>/{translation.txt,alignment.txt,result.json,report.html}   one finished run
    OUTDIR/errors/<id>.txt                                                        why a story failed
    OUTDIR/summary.json, OUTDIR/summary.tsv, OUTDIR/index.html                    per story, in input order

A story counts as done when its run directory holds a run made from the same input, reference and translator
settings (the ``Identity`` in its ``result.json``); a run made from others is stale, and the story is redone (the
batch says why: ``input changed``, ``reference changed``, ``settings changed``, ``made by an earlier aligner``), so
a batch never mixes two models or keeps an English that no longer matches its French. Runs are written
atomically: a run killed mid-story leaves only a hidden temporary directory, which the next run removes. A rerun
keeps done stories, redoes stale ones and retries failed ones, so an interrupted-then-resumed batch ends with the
same files as an uninterrupted one, whatever ran the stories (``Sequential``, ``aligner.batch.workers.Workers``,
``aligner.batch.cluster.RayActors``). A failed story keeps no run directory (``errors/ID.txt`` says why). Every
executor takes a ``story_timeout``: a story that runs longer is stopped and recorded as failed (its worker process
or actor killed and replaced; in one process, an alarm), and not retried until the next run.
"""

from __future__ import annotations

from ..results.rundir import story_summary
from .inputs import StoryItem, count_stories, iter_stories
from .job import Outcome, Task, run_task
from .runner import TRANSLATIONS_INDEX, BatchReport, Executor, Sequential, prepare_output, run_batch

__all__ = [
    "TRANSLATIONS_INDEX",
    "BatchReport",
    "Executor",
    "Outcome",
    "Sequential",
    "StoryItem",
    "Task",
    "count_stories",
    "iter_stories",
    "prepare_output",
    "run_batch",
    "run_task",
    "story_summary",
]
