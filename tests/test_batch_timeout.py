"""``aligner batch --story-timeout``: a story that hangs is stopped and recorded as failed with the reason, its
worker process or Ray actor killed and replaced, and the other stories finish, on every executor.

The story that hangs is planted with a translator that sleeps (``batchhelpers.Sleepy``, 120 s) on a sentence
containing SLEEP: given to the executors as their ``make`` (as the tests of a story that kills its worker do), or,
for the command line, planted by a ``sitecustomize`` in every process of the command (``batchhelpers.sleepy_env``),
so that whatever factory ``cmd_batch`` hands its executors, their translator sleeps. Every test fails if the timeout
is removed: the batch would wait out the sleep, so each is run in a subprocess with a timeout or in a thread joined
with one (or, in this process, sleeps less than the test waits), and then finds the story done instead of failed."""

from __future__ import annotations

import importlib.util
import json
import math
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from aligner.batch import BatchReport, Sequential, iter_stories, run_batch
from aligner.batch.job import check_story_timeout, timeout_reason
from aligner.batch.workers import Workers
from aligner.errors import AlignerError
from aligner.files import atomic_directory
from batchhelpers import Shouting, Sleepy, sleepy_env, sleepy_translator
from conftest import ALIGNER, ROOT, cli_env

REASON = "stopped after 2 s (--story-timeout); a rerun retries it (give it more time with a larger --story-timeout)"
FRENCH = {"a": "Oui.", "b": "Le SLEEP est long.", "c": "Peut-être.", "d": "Merci.", "e": "Non."}
ENGLISH = {"Oui.": "Yes.", "Le SLEEP est long.": "The SLEEP is long.", "Peut-être.": "Maybe.", "Merci.": "Thanks.",
           "Non.": "No."}  # fmt: skip


def write_stories(path: Path, french: dict[str, str]) -> Path:
    path.write_text("".join(json.dumps({"id": k, "paragraphs": [v]}) + "\n" for k, v in french.items()), "utf-8")
    return path


def leftovers(out: Path) -> list[str]:
    """Hidden temporary files and folders of the atomic writers (a story cut short mid-write)."""
    return sorted(p.name for folder in (out, out / "stories", out / "errors") for p in folder.glob(".*"))


def dead(pid: int, patience: float = 30.0) -> bool:
    """The process is gone (or a zombie), waiting up to ``patience`` seconds for its parent to see to it."""
    deadline = time.monotonic() + patience
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state == "Z" or time.monotonic() > deadline:
            return state == "Z"
        time.sleep(0.1)


def sleepers(marks: Path) -> list[int]:
    """The process id of each sleep started (one file per sleep)."""
    return sorted(int(p.name.split(".")[0]) for p in marks.iterdir())


def in_thread(job: Callable[[], BatchReport], patience: float = 90.0) -> BatchReport:
    """``job()`` in a thread, failing (not hanging) when it is not over within ``patience`` seconds."""
    done: list[BatchReport] = []
    failed: list[BaseException] = []

    def run() -> None:
        try:
            done.append(job())
        except BaseException as exc:
            failed.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(patience)
    assert not thread.is_alive(), f"the batch did not end within {patience:.0f} s: a story that hangs was not stopped"
    if failed:
        raise failed[0]
    return done[0]


def with_tests_on_path(env: dict[str, str]) -> dict[str, str]:
    """So that the command, its worker processes and its Ray actors import ``batchhelpers``."""
    return {**env, "PYTHONPATH": str(ROOT / "tests") + os.pathsep + env["PYTHONPATH"]}


