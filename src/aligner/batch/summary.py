"""A batch's summary, in input order whatever order the stories finish in, without holding the stories: rows wait
in a small reorder buffer (as many as are in flight), then go to a file on disk; ``summary.json``,
``summary.tsv`` and ``index.html`` are written from that file, each atomically, at the end."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..files import atomic_file
from ..results import StorySummary
from ..results.report import asset, bead_mt, desk_queue, index_rows, queue_view, render_stream, static_page
from ..results.rundir import read_run, story_dir

_STORY_LINK = "stories/{id}/report.html"  # index_rows' default: a story's page beside the index


class OrderedSummary:
    """Summary lines put in any order by input position; written out in input order."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self._tmp = Path(tempfile.mkdtemp(prefix="aligner-batch-"))
        self._path = self._tmp / "rows.jsonl"
        self._fh = self._path.open("w", encoding="utf-8")
        self._waiting: dict[int, dict[str, Any]] = {}
        self._next = 0
        self.rows = 0

    def put(self, seq: int, row: dict[str, Any]) -> None:
        self._waiting[seq] = row
        while self._next in self._waiting:
            self._fh.write(json.dumps(self._waiting.pop(self._next), ensure_ascii=False) + "\n")
            self._next += 1
            self.rows += 1

    def _lines(self) -> Iterator[dict[str, Any]]:
        with self._path.open(encoding="utf-8") as fh:
            for line in fh:
                yield json.loads(line)

    def finish(self) -> Path:
        """Write summary.json, summary.tsv and index.html; return the path of summary.json."""
        self._fh.close()
        if self._waiting:
            raise RuntimeError(f"summary lines {sorted(self._waiting)[:5]} came without the lines before them")
        summary = self.out / "summary.json"
        try:
            with atomic_file(summary) as fh:
                # the bytes of json.dumps({"stories": rows}, indent=1), one row at a time
                fh.write(b'{\n "stories": [' if self.rows else b'{\n "stories": []')
                for k, row in enumerate(self._lines()):
                    text = json.dumps(row, ensure_ascii=False, indent=1).replace("\n", "\n  ")
                    fh.write(((",\n  " if k else "\n  ") + text).encode("utf-8"))
                fh.write(b"\n ]\n}\n" if self.rows else b"\n}\n")
            with atomic_file(self.out / "summary.tsv") as fh:
                fh.write(("\t".join(StorySummary.COLUMNS) + "\n").encode("utf-8"))
                for row in self._lines():
                    fh.write((StorySummary.from_json(row).tsv_row() + "\n").encode("utf-8"))
            with atomic_file(self.out / "index.html") as fh:
                rows = (r for row in self._lines() for r in index_rows([StorySummary.from_json(row)]))
                queue = queue_view(
                    *desk_queue(StorySummary.from_json(row) for row in self._lines()),
                    _STORY_LINK,
                    mt=lambda story: bead_mt(read_run(story_dir(self.out, story))),
                )
                page = static_page("aligner batch", asset("index.js"))
                for chunk in render_stream("index.html", page=page, stories=rows, count=self.rows, live=False,
                                           queue=queue):  # fmt: skip
                    fh.write(chunk.encode("utf-8"))
        finally:
            shutil.rmtree(self._tmp, ignore_errors=True)
        return summary

    def abandon(self) -> None:
        self._fh.close()
        shutil.rmtree(self._tmp, ignore_errors=True)
