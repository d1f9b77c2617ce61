"""A rerun keeps a finished story only when its run was made from the same input, reference and translator settings
(``Identity``), and redoes the others, saying why (issue 16): a batch never mixes two models, nor keeps an English
that no longer matches its French.

Each test says which mutation of ``aligner.batch`` it catches; "keep any run" is ``job.earlier_run`` keeping every
readable earlier run (what the driver did before: "its folder exists: already done"), "keep none" is it never
keeping one."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from aligner.batch import BatchReport, Executor, Sequential, iter_stories, run_batch
from aligner.batch.progress import BatchProgress
from aligner.batch.workers import Workers
from aligner.signature import Signature
from aligner.translation import Translation
from batchhelpers import Shouting, shouting_translator, snapshot
from conftest import ALIGNER, TINY_MODEL, cli_env

A = ["Le chat dort sur le canapé.", "Il fait beau à Paris."]
B = ["Le gouvernement a présenté son budget.", "Les syndicats protestent."]
A_EN = ["The cat sleeps on the sofa.", "The weather is fine in Paris."]
B_EN = ["The government presented its budget.", "The unions protest."]


def write_story(folder: Path, name: str, french: list[str], english: list[str] | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.txt").write_text("\n\n".join(french) + "\n", encoding="utf-8")
    if english is not None:
        (folder / f"{name}.en.txt").write_text("\n\n".join(english) + "\n", encoding="utf-8")


def two_stories(folder: Path) -> Path:
    write_story(folder, "a", A, A_EN)
    write_story(folder, "b", B, B_EN)
    return folder


def sequential(name: str) -> Executor:
    return Sequential(Shouting(name))


def two_workers(name: str) -> Executor:
    return Workers({"name": name}, 2, make=shouting_translator)  # each worker process builds its own translator


EXECUTORS = [pytest.param(sequential, id="sequential"), pytest.param(two_workers, id="workers-2")]


def run(folder: Path, out: Path, executor: Executor) -> tuple[BatchReport, dict[str, str]]:
    statuses: dict[str, str] = {}
    report = run_batch(iter_stories(folder), out, executor, on_story=statuses.__setitem__)
    return report, statuses


def stamps(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and modification time (ns): a story kept is a story not rewritten."""
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.rglob("*"))
            if p.is_file()}  # fmt: skip