@pytest.fixture()
def ray_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Token authentication on, the token in the environment, and a home of its own (Ray writes ~/.ray)."""
    if importlib.util.find_spec("ray") is None:  # not imported here: Ray reads its settings when imported
        pytest.skip("Ray is not installed (pip install 'aligner[ray]'; .ci/run installs it)")
    home = tmp_path / "home"
    home.mkdir()
    yield cli_env(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=secrets.token_hex(32), HOME=str(home))


@pytest.mark.parametrize("seconds", [0.0, -1.0, math.nan, 2e6])
def test_a_story_timeout_out_of_range_is_refused(seconds: float) -> None:
    with pytest.raises(AlignerError, match=r"^--story-timeout must be more than 0 and at most 1000000 seconds, got "):
        check_story_timeout(seconds)
    with pytest.raises(AlignerError, match=r"^--story-timeout must be more than 0"):
        Workers({}, 2, story_timeout=seconds)
    assert check_story_timeout(None) is None and check_story_timeout(0.5) == 0.5
    assert timeout_reason(2.0) == REASON and timeout_reason(0.5).startswith("stopped after 0.5 s (--story-timeout); ")


@pytest.mark.parametrize("value", ["0", "-3", "nan"])
def test_the_command_refuses_a_story_timeout_out_of_range_before_writing_anything(tmp_path: Path, value: str) -> None:
    stories = write_stories(tmp_path / "s.jsonl", {"a": "Oui."})
    cmd = [*ALIGNER, "batch", str(stories), "-o", str(tmp_path / "out"), "--story-timeout", value]
    proc = subprocess.run(cmd, env=cli_env(), capture_output=True, text=True, timeout=120)
    assert (proc.returncode, proc.stdout) == (2, "")
    message = f"--story-timeout must be more than 0 and at most 1000000 seconds, got {value}"
    assert proc.stderr.splitlines() == [f"aligner: error: {message}"]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "executor",
    [
        pytest.param([], id="one-process"),
        pytest.param(["--workers", "2"], id="workers-2"),
        pytest.param(["--ray", "--workers", "2"], id="ray-2", marks=pytest.mark.slow),
    ],
)
def test_a_story_past_its_timeout_fails_with_the_reason_and_the_others_finish(
    tmp_path: Path, executor: list[str], request: pytest.FixtureRequest
) -> None:
    """Through the command line, on each executor: the story that sleeps fails with the reason (stderr, errors/,
    summary), exit code 1, slept once (not retried), left no run directory and no leftover, and a rerun retries it.
    Fails if the timeout is removed or not passed to the executor (the subprocess outlives its 90 s), if a timed-out
    story is retried (two sleeps), counted as done or kept (the rerun would keep it)."""
    stories = write_stories(tmp_path / "s.jsonl", FRENCH)
    mt = tmp_path / "mt.jsonl"
    mt.write_text("".join(json.dumps({"source": k, "translation": v}) + "\n" for k, v in ENGLISH.items()), "utf-8")
    marks = tmp_path / "marks"
    marks.mkdir()
    env = sleepy_env(request.getfixturevalue("ray_env") if "--ray" in executor else cli_env(), tmp_path / "site", marks)
    out = tmp_path / "out"
    cmd = [*ALIGNER, "batch", str(stories), "-o", str(out), "--translations", str(mt), "--quiet", *executor,
           "--story-timeout", "2"]  # fmt: skip
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=90)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith("4 done, 0 already done, 1 failed; summary: "), proc.stdout
    assert f"aligner: b: failed: {REASON}" in proc.stderr.splitlines()
    assert (out / "errors" / "b.txt").read_text(encoding="utf-8") == REASON + "\n"
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))["stories"]
    assert [(s["id"], s["status"]) for s in summary] == [("a", "ok"), ("b", "error"), ("c", "ok"), ("d", "ok"),
                                                         ("e", "ok")]  # fmt: skip
    assert summary[1]["error"] == REASON
    assert sorted(p.name for p in (out / "stories").iterdir()) == ["a", "c", "d", "e"]
    assert leftovers(out) == []
    slept = sleepers(marks)
    assert len(slept) == 1  # not retried
    if executor:  # the process that ran it was killed
        assert dead(slept[0])

    env["ALIGNER_TEST_SLEEP"] = "0"  # the story no longer hangs: a rerun retries it, and keeps the others
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("1 done, 4 already done, 0 failed; summary: ")
    assert not (out / "errors" / "b.txt").exists()
    assert (out / "stories" / "b" / "translation.txt").read_text(encoding="utf-8") == "The SLEEP is long.\n"


def test_worker_processes_of_stories_that_hang_are_killed_and_replaced(tmp_path: Path) -> None:
    """Both workers hang (stories 0 and 1): both are killed, their stories fail with the reason and not retried,
    and the four others can only have been run by replacements. Fails if the worker is not killed (its process is
    alive, or the driver waits for it past the thread's patience), not replaced, or its story retried."""
    french = {"s0": "Le SLEEP est long.", "s1": "Encore un SLEEP.", "s2": "Oui.", "s3": "Non.", "s4": "Si.",
              "s5": "Merci."}  # fmt: skip
    stories = write_stories(tmp_path / "s.jsonl", french)
    marks = tmp_path / "marks"
    marks.mkdir()
    workers = Workers({"name": "shout", "marks": str(marks)}, 2, make=sleepy_translator, story_timeout=2)
    statuses: dict[str, str] = {}
    out = tmp_path / "out"
    report = in_thread(lambda: run_batch(iter_stories(stories), out, workers, on_story=statuses.__setitem__))
    assert (report.done, report.failed) == (4, 2)
    assert statuses == {"s0": f"failed: {REASON}", "s1": f"failed: {REASON}"} | {f"s{k}": "done" for k in range(2, 6)}
    slept = sleepers(marks)
    assert len(set(slept)) == 2 and all(dead(pid) for pid in slept)
    assert len(workers.pids) == 2 and not set(workers.pids) & set(slept)  # two replacements
    assert (out / "stories" / "s5" / "translation.txt").read_text(encoding="utf-8") == "MERCI.\n"
    assert sorted(p.name for p in (out / "errors").iterdir()) == ["s0.txt", "s1.txt"] and leftovers(out) == []


@pytest.mark.slow
def test_ray_actors_of_stories_that_hang_are_killed_and_replaced(tmp_path: Path, ray_env: dict[str, str]) -> None:
    """Two actors of a local Ray cluster, each handed a story that hangs: both actors are killed, both stories fail
    with the reason (not retried), and new actors run the four others. Fails if the actor is not killed (its
    process lives on), not replaced (every actor would be gone: the batch stops), or the story retried."""
    french = {"s0": "Le SLEEP est long.", "s1": "Encore un SLEEP.", "s2": "Oui.", "s3": "Non.", "s4": "Si.",
              "s5": "Merci."}  # fmt: skip
    stories = write_stories(tmp_path / "s.jsonl", french)
    marks = tmp_path / "marks"
    marks.mkdir()
    out = tmp_path / "out"
    code = "import sys, batchhelpers; batchhelpers.hang_on_a_ray_cluster(*sys.argv[1:])"
    cmd = [sys.executable, "-c", code, str(stories), str(out), str(marks)]
    proc = subprocess.run(cmd, env=with_tests_on_path(ray_env), capture_output=True, text=True, timeout=150)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.splitlines()[-1])
    if "skip" in result:
        pytest.skip(result["skip"])
    assert (result["done"], result["failed"]) == (4, 2)
    assert result["statuses"] == {"s0": f"failed: {REASON}", "s1": f"failed: {REASON}"} | {
        f"s{k}": "done" for k in range(2, 6)
    }
    slept = sleepers(marks)
    assert len(set(slept)) == 2 and all(dead(pid) for pid in slept)
    assert result["pids"] and not set(result["pids"]) & set(slept)  # new actors (one may end it before the other is up)
    assert (out / "stories" / "s5" / "translation.txt").read_text(encoding="utf-8") == "MERCI.\n"
    assert sorted(p.name for p in (out / "errors").iterdir()) == ["s0.txt", "s1.txt"] and leftovers(out) == []


