from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import ALIGNER, DATA, TINY_MODEL, CountingTranslator, cli_env, needs_shared


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
        finished = list((resumed / "stories").glob("*/result.json")) if (resumed / "stories").exists() else []
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


def test_repeated_paragraphs_across_a_batch_are_translated_once(tmp_path: Path) -> None:
    from aligner.batch import Sequential, iter_stories, run_batch
    from aligner.translation.memory import MemoTranslator

    shared = ["Le président a parlé.", "Il pleut à Paris."]
    stories = tmp_path / "s.jsonl"
    rows = [
        {"id": "a", "paragraphs": [shared[0], "Première histoire.", shared[1]]},
        {"id": "b", "paragraphs": [shared[1], "Deuxième histoire.", shared[0]]},
        {"id": "c", "paragraphs": [shared[0]]},
    ]
    stories.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    counting = CountingTranslator()
    memo = MemoTranslator(counting)  # what `aligner batch` puts in front of the engine
    report = run_batch(iter_stories(stories), tmp_path / "out", Sequential(memo))
    assert report.done == 3 and report.failed == 0
    # 7 sentences in the batch, 4 distinct: the engine saw each distinct one once
    assert sorted(counting.calls) == sorted({*shared, "Première histoire.", "Deuxième histoire."})
    assert memo.hits == 3
    b = (tmp_path / "out" / "stories" / "b" / "translation.txt").read_text(encoding="utf-8")
    assert b.split("\n\n")[0].strip() == "IL PLEUT À PARIS."
