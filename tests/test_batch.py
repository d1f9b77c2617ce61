from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from aligner.signature import Signature
from aligner.translation import Translation
from conftest import ALIGNER, DATA, TINY_MODEL, cli_env, needs_shared


def wmt_french_stories(path: Path, count: int = 20) -> None:
    """The first ``count`` newstest2014 documents written in French, as batch JSONL with references."""
    base = DATA / "wmt-newstest-fren" / "txt" / "newstest2014"
    cols = [base.with_suffix(s).read_text(encoding="utf-8").split("\n") for s in (".fr", ".en", ".docid", ".origlang")]
    docs: dict[str, dict[str, list[str]]] = {}
    for fr, en, docid, orig in zip(*cols):
        if orig == "fr":
            doc = docs.setdefault(docid, {"fr": [], "en": []})
            doc["fr"].append(fr)
            doc["en"].append(en)
    with path.open("w", encoding="utf-8") as fh:
        for docid, doc in list(docs.items())[:count]:
            story = {"id": docid.replace("/", "_"), "paragraphs": doc["fr"], "reference": doc["en"]}
            fh.write(json.dumps(story, ensure_ascii=False) + "\n")


def batch_cmd(stories: Path, out: Path) -> list[str]:
    return [*ALIGNER, "batch", str(stories), "-o", str(out), "--model", str(TINY_MODEL), "--beam", "1", "--quiet"]


