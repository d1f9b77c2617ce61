"""What a client sends is checked before anything is stored: malformed bodies are answered 4xx and leave the review
database as it was; a saved post-edit gets its own QA flags, on the page, in the JSON and in the export."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from aligner.pipeline import run_story
from aligner.reading.reader import parse_text
from aligner.results.rundir import write_run
from conftest import ALIGNER, CountingTranslator, cli_env
from reviewserver import chromium, launch, running

STORY = "Le président a parlé mardi. Il a promis 650 emplois.\n\nLes syndicats ont réagi.\n"
REFERENCE = "The president spoke on Tuesday. He promised 650 jobs.\n\nThe unions reacted.\n"


class Wrong(CountingTranslator):
    """An MT with a number error in the second sentence (650 → 560), the rest upper-cased."""

    def translate(self, texts: Any) -> Any:
        out = super().translate(texts)
        return [type(t)(t.text.replace("650", "560")) for t in out]


@pytest.fixture()
def run(tmp_path: Path) -> Path:
    result = run_story(parse_text(STORY, doc_id="s1"), Wrong(), parse_text(REFERENCE, doc_id="s1", lang="en"))
    assert [f.code for f in result.flags[1]].count("numbers") == 1  # the MT's number error is flagged
    return write_run(result, tmp_path / "run")


def post(url: str, path: str, body: bytes, *, content_type: str = "application/json") -> tuple[int, Any]:
    origin = url.rstrip("/")
    request = urllib.request.Request(
        url + path, data=body, method="POST", headers={"Content-Type": content_type, "Origin": origin}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def rows(db: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as con:
        return con.execute("SELECT * FROM versions").fetchall()


MALFORMED = [
    ({"text": None, "status": "confirmed", "base": 0}, r"text: Input should be a valid string"),
    ({"text": ["a", "b"], "status": "edited", "base": 0}, r"text: Input should be a valid string"),
    ({"text": 42, "status": "edited", "base": 0}, r"text: Input should be a valid string"),
    ({"text": "Fine.", "status": "done", "base": 0}, r"status: Input should be 'new', 'edited', 'confirmed'"),
    ({"text": "Fine.", "status": "edited", "base": "0"}, r"base: Input should be a valid integer"),
    ({"text": "Fine.", "status": "edited", "base": 0.9}, r"base: Input should be a valid integer"),
    ({"status": "edited", "base": 0}, r"text: Field required"),
    (["Fine.", "edited", 0], r"Input should be an object"),
    ("Fine.", r"Input should be an object"),
    ({"text": "Fine.", "status": "edited", "base": 0, "seconds": "12"}, r"seconds: Input should be a valid number"),
    ({"text": "Fine.", "status": "edited", "base": True}, r"base: Input should be a valid integer"),
    (
        {"text": "Fine.", "status": "edited", "base": 0, "stauts": "confirmed"},
        r"stauts: Extra inputs are not permitted",
    ),
    ({"text": "Fine.", "status": "rejected", "base": 0}, r"a rejected bead needs a reason"),
]


def test_malformed_saves_are_refused_and_store_nothing(run: Path) -> None:
    import re

    with running(run) as (url, _):
        assert post(url, "api/story/s1/bead/0/save", b'{"text": "First.", "status": "edited", "base": 0}')[0] == 200
        # bead 0 is at version 1 now: base 0 is stale, so a well-formed body would be refused as a conflict and
        # kept as a refused row; validation comes first, and a malformed one leaves no row at all
        assert post(url, "api/story/s1/bead/0/save", b'{"text": "Late.", "status": "edited", "base": 0}')[0] == 409
        before = rows(run / "review.sqlite")
        for body, message in MALFORMED:
            status, answer = post(url, "api/story/s1/bead/0/save", json.dumps(body).encode())
            assert status == 400, (body, answer)
            assert re.search(message, answer["error"]), (body, answer["error"])
        assert post(url, "api/story/s1/bead/0/save", b"not json", content_type="text/plain")[0] == 415
        assert post(url, "api/story/s1/bead/0/save", b"{not json")[0] == 400
        after = rows(run / "review.sqlite")
    assert after == before and len(after) == 2


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("comment", {"text": None}, r"text: Input should be a valid string"),
        ("comment", {"text": ""}, r"text: String should have at least 1 character"),
        ("annotate", {"version": "1", "start": 0, "end": 2, "category": "fluency", "severity": "minor"}, "version"),
        ("annotate", {"version": 0, "start": 0, "end": 2, "category": "grammar", "severity": "minor"}, "category"),
        ("annotate", {"version": 0, "start": 0.5, "end": 2, "category": "fluency", "severity": "minor"}, "start"),
        ("annotate", {"version": 0, "start": 0, "end": 2, "category": "fluency"}, r"severity: Field required"),
        ("annotate", {"version": 7, "start": 0, "end": 2, "category": "fluency", "severity": "minor"}, "no version 7"),
    ],
)
def test_malformed_comments_and_annotations_are_refused(run: Path, path: str, body: Any, message: str) -> None:
    import re

    with running(run) as (url, review):
        status, answer = post(url, f"api/story/s1/bead/0/{path}", json.dumps(body).encode())
        assert status == 400 and re.search(message, answer["error"]), answer
        assert review.store.comments("s1") == [] and review.store.annotations("s1") == []


def test_a_save_is_checked_like_the_mt(run: Path, tmp_path: Path) -> None:
    """The saved text's flags replace the MT's in the save's answer, the state, the summary and the export; a
    confirmed text that still has an error flag is counted in the story's summary."""
    with running(run) as (url, _):
        fixed = {"text": "He promised 650 jobs.", "status": "confirmed", "base": 0}
        status, answer = post(url, "api/story/s1/bead/1/save", json.dumps(fixed).encode())
        assert status == 200 and [f["code"] for f in answer["flags"]].count("numbers") == 0
        broken = {"text": "The president spoke on Tuesday, 3 May.", "status": "confirmed", "base": 0}
        status, answer = post(url, "api/story/s1/bead/0/save", json.dumps(broken).encode())
        assert status == 200
        assert [(f["code"], f["severity"]) for f in answer["flags"]] == [("numbers", "error")]
        with urllib.request.urlopen(url + "api/story/s1/summary", timeout=10) as response:
            summary = json.loads(response.read())
    assert summary["confirmed"] == 2 and summary["confirmed_with_errors"] == 1
    assert "(1 confirmed with an error flag still on the text)" in summary["line"]
    out = tmp_path / "out.jsonl"
    proc = subprocess.run([*ALIGNER, "export", str(run), "--format", "jsonl", "-o", str(out)], env=cli_env(),
                          capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    exported = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [f["code"] for f in exported[0]["flags"]] == ["numbers"]
    assert "numbers" not in [f["code"] for f in exported[1]["flags"]]
    tsv = tmp_path / "out.tsv"
    subprocess.run([*ALIGNER, "export", str(run), "--format", "tsv", "-o", str(tsv)], env=cli_env(), check=True)
    lines = tsv.read_text(encoding="utf-8").splitlines()
    assert lines[1].split("\t")[-1] == "numbers" and "numbers" not in lines[2].split("\t")[-1]


def test_the_page_shows_the_flags_of_the_saved_text(run: Path) -> None:
    """Chromium: fixing the flagged number removes the flag from the row at once and after a reload; an edit that
    brings in a number error gets the flag."""
    with running(run) as (url, _), chromium() as p:
        from playwright.sync_api import expect

        browser = launch(p)
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url + "story/s1")
        one, zero = page.locator("#bead-1"), page.locator("#bead-0")
        assert one.locator('.flag[data-code="numbers"]').count() == 1 and one.get_attribute("data-level") == "error"
        assert zero.locator('.flag[data-code="numbers"]').count() == 0
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        page.keyboard.press("Control+a")
        page.keyboard.type("He promised 650 jobs.")
        page.keyboard.press("Control+Enter")
        expect(page.locator("#saved-state")).to_have_text("all saved", timeout=10_000)
        expect(one.locator('.flag[data-code="numbers"]')).to_have_count(0)
        zero.click()
        page.keyboard.press("Enter")
        page.keyboard.press("Control+a")
        page.keyboard.type("The president spoke on Tuesday, 3 May.")
        page.keyboard.press("Control+s")
        expect(page.locator("#saved-state")).to_have_text("all saved", timeout=10_000)
        expect(zero.locator('.flag[data-code="numbers"]')).to_have_count(1)
        assert zero.get_attribute("data-level") == "error"
        page.reload()
        assert page.locator('#bead-1 .flag[data-code="numbers"]').count() == 0
        assert page.locator('#bead-0 .flag[data-code="numbers"]').count() == 1
        browser.close()
    assert errors == []


