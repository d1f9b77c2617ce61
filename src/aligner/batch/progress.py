"""Progress of a long batch on stderr: stories done (and how many of them were redone: their earlier run was
stale), failed, already done and still to go, stories per minute and the time left. On a terminal one line is
redrawn (at most twice a second); in a log, a line is written every ``every`` seconds and at the end."""

from __future__ import annotations

import sys
import time
from typing import TextIO


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = seconds / 60
    if minutes < 90:
        return f"{minutes:.0f} min"
    return f"{int(minutes // 60)} h {int(minutes % 60):02d} min"


class BatchProgress:
    def __init__(self, total: int | None, *, stream: TextIO | None = None, every: float = 10.0) -> None:
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty()
        self.every = 0.5 if self.tty else every
        self.done = self.failed = self.skipped = self.redone = 0
        self.started: float | None = None  # the first story this run actually ran (model loading excluded)
        self.last = 0.0

    def story(self, status: str) -> None:
        """Count a story that ended ``done``, ``redone`` (done again: its earlier run was stale), ``skipped`` or
        ``failed`` (the statuses of ``run_batch``'s ``on_story``, without what follows a colon)."""
        if status == "skipped":
            self.skipped += 1
        else:
            if self.started is None:
                self.started = time.monotonic()
            if status in ("done", "redone"):
                self.done += 1
                self.redone += status == "redone"
            else:
                self.failed += 1
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            self._write(self.line(now))

    def line(self, now: float | None = None) -> str:
        now = time.monotonic() if now is None else now
        ran = self.done + self.failed
        done = f"{self.done:,} done" + (f" ({self.redone:,} redone)" if self.redone else "")
        parts = [done, f"{self.failed:,} failed", f"{self.skipped:,} already done"]
        left = None if self.total is None else max(0, self.total - ran - self.skipped)
        if left is not None:
            parts.append(f"{left:,} to go")
        text = "aligner batch: " + ", ".join(parts)
        if self.started is not None and now > self.started and ran > 1:
            per_minute = (ran - 1) * 60 / (now - self.started)
            text += f" · {per_minute:,.0f} stories/min"
            if left and per_minute > 0:
                text += f" · about {_duration(left * 60 / per_minute)} left"
        return text

    def _write(self, text: str) -> None:
        if self.tty:
            self.stream.write("\r\x1b[K" + text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
        elif self.done + self.failed + self.skipped:
            self._write(self.line())