def snapshot(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@needs_shared
@pytest.mark.slow
def test_batch_resumes_after_a_kill_and_matches_an_uninterrupted_run(tmp_path: Path) -> None:
    stories = tmp_path / "stories.jsonl"
    wmt_french_stories(stories)
    assert len(stories.read_text(encoding="utf-8").splitlines()) == 20

    whole = tmp_path / "whole"
    first = subprocess.run(batch_cmd(stories, whole), env=cli_env(), capture_output=True, text=True, timeout=900)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("20 done, 0 already done, 0 failed")

    resumed = tmp_path / "resumed"
    proc = subprocess.Popen(
        batch_cmd(stories, resumed), env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and proc.poll() is None:
        # finished stories only: glob's "*" also matches the hidden directory of the story being written
        runs = (resumed / "stories").glob("*/result.json") if (resumed / "stories").exists() else []
        finished = [p for p in runs if not p.parent.name.startswith(".")]
        if len(finished) >= 6:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # a story being written when the kill landed sits in a hidden temporary directory
    killed_at = len([d for d in (resumed / "stories").iterdir() if not d.name.startswith(".")])
    assert 6 <= killed_at < 20, "the kill must land mid-run"
    assert not (resumed / "summary.json").exists()

    again = subprocess.run(batch_cmd(stories, resumed), env=cli_env(), capture_output=True, text=True, timeout=900)
    assert again.returncode == 0, again.stderr
    done, skipped = (int(x) for x in again.stdout.split(" done, ")[0:1] + again.stdout.split(", ")[1].split()[0:1])
    assert skipped == killed_at and done == 20 - killed_at
    # the killed story's temporary directory is gone: the resumed batch has exactly the files of the whole one
    assert snapshot(resumed) == snapshot(whole)
    summary = json.loads((whole / "summary.json").read_text(encoding="utf-8"))["stories"]
    assert len(summary) == 20 and all(s["status"] == "ok" for s in summary)


def test_batch_records_a_failing_story_and_goes_on(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("Merci.\n", encoding="utf-8")
    (folder / "a.en.txt").write_text("Thank you.\n", encoding="utf-8")
    (folder / "b.txt").write_bytes(b"")
    (folder / "c.txt").write_text("Oui.\n", encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.run(batch_cmd(folder, out), env=cli_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1
    assert "b: failed:" in proc.stderr and "the file is empty" in proc.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))["stories"]
    assert [(s["id"], s["status"]) for s in summary] == [("a", "ok"), ("b", "error"), ("c", "ok")]
    assert summary[0]["document_chrf"] == pytest.approx(100.0)  # too short for corpus BLEU 4-grams
    assert "the file is empty" in summary[1]["error"]
    assert (out / "stories" / "c" / "translation.txt").read_text(encoding="utf-8") == "Yes.\n"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="stories/a/report.html"' in index and 'href="stories/c/report.html"' in index
    assert 'href="stories/b/report.html"' not in index and "error" in index


def test_rerun_removes_a_killed_story_temporary_directory_and_skips_done_ones(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("Merci.\n", encoding="utf-8")
    (folder / "c.txt").write_text("Oui.\n", encoding="utf-8")
    (folder / ".hidden.txt").write_text("Non.\n", encoding="utf-8")  # editor droppings are not stories
    out = tmp_path / "out"
    first = subprocess.run(batch_cmd(folder, out), env=cli_env(), capture_output=True, text=True, timeout=300)
    assert first.returncode == 0 and first.stdout.startswith("2 done, 0 already done, 0 failed"), first.stderr
    # what a kill between "start writing c" and "rename into place" leaves behind
    leftover = out / "stories" / ".c.k1ll3d"
    leftover.mkdir()
    (leftover / "translation.txt").write_text("half", encoding="utf-8")
    again = subprocess.run(batch_cmd(folder, out), env=cli_env(), capture_output=True, text=True, timeout=300)
    assert again.stdout.startswith("0 done, 2 already done, 0 failed"), again.stderr
    assert sorted(p.name for p in (out / "stories").iterdir()) == ["a", "c"]


class BatchSensitive:
    """Like a real engine, lets the batch show in the output (here, openly: the number of sentences of the call)."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    @property
    def signature(self) -> Signature:
        return Signature(model="batch-sensitive", engine="test")

    def translate(self, texts: Sequence[str]) -> list[Translation]:
        self.calls.append(list(texts))
        return [Translation(f"{t.upper()} [{len(texts)}]") for t in texts]


def test_each_story_is_translated_on_its_own(tmp_path: Path) -> None:
    """A sentence's translation may depend on its batch (eval/batch/batch_dependence.md), so a story is never
    given another story's translation: its output is the same whatever ran before it, or beside it."""
    from aligner.batch import Sequential, iter_stories, run_batch

    shared = "Le président a parlé."
    rows = [
        {"id": "a", "paragraphs": [shared, "Première histoire.", "Encore une."]},
        {"id": "b", "paragraphs": [shared, "Deuxième histoire."]},
    ]
    both = tmp_path / "both.jsonl"
    both.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    alone = tmp_path / "alone.jsonl"
    alone.write_text(json.dumps(rows[1], ensure_ascii=False) + "\n", encoding="utf-8")
    engine = BatchSensitive()
    run_batch(iter_stories(both), tmp_path / "both", Sequential(engine))
    assert engine.calls == [[shared, "Première histoire.", "Encore une."], [shared, "Deuxième histoire."]]
    run_batch(iter_stories(alone), tmp_path / "alone", Sequential(BatchSensitive()))
    b = (tmp_path / "both" / "stories" / "b" / "translation.txt").read_text(encoding="utf-8")
    assert b == (tmp_path / "alone" / "stories" / "b" / "translation.txt").read_text(encoding="utf-8")
    assert b.startswith("LE PRÉSIDENT A PARLÉ. [2]")  # translated with its own story, not reused from a


def test_leftovers_of_one_story_are_not_those_of_a_longer_id() -> None:
    from aligner.batch.job import _leftover

    assert _leftover(".AFP.1.abcd1234", "AFP.1") and _leftover(".AFP.1.old.k2j4h5g6", "AFP.1")
    assert _leftover(".AFP.1.txt.x1y2z3w4.tmp", "AFP.1")
    assert not _leftover(".AFP.1.v2.abcd1234", "AFP.1")  # story AFP.1.v2, being written by another worker
    assert not _leftover(".AFP.1.v2.txt.x1y2z3w4.tmp", "AFP.1") and not _leftover("AFP.1", "AFP.1")


def test_a_file_name_that_cannot_be_an_id_fails_its_story_and_a_stale_run_is_redone(tmp_path: Path) -> None:
    from aligner.batch import Sequential, iter_stories, run_batch

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "my story.txt").write_text("Oui.\n", encoding="utf-8")
    (folder / "ok.txt").write_text("Non.\n", encoding="utf-8")
    out = tmp_path / "out"
    (out / "stories" / "ok").mkdir(parents=True)
    (out / "stories" / "ok" / "result.json").write_text('{"schema": "aligner.run/1"}', encoding="utf-8")
    statuses: dict[str, str] = {}
    report = run_batch(iter_stories(folder), out, Sequential(BatchSensitive()), on_story=statuses.__setitem__)
    assert statuses["my story"].startswith("failed: ") and "'my story' cannot be a story id" in statuses["my story"]
    assert statuses["ok"] == "redone: earlier run unreadable"  # the old run redone
    assert (report.done, report.failed, report.skipped, report.redone) == (1, 1, 0, 1)
    assert (out / "stories" / "ok" / "translation.txt").read_text(encoding="utf-8") == "NON. [1]\n"


def test_a_finished_story_leaves_nothing_in_the_text_caches(tmp_path: Path) -> None:
    """sacreBLEU's tokenisers (an lru_cache of 65,536 lines each) and translate-toolkit's checker (an unbounded
    dict) keep every line they see; a batch empties them after each story, or its memory grows with the batch
    (fails if ``run_task`` stops releasing them, or the QA stops clearing the checker)."""
    from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a
    from sacrebleu.tokenizers.tokenizer_ter import TercomTokenizer

    from aligner.batch import Sequential, iter_stories, run_batch
    from aligner.qa.checks import _checker

    rows = [
        {"id": f"s{k}", "paragraphs": [f"Le président a parlé {k} fois."], "reference": [f"The president spoke {k}."]}
        for k in range(3)
    ]
    stories = tmp_path / "stories.jsonl"
    stories.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    seen: list[tuple[int, int, int]] = []

    def sizes(story_id: str, status: str) -> None:
        assert status == "done", status
        seen.append(
            (
                Tokenizer13a.__call__.cache_info().currsize,
                TercomTokenizer.__call__.cache_info().currsize,
                len(_checker().results_cache),
            )
        )

    run_batch(iter_stories(stories), tmp_path / "out", Sequential(BatchSensitive()), on_story=sizes)
    assert seen == [(0, 0, 0)] * 3
    assert (tmp_path / "out" / "stories" / "s2" / "result.json").is_file()  # the stories were scored and written


@pytest.mark.parametrize("workers", [[], ["--workers", "2"]], ids=["sequential", "workers-2"])
def test_a_duplicate_story_id_fails_the_batch_naming_it(tmp_path: Path, workers: list[str]) -> None:
    """Two stories cannot share a folder: the batch stops, naming the id (fails if ``run_batch`` stops refusing a
    duplicate: the second ``dup`` would be run over the first, in the same folder)."""
    from aligner.batch import Sequential, iter_stories, run_batch
    from aligner.errors import InputError

    rows = [{"id": "dup", "paragraphs": ["Oui."]}, {"id": "other", "paragraphs": ["Non."]},
            {"id": "dup", "paragraphs": ["Peut-être."]}]  # fmt: skip
    stories = tmp_path / "stories.jsonl"
    stories.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    message = "story id 'dup' appears twice in the batch; ids must be unique"
    if not workers:
        with pytest.raises(InputError, match=f"^{message}$"):
            run_batch(iter_stories(stories), tmp_path / "lib", Sequential(BatchSensitive()))
    mt = tmp_path / "mt.jsonl"
    pairs = [{"source": "Oui.", "translation": "Yes."}, {"source": "Non.", "translation": "No."}]
    mt.write_text("".join(json.dumps(r) + "\n" for r in pairs), encoding="utf-8")
    cmd = [*ALIGNER, "batch", str(stories), "-o", str(tmp_path / "out"), "--translations", str(mt), *workers]
    proc = subprocess.run(cmd, env=cli_env(), capture_output=True, text=True, timeout=300)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr.strip().splitlines()[-1] == f"aligner: error: {message}"
    assert not (tmp_path / "out" / "summary.json").exists()