@pytest.mark.parametrize("slow", ["api/summary", "api/story/s1/state", "story/s1", "api/story/s1/bead/0/save"])
def test_a_slow_database_never_blocks_the_other_requests(run: Path, slow: str) -> None:
    """While one request waits on the database, the server answers others: the wait happens in the thread pool.
    (Were it in the event loop, the second request could not be answered until the first finished, and the first
    waits for the second: the test would time out.)"""
    import threading

    with running(run) as (url, review):
        answered = threading.Event()
        entered = threading.Event()
        real_groups, real_save, real_stamps = review.store.groups, review.store.save, review.store.stamps

        def wait() -> None:
            entered.set()
            if not answered.wait(10):
                raise TimeoutError("the other request was never answered")

        def groups(story: str) -> Any:
            wait()
            return real_groups(story)

        def save(*args: Any, **kwargs: Any) -> Any:
            wait()
            return real_save(*args, **kwargs)

        def stamps() -> Any:
            wait()
            return real_stamps()

        review.store.groups = groups  # type: ignore[method-assign]
        review.store.save = save  # type: ignore[method-assign]
        review.store.stamps = stamps  # type: ignore[method-assign]
        review._efforts._items.clear()  # no cached efforts: the slow request reads the database
        results: list[int] = []

        def first() -> None:
            if slow.endswith("save"):
                body = b'{"text": "Fine.", "status": "edited", "base": 0}'
                results.append(post(url, slow, body)[0])
            else:
                with urllib.request.urlopen(url + slow, timeout=15) as response:
                    results.append(response.status)

        thread = threading.Thread(target=first)
        thread.start()
        assert entered.wait(10)
        with urllib.request.urlopen(url + "api/story/s1/bead/1/history", timeout=5) as response:
            assert response.status == 200
        answered.set()
        thread.join(15)
    assert results == [200]


def test_cached_summaries_follow_a_rerun_and_a_save(run: Path) -> None:
    """Efforts are cached per story, and dropped when its result.json is replaced or a save adds a row."""

    def summary(url: str) -> dict[str, Any]:
        with urllib.request.urlopen(url + "api/story/s1/summary", timeout=10) as response:
            return dict(json.loads(response.read()))

    with running(run) as (url, _):
        assert (summary(url)["beads"], summary(url)["edited"]) == (3, 0)
        assert post(url, "api/story/s1/bead/0/save", b'{"text": "Fine.", "status": "edited", "base": 0}')[0] == 200
        assert summary(url)["edited"] == 1
        longer, reference = STORY + "\nIls restent prudents.\n", REFERENCE + "\nThey remain cautious.\n"
        write_run(
            run_story(parse_text(longer, doc_id="s1"), Wrong(), parse_text(reference, doc_id="s1", lang="en")), run
        )
        assert (summary(url)["beads"], summary(url)["edited"]) == (4, 1)  # bead 0's text is unchanged: kept