def test_in_one_process_a_story_that_hangs_in_its_translator_fails_and_the_others_finish(tmp_path: Path) -> None:
    """The library's ``Sequential``, in this (main) thread: the translator sleeps 30 s on story b, the alarm stops it
    after 2 s. Fails if the alarm is removed (b sleeps its 30 s and is done) or the story is retried."""
    marks = tmp_path / "marks"
    marks.mkdir()
    statuses: dict[str, str] = {}
    out = tmp_path / "out"
    executor = Sequential(Sleepy(Shouting("shout"), marks, 30), story_timeout=2)
    stories = write_stories(tmp_path / "s.jsonl", FRENCH)
    report = run_batch(iter_stories(stories), out, executor, on_story=statuses.__setitem__)
    assert statuses == {"a": "done", "b": f"failed: {REASON}", "c": "done", "d": "done", "e": "done"}
    assert (report.done, report.failed) == (4, 1) and len(sleepers(marks)) == 1
    assert (out / "errors" / "b.txt").read_text(encoding="utf-8") == REASON + "\n"
    assert sorted(p.name for p in (out / "stories").iterdir()) == ["a", "c", "d", "e"] and leftovers(out) == []


def test_in_one_process_a_story_cut_short_mid_write_leaves_nothing_and_the_alarm_is_put_away(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The alarm lands while the story writes its run directory: no run directory, no hidden leftover, the story
    failed with the reason, the others written. Afterwards no alarm is pending and SIGALRM's handler is the one
    before. Fails if the alarm is removed (the 30 s sleep ends and the story is done), not disarmed after a story
    (the timer is still running), or its handler not put back."""
    import aligner.batch.job as job
    from aligner.results.rundir import write_run as real_write_run

    def hangs_mid_write(result: Any, rundir: Path, **options: Any) -> Path:
        if rundir.name != "b":
            return real_write_run(result, rundir, **options)
        with atomic_directory(rundir) as tmp:
            (tmp / "translation.txt").write_text("half", encoding="utf-8")
            time.sleep(30)
        return rundir

    monkeypatch.setattr(job, "write_run", hangs_mid_write)
    stories = write_stories(tmp_path / "s.jsonl", {"a": "Oui.", "b": "Non.", "c": "Si."})
    before = signal.getsignal(signal.SIGALRM)
    statuses: dict[str, str] = {}
    out = tmp_path / "out"
    executor = Sequential(Shouting("shout"), story_timeout=2)
    report = run_batch(iter_stories(stories), out, executor, on_story=statuses.__setitem__)
    assert statuses == {"a": "done", "b": f"failed: {REASON}", "c": "done"}
    assert (report.done, report.failed) == (2, 1)
    assert sorted(p.name for p in (out / "stories").iterdir()) == ["a", "c"] and leftovers(out) == []
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) == before


def test_in_one_process_a_story_timeout_needs_the_main_thread(tmp_path: Path) -> None:
    stories = write_stories(tmp_path / "s.jsonl", {"a": "Oui."})
    executor = Sequential(Shouting("shout"), story_timeout=2)
    with pytest.raises(AlignerError, match=r"^--story-timeout in one process needs the main thread .* use --workers 2"):
        in_thread(lambda: run_batch(iter_stories(stories), tmp_path / "out", executor))
    assert in_thread(lambda: run_batch(iter_stories(stories), tmp_path / "out", Sequential(Shouting("x")))).done == 1