def result(out: Path, story: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((out / "stories" / story / "result.json").read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("executor", EXECUTORS)
def test_a_rerun_keeps_unchanged_stories_and_redoes_exactly_the_one_whose_french_changed(
    tmp_path: Path, executor: Callable[[str], Executor]
) -> None:
    """Catches keep any run, keep none, and the driver skipping a story whose folder exists."""
    folder, out = two_stories(tmp_path / "in"), tmp_path / "out"
    report, statuses = run(folder, out, executor("one"))
    assert statuses == {"a": "done", "b": "done"} and report.line() == "2 done, 0 already done, 0 failed"
    before = stamps(out / "stories")

    report, statuses = run(folder, out, executor("one"))
    assert statuses == {"a": "skipped", "b": "skipped"}
    assert report.line() == "0 done, 2 already done, 0 failed"
    assert stamps(out / "stories") == before  # nothing rewritten

    write_story(folder, "a", ["Le chien dort sur le canapé.", A[1]])
    report, statuses = run(folder, out, executor("one"))
    assert statuses == {"a": "redone: input changed", "b": "skipped"}
    assert (report.done, report.skipped, report.failed, report.redone) == (1, 1, 0, 1)
    assert report.reasons == (("input", 1),)
    assert report.line() == "1 done, 1 already done, 0 failed; 1 redone: input changed"
    translation = (out / "stories" / "a" / "translation.txt").read_text(encoding="utf-8")
    assert translation.startswith("LE CHIEN DORT SUR LE CANAPÉ.")
    after = stamps(out / "stories")
    assert {k: v for k, v in after.items() if k.startswith("b/")} == {
        k: v for k, v in before.items() if k.startswith("b/")
    }  # the other story untouched: same bytes, same modification times
    rows = json.loads((out / "summary.json").read_text(encoding="utf-8"))["stories"]
    assert [(r["id"], r["status"]) for r in rows] == [("a", "ok"), ("b", "ok")]


def test_a_changed_reference_redoes_its_story_only(tmp_path: Path) -> None:
    """Catches keep any run, and ``Identity.changes``' reference left out of the decision."""
    folder, out = two_stories(tmp_path / "in"), tmp_path / "out"
    run(folder, out, sequential("one"))
    (folder / "b.en.txt").write_text("The government unveiled its budget.\n\nThe unions protest.\n", encoding="utf-8")
    report, statuses = run(folder, out, sequential("one"))
    assert statuses == {"a": "skipped", "b": "redone: reference changed"}
    assert report.reasons == (("reference", 1),)
    reference = result(out, "b")["reference"]
    assert isinstance(reference, dict) and reference["sentences"][0]["text"] == "The government unveiled its budget."


def test_a_rerun_with_another_translator_redoes_every_story_so_a_batch_never_mixes_two(tmp_path: Path) -> None:
    """Catches keep any run, and the settings left out of the decision."""
    folder, out = two_stories(tmp_path / "in"), tmp_path / "out"
    run(folder, out, sequential("one"))
    report, statuses = run(folder, out, sequential("two"))
    assert statuses == {"a": "redone: settings changed", "b": "redone: settings changed"}
    assert report.line() == "2 done, 0 already done, 0 failed; 2 redone: settings changed"
    for story in ("a", "b"):  # every story says it was made by the new translator
        assert "model:two|" in str(result(out, story)["signature"])
        identity = result(out, story)["identity"]
        assert isinstance(identity, dict) and identity["settings"].startswith("model:two|")


def test_a_run_of_the_previous_schema_is_redone(tmp_path: Path) -> None:
    """An ``aligner.run/2`` result.json has no identity: nothing says what made it, so it is not kept (catches keep
    any run, and a run without identity taken as current)."""
    folder, out = two_stories(tmp_path / "in"), tmp_path / "out"
    run(folder, out, sequential("one"))
    old = result(out, "a")
    old["schema"] = "aligner.run/2"
    del old["identity"]
    (out / "stories" / "a" / "result.json").write_text(json.dumps(old, ensure_ascii=False), encoding="utf-8")
    report, statuses = run(folder, out, sequential("one"))
    assert statuses == {"a": "redone: made by an earlier aligner", "b": "skipped"}
    assert report.line() == "1 done, 1 already done, 0 failed; 1 redone: made by an earlier aligner"
    assert result(out, "a")["schema"] == "aligner.run/3" and result(out, "a")["identity"] is not None


def test_a_story_whose_redo_fails_keeps_no_stale_run(tmp_path: Path) -> None:
    """A failed story has its error file and no run directory: the stale English is neither counted nor
    reviewable (fails if ``record_failure`` stops discarding the earlier run)."""
    folder, out = two_stories(tmp_path / "in"), tmp_path / "out"
    run(folder, out, sequential("one"))
    (folder / "a.txt").write_bytes(b"")
    report, statuses = run(folder, out, sequential("one"))
    assert statuses["a"].startswith("failed: ") and "empty" in statuses["a"] and statuses["b"] == "skipped"
    assert (report.done, report.skipped, report.failed) == (0, 1, 1)
    assert not (out / "stories" / "a").exists() and (out / "errors" / "a.txt").is_file()
    assert sorted(p.name for p in (out / "stories").iterdir()) == ["b"]  # no hidden leftover either


def test_a_kept_story_loses_the_error_file_a_kill_left_beside_it(tmp_path: Path) -> None:
    """A kill between writing a story's run and removing its old error file leaves both; the next run keeps the
    run and removes the error (fails if the skipping path stops removing it)."""
    folder, out = two_stories(tmp_path / "in"), tmp_path / "out"
    run(folder, out, sequential("one"))
    (out / "errors" / "a.txt").write_text("an earlier failure\n", encoding="utf-8")
    _, statuses = run(folder, out, sequential("one"))
    assert statuses == {"a": "skipped", "b": "skipped"} and not (out / "errors" / "a.txt").exists()


class Interrupting:
    """Shouting, until its ``after``-th story: then Ctrl+C."""

    def __init__(self, after: int) -> None:
        self.inner = Shouting("one")
        self.left = after

    @property
    def signature(self) -> Signature:
        return self.inner.signature

    def translate(self, texts: Sequence[str]) -> list[Translation]:
        if self.left == 0:
            raise KeyboardInterrupt
        self.left -= 1
        return self.inner.translate(texts)


def test_a_rerun_interrupted_while_redoing_and_resumed_ends_as_a_fresh_batch(tmp_path: Path) -> None:
    """What was redone is told, not kept in the output: the files are those of a batch run once on the new input,
    interrupted or not (catches keep any run and keep none)."""
    folder, out = two_stories(tmp_path / "in"), tmp_path / "out"
    run(folder, out, sequential("one"))
    write_story(folder, "a", ["Le chien dort sur le canapé.", A[1]], A_EN)
    write_story(folder, "b", ["Le gouvernement a retiré son budget.", B[1]], B_EN)
    with pytest.raises(KeyboardInterrupt):
        run(folder, out, Sequential(Interrupting(after=1)))
    _, statuses = run(folder, out, sequential("one"))
    assert statuses == {"a": "skipped", "b": "redone: input changed"}
    fresh = tmp_path / "fresh"
    run(folder, fresh, sequential("one"))
    assert snapshot(out) == snapshot(fresh)


def test_several_reasons_are_counted_each() -> None:
    """The final line's wording: one reason without its count, several with theirs."""
    summary = Path("summary.json")
    assert BatchReport(3, 1, 0, summary).line() == "3 done, 1 already done, 0 failed"
    both = BatchReport(3, 1, 0, summary, redone=2, reasons=(("input", 2), ("reference", 1)))
    assert both.line() == "3 done, 1 already done, 0 failed; 2 redone: input changed (2), reference changed (1)"
    mixed = BatchReport(2, 0, 1, summary, redone=2, reasons=(("settings", 1), ("made by an earlier aligner", 1)))
    assert mixed.line().endswith("; 2 redone: settings changed (1), made by an earlier aligner (1)")


def test_the_progress_line_counts_redone_stories_among_the_done() -> None:
    import io

    p = BatchProgress(4, stream=io.StringIO())
    for status in ("skipped", "done", "redone", "failed"):
        p.story(status)
    assert p.line().startswith("aligner batch: 2 done (1 redone), 1 failed, 1 already done, 0 to go")


# ------------------------------------------------------------------------------------------------ the command line


def translations(path: Path, pairs: dict[str, str]) -> Path:
    lines = (json.dumps({"source": s, "translation": t}, ensure_ascii=False) + "\n" for s, t in pairs.items())
    path.write_text("".join(lines), encoding="utf-8")
    return path


def batch(folder: Path, out: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([*ALIGNER, "batch", str(folder), "-o", str(out), *flags], env=cli_env(),
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture()
def mt(tmp_path: Path) -> Iterator[Path]:
    english = dict(zip(A + B, A_EN + B_EN))
    english["Le chien dort sur le canapé."] = "The dog sleeps on the sofa."
    yield translations(tmp_path / "mt.jsonl", english)


@pytest.mark.parametrize("workers", [[], ["--workers", "2"]], ids=["sequential", "workers-2"])
def test_the_command_says_what_it_redid_and_why(tmp_path: Path, mt: Path, workers: list[str]) -> None:
    """The final line, the story's own line and the progress line (catches keep any run and keep none)."""
    folder, out = two_stories(tmp_path / "in"), tmp_path / "out"
    first = batch(folder, out, "--translations", str(mt), *workers)
    assert first.stdout == f"2 done, 0 already done, 0 failed; summary: {out / 'summary.json'}\n"
    again = batch(folder, out, "--translations", str(mt), *workers)
    assert again.stdout.startswith("0 done, 2 already done, 0 failed; summary: ")
    write_story(folder, "a", ["Le chien dort sur le canapé.", A[1]], A_EN)
    changed = batch(folder, out, "--translations", str(mt), *workers)
    assert (
        changed.stdout
        == f"1 done, 1 already done, 0 failed; 1 redone: input changed; summary: {out / 'summary.json'}\n"
    )
    assert "aligner: a: redone: input changed\n" in changed.stderr  # which story, and why
    assert changed.stderr.splitlines()[-1].startswith("aligner batch: 1 done (1 redone), 0 failed, 1 already done")
    translation = (out / "stories" / "a" / "translation.txt").read_text(encoding="utf-8")
    assert translation.startswith("The dog sleeps on the sofa.")
    quiet = batch(folder, out, "--translations", str(mt), "--quiet", *workers)
    assert quiet.stderr == "" and quiet.stdout.startswith("0 done, 2 already done, 0 failed; summary: ")


@pytest.mark.slow
def test_switching_from_existing_translations_to_a_model_redoes_every_story(tmp_path: Path, mt: Path) -> None:
    """The issue's case: ``--translations`` then ``--model``; before, the rerun said "2 already done" and kept the
    file's English under the model's name (catches keep any run)."""
    folder, out = two_stories(tmp_path / "in"), tmp_path / "out"
    batch(folder, out, "--translations", str(mt), "--quiet")
    assert "revision:file" in str(result(out, "a")["signature"])
    model = batch(folder, out, "--model", str(TINY_MODEL), "--beam", "1", "--quiet")
    assert model.stdout.startswith("2 done, 0 already done, 0 failed; 2 redone: settings changed; summary: ")
    for story in ("a", "b"):
        signature = str(result(out, story)["signature"])
        assert f"model:{TINY_MODEL}|" in signature and "revision:file" not in signature


def test_a_translations_file_edited_in_place_redoes_the_batch(tmp_path: Path, mt: Path) -> None:
    """The same --translations path with other English in it is other settings (its revision is the translations'
    sha256): the rerun must not keep the old English (fails if FileTranslator's signature names only the file)."""
    folder, out = two_stories(tmp_path / "in"), tmp_path / "out"
    batch(folder, out, "--translations", str(mt), "--quiet")
    english = dict(zip(A + B, A_EN + B_EN))
    english[A[0]] = "The cat is asleep on the couch."
    translations(mt, english)
    again = batch(folder, out, "--translations", str(mt), "--quiet")
    assert again.stdout.startswith("2 done, 0 already done, 0 failed; 2 redone: settings changed; summary: ")
    translation = (out / "stories" / "a" / "translation.txt").read_text(encoding="utf-8")
    assert translation.startswith("The cat is asleep on the couch.")
