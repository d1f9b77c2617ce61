"""The progress line of a long batch: counts, stories per minute and time left, on stderr."""

from __future__ import annotations

import io
import time

import pytest

from aligner.batch.progress import BatchProgress


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_line_counts_rates_and_estimates(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    monkeypatch.setattr(time, "monotonic", clock)  # the module reads time.monotonic() on each story
    out = io.StringIO()
    p = BatchProgress(100, stream=out, every=10.0)
    for _ in range(10):
        p.story("skipped")  # already done: neither counted in the rate nor in what is left
    p.story("done")  # the first story run starts the clock (model loading is not in the rate)
    for _ in range(29):
        clock.now += 2.0  # one story every 2 s: 30 per minute
        p.story("done")
    p.story("failed")
    clock.now += 2.0
    assert p.line() == (
        "aligner batch: 30 done, 1 failed, 10 already done, 59 to go · 30 stories/min · about 2 min left"
    )
    lines = out.getvalue().splitlines()  # not a terminal: a line every 10 s, not one per story
    assert 5 <= len(lines) <= 8 and lines[0].startswith("aligner batch: 0 done, 0 failed, 1 already done")
    p.close()
    assert out.getvalue().splitlines()[-1].startswith("aligner batch: 30 done, 1 failed, 10 already done, 59 to go")


def test_standard_input_has_no_total_and_long_jobs_show_hours(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    monkeypatch.setattr(time, "monotonic", clock)  # the module reads time.monotonic() on each story
    unknown = BatchProgress(None, stream=io.StringIO())
    unknown.story("done")
    clock.now += 60
    unknown.story("done")
    assert unknown.line() == "aligner batch: 2 done, 0 failed, 0 already done · 1 stories/min"
    long = BatchProgress(10_000, stream=io.StringIO())
    long.story("done")
    clock.now += 60
    long.story("done")
    assert long.line().endswith("· 1 stories/min · about 166 h 38 min left")
