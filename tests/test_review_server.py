"""`aligner review`: post-editing the seed story in Chromium, two reviewers, saves that survive a killed server,
effort that adds up, corrections fed back as a translation memory."""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from aligner.pipeline import run_story
from aligner.reading.reader import read_document
from aligner.results.rundir import read_run, write_run
from aligner.review.effort import EffortSummary, bead_efforts, hter, slots
from aligner.store import Slot, SqliteStore, bead_key
from aligner.translation import make_translator
from aligner.translation.memory import MemoryTranslator, TranslationMemory
from conftest import ALIGNER, SEED, SEED_REFERENCE, TINY_MODEL, CountingTranslator, cli_env, needs_shared
from reviewserver import chromium, launch, running


@pytest.fixture(scope="module")
def seed_run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not SEED.is_file():
        pytest.skip(f"no example story at {SEED} (../shared is absent)")
    out = tmp_path_factory.mktemp("seed") / "run"
    translator = make_translator(model=str(TINY_MODEL), beam=1)
    write_run(run_story(read_document(SEED), translator, read_document(SEED_REFERENCE, lang="en")), out)
    return out


@pytest.fixture()
def seed_run(seed_run_dir: Path, tmp_path: Path) -> Path:
    """A fresh copy of the seed story's run, without a review yet."""
    run = tmp_path / "run"
    shutil.copytree(seed_run_dir, run)
    return run


def story_url(base: str, run: Path) -> str:
    return base + "story/" + read_run(run).source.id


def wait_saved(page: Any) -> None:
    from playwright.sync_api import expect  # locators, not evaluated strings: the page's CSP forbids eval

    expect(page.locator("#saved-state")).to_have_text("all saved", timeout=10_000)


@needs_shared
def test_edit_confirm_reload_history_and_revert(seed_run: Path) -> None:
    with running(seed_run) as (url, review), chromium() as p:
        browser = launch(p)
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(story_url(url, seed_run))
        story = review.site.order[0]
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowDown")
        bead = int(page.locator("tr.current").get_attribute("data-bead") or -1)
        mt = review.site.result(story).texts(bead).mt
        page.keyboard.press("Enter")
        page.keyboard.press("Control+a")
        page.keyboard.type("Kim Jong Un travelled to Russia.")
        assert page.locator("#saved-state").inner_text() == "1 unsaved"  # the signal before saving
        page.keyboard.press("Control+Enter")
        wait_saved(page)
        page.reload()
        row = page.locator(f"#bead-{bead}")
        assert row.locator(".text").inner_text() == "Kim Jong Un travelled to Russia."
        assert row.locator(".st").inner_text() == "confirmed v1"
        assert row.locator(".note").inner_text() == f"MT: {mt}"  # the MT stays in view beside the post-edit
        row.click()
        page.keyboard.press("h")
        history = row.locator(".panel.history li")
        history.first.wait_for()
        assert history.all_inner_texts()[0] == f"v0 MT: {mt}"
        assert history.all_inner_texts()[1].startswith("v1 confirmed by tester: Kim Jong Un travelled to Russia.")
        page.keyboard.press("Escape")
        row.click()
        page.keyboard.press("r")  # revert to the MT
        wait_saved(page)
        page.reload()
        assert page.locator(f"#bead-{bead} .text").inner_text() == mt
        assert page.locator(f"#bead-{bead} .st").inner_text() == "new v2"
        browser.close()
        versions = review.store.history(story, review.slots(story)[bead])
    assert [(v.number, v.status, v.text) for v in versions] == [
        (1, "confirmed", "Kim Jong Un travelled to Russia."),
        (2, "new", mt),
    ]
    assert versions[0].seconds > 0  # the time the bead had focus went with the save
    assert errors == []


@needs_shared
def test_a_keyboard_only_pass_confirms_20_beads_in_a_row(seed_run: Path) -> None:
    with running(seed_run) as (url, review), chromium() as p:
        browser = launch(p)
        page = browser.new_page()
        page.goto(story_url(url, seed_run))
        assert page.locator("tr.current").get_attribute("data-bead") == "0"  # the first bead has focus at once
        for _ in range(20):
            page.keyboard.press("Control+Enter")
            wait_saved(page)
        current = page.locator("tr.current").get_attribute("data-bead")
        browser.close()
        story = review.site.order[0]
        confirmed = review.store.current(story, review.slots(story))
    assert sorted(confirmed) == list(range(20)) and current == "20"
    assert all(v.status == "confirmed" and v.number == 1 for v in confirmed.values())
    mts = review.site.result(story).all_texts()
    assert [confirmed[k].text for k in range(20)] == [mts[k].mt for k in range(20)]


@needs_shared
def test_two_reviewers_edit_the_same_bead_and_nothing_is_lost(seed_run: Path) -> None:
    with running(seed_run) as (url, review), chromium() as p:
        browser = launch(p)
        first, second = browser.new_context().new_page(), browser.new_context().new_page()
        link = story_url(url, seed_run)
        first.goto(link + "?reviewer=Anne")
        second.goto(link + "?reviewer=Bruno")
        for page, text in ((first, "Anne's version."), (second, "Bruno's version.")):
            page.keyboard.press("Enter")
            page.keyboard.press("Control+a")
            page.keyboard.type(text)
        first.keyboard.press("Control+s")
        wait_saved(first)
        second.keyboard.press("Control+s")
        box = second.locator("#bead-0 .conflict-box")
        box.wait_for()
        assert "saved meanwhile by Anne (v1, edited): Anne's version." in box.inner_text()
        assert "yours: Bruno's version." in box.inner_text()
        assert second.locator("#bead-0 .st").inner_text() == "conflict"
        # Bruno goes on editing before he decides: "Keep mine" keeps what he has now, not what was refused
        second.locator("#bead-0").click()
        second.keyboard.press("Enter")
        second.keyboard.press("End")
        second.keyboard.type(" Then more.")
        second.keyboard.press("Escape")
        second.locator("#bead-0 .panel.conflict button", has_text="Keep mine").click()
        wait_saved(second)
        browser.close()
        story = review.site.order[0]
        history = review.store.history(story, review.slots(story)[0])
    assert [(v.reviewer, v.number, v.base, v.text) for v in history] == [
        ("Anne", 1, 0, "Anne's version."),
        ("Bruno", None, 0, "Bruno's version."),  # refused: stale base, kept
        ("Bruno", 2, 1, "Bruno's version. Then more."),  # saved again, knowingly, over Anne's
    ]


def _post(url: str, body: dict[str, Any], origin: str) -> int:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", "Origin": origin},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


@needs_shared
@pytest.mark.slow
def test_answered_saves_survive_a_killed_server(seed_run: Path) -> None:
    """200 saves from a script; the server is SIGKILLed in the middle; every save answered 200 is in the database."""
    proc = subprocess.Popen([*ALIGNER, "review", str(seed_run), "--port", "0", "--reviewer", "script"],
                            env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline()
    base = line[line.index("http://") :].strip()
    story = read_run(seed_run).source.id
    answered: list[tuple[int, str]] = []
    stop = threading.Event()

    def saves() -> None:
        for n in range(200):
            bead, text = n % 20, f"save {n}"
            version = sum(1 for b, _ in answered if b == bead)
            try:
                body = {"base": version, "text": text, "status": "edited", "seconds": 1}
                status = _post(f"{base}api/story/{story}/bead/{bead}/save", body, base.rstrip("/"))
            except OSError:
                return  # the server is gone
            if status == 200:
                answered.append((bead, text))
            if stop.is_set():
                return

    writer = threading.Thread(target=saves)
    writer.start()
    while len(answered) < 60 and writer.is_alive():
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    stop.set()
    writer.join(30)
    assert 60 <= len(answered) < 200, "the kill must land mid-run"
    db = seed_run / "review.sqlite"
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # a restarted server opens the same database and has every answered save
    with running(seed_run) as (_, review):
        stored = [(v.bead, v.text) for v in review.store.versions(story) if v.number is not None]
    assert set(answered) <= set(stored) and len(stored) - len(answered) <= 1  # at most the save in flight


def test_hter_is_sacrebleus_ter_of_the_same_pair() -> None:
    from sacrebleu.metrics.ter import TER

    pairs = [
        ("The president spoke on Tuesday.", "The president spoke on Tuesday."),
        ("The president spoke Tuesday on.", "The president spoke on Tuesday."),
        ("A cat.", "The black cat sat on the mat."),
        ("Markets fell sharply in Asia today.", "Asian markets fell sharply today."),
    ]
    for mt, post in pairs:
        assert hter(mt, post) == round(TER().sentence_score(mt, [post]).score, 4)
    assert hter(*pairs[0]) == 0.0 and hter(*pairs[1]) > 0.0


@needs_shared
def test_story_and_batch_summaries_add_up_from_the_bead_rows(seed_run: Path, tmp_path: Path) -> None:
    story = read_run(seed_run).source.id
    store = SqliteStore(seed_run / "review.sqlite")
    texts = read_run(seed_run).all_texts()
    places = slots(read_run(seed_run))
    plan = [(0, "confirmed", texts[0].mt, 4.0), (1, "edited", "An edit here.", 10.0), (2, "confirmed", "Fixed.", 6.5),
            (3, "rejected", texts[3].mt, 2.0)]  # fmt: skip
    for bead, status, text, seconds in plan:
        store.save(story, places[bead], base=0, text=text, status=status, reviewer="r", seconds=seconds,
                   reason="wrong" if status == "rejected" else "")  # fmt: skip
    store.close()
    with running(seed_run) as (url, _):
        with urllib.request.urlopen(url + "api/summary", timeout=10) as response:
            summary = json.loads(response.read())
    rows = summary["stories"][0]
    assert rows["id"] == story and (rows["confirmed"], rows["edited"], rows["rejected"]) == (2, 1, 1)
    expected_words = len(texts[0].mt.split()) + len("An edit here.".split()) + len("Fixed.".split())
    assert rows["words_post_edited"] == expected_words and rows["seconds"] == 22.5
    hters = [hter(texts[0].mt, texts[0].mt), hter(texts[1].mt, "An edit here."), hter(texts[2].mt, "Fixed.")]
    assert rows["mean_hter"] == round(sum(hters) / 3, 4)
    assert rows["seconds_per_word"] == round(22.5 / expected_words, 4)
    assert summary["total"] == {k: v for k, v in rows.items() if k != "id"}  # one story: the batch is the story
    assert EffortSummary.of([]).mean_hter is None


@needs_shared
def test_confirmed_edits_are_a_memory_for_the_next_run(seed_run: Path, tmp_path: Path) -> None:
    result = read_run(seed_run)
    story = result.source.id
    store = SqliteStore(seed_run / "review.sqlite")
    prose = {p.id for p in result.source.paragraphs if p.kind.value == "prose"}  # headers go out in sentence case
    one_sentence = [
        k
        for k, b in enumerate(result.beads)
        if len(b.left) == 1 and result.source.sentences[b.left[0]].paragraph in prose
    ][:3]
    for k in one_sentence:
        store.save(story, slots(result)[k], base=0, text=f"Confirmed {k}.", status="confirmed", reviewer="r",
                   seconds=1)  # fmt: skip
    store.close()
    counting = CountingTranslator()
    memo = MemoryTranslator(counting, TranslationMemory.open(seed_run / "review.sqlite"))
    again = run_story(read_document(SEED), memo, read_document(SEED_REFERENCE, lang="en"))
    from_memory = [result.source.sentences[result.beads[k].left[0]].text for k in one_sentence]
    assert not set(from_memory) & set(counting.calls)  # the translator never saw them
    for k in one_sentence:
        i = result.beads[k].left[0]
        assert again.translations[i].text == f"Confirmed {k}." and again.translations[i].origin == "memory"
    assert sum(t.origin == "memory" for t in again.translations) == 3
    assert again.signature.memory == "review.sqlite#3"
    write_run(again, tmp_path / "again")
    report = (tmp_path / "again" / "report.html").read_text(encoding="utf-8")
    assert report.count('<span class="tm" title="from the translation memory">TM</span>') == 3


@needs_shared
def test_run_with_memory_on_the_command_line_needs_no_translation_for_remembered_sentences(
    seed_run: Path, tmp_path: Path
) -> None:
    """A translations file that lacks exactly the remembered sentences still runs: they never reach it."""
    result = read_run(seed_run)
    story = result.source.id
    store = SqliteStore(seed_run / "review.sqlite")
    k = next(k for k, b in enumerate(result.beads) if len(b.left) == 1 and result.source.paragraphs[
        result.source.sentences[b.left[0]].paragraph].kind.value == "prose")  # fmt: skip
    remembered = result.source.sentences[result.beads[k].left[0]].text
    assert slots(result)[k].source == remembered
    store.save(story, slots(result)[k], base=0, text="From the memory.", status="confirmed", reviewer="r", seconds=1)
    store.close()
    from aligner.pipeline import translation_jobs

    jobs = translation_jobs(result.source)
    mt = tmp_path / "mt.jsonl"
    mt.write_text("".join(json.dumps({"source": j, "translation": j.upper()}) + "\n" for j in jobs if j != remembered))
    out = tmp_path / "again"
    proc = subprocess.run([*ALIGNER, "run", str(SEED), "--ref", str(SEED_REFERENCE), "--translations", str(mt),
                           "--memory", str(seed_run / "review.sqlite"), "-o", str(out), "--quiet"],
                          env=cli_env(), capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    data = json.loads((out / "result.json").read_text(encoding="utf-8"))
    origins = [m["origin"] for m in data["mt"]]
    assert origins.count("memory") == 1 and data["mt"][origins.index("memory")]["text"] == "From the memory."
    assert "|memory:review.sqlite#1|" in data["signature"]
    without = subprocess.run([*ALIGNER, "run", str(SEED), "--translations", str(mt), "-o", str(tmp_path / "x")],
                             env=cli_env(), capture_output=True, text=True)  # fmt: skip
    assert without.returncode == 2 and "no translation for the sentence" in without.stderr


def _three_stories(tmp_path: Path) -> Path:
    """A batch of three stories (a: 2 beads, b: 1, c: 3) translated by ``CountingTranslator``; its output folder."""
    from aligner.batch import Sequential, iter_stories, run_batch

    stories = tmp_path / "in"
    stories.mkdir()
    (stories / "a.txt").write_text("Le président a parlé. Il a promis des réformes.\n", encoding="utf-8")
    (stories / "a.en.txt").write_text("The president spoke. He promised reforms.\n", encoding="utf-8")
    (stories / "b.txt").write_text("Les marchés ont chuté.\n", encoding="utf-8")
    (stories / "b.en.txt").write_text("Markets fell.\n", encoding="utf-8")
    (stories / "c.txt").write_text("Il pleut. Il fait froid. Le vent souffle.\n", encoding="utf-8")  # nobody reviews c
    (stories / "c.en.txt").write_text("It is raining. It is cold. The wind blows.\n", encoding="utf-8")
    run_batch(iter_stories(stories), tmp_path / "out", Sequential(CountingTranslator()))
    return tmp_path / "out"


def test_a_batchs_summary_adds_up_its_stories(tmp_path: Path) -> None:
    _three_stories(tmp_path)
    store = SqliteStore(tmp_path / "out" / "review.sqlite")
    a, b = (slots(read_run(tmp_path / "out" / "stories" / s)) for s in "ab")
    gone = Slot(1, bead_key("Une phrase d'un autre jour.", "A sentence of another day."), "Une phrase d'un autre jour.")
    store.save("a", a[0], base=0, text="The president spoke.", status="confirmed", reviewer="r", seconds=3)
    store.save("a", a[1], base=0, text="He promised reforms.", status="edited", reviewer="r", seconds=5)
    store.save("b", b[0], base=0, text="Markets fell.", status="confirmed", reviewer="s", seconds=2)
    store.save("b", gone, base=0, text="From an earlier run.", status="confirmed", reviewer="s", seconds=7)
    store.close()
    with running(tmp_path / "out") as (url, review):
        assert review.site.batch and review.site.order == ["a", "b", "c"]
        with urllib.request.urlopen(url + "api/summary", timeout=10) as response:
            summary = json.loads(response.read())
        with urllib.request.urlopen(url, timeout=10) as response:
            index = response.read().decode()
    a, b, c = summary["stories"]
    total = summary["total"]
    for key in ("beads", "confirmed", "edited", "rejected", "words_post_edited"):
        assert total[key] == a[key] + b[key] + c[key]
    # the story nobody saved on is summed without its bead rows: the same figures as from its rows
    c_rows = bead_efforts(read_run(tmp_path / "out" / "stories" / "c"), [], [])
    assert len(c_rows) == 3 and c == {"id": "c", **EffortSummary.of(c_rows).to_json()}
    assert (total["confirmed"], total["edited"], total["words_post_edited"], total["seconds"]) == (2, 1, 8, 10.0)
    mts = ["LE PRÉSIDENT A PARLÉ.", "IL A PROMIS DES RÉFORMES.", "LES MARCHÉS ONT CHUTÉ."]
    posts = ["The president spoke.", "He promised reforms.", "Markets fell."]
    assert total["mean_hter"] == round(sum(hter(m, p) for m, p in zip(mts, posts)) / 3, 4)  # over beads, not stories
    assert 'href="story/a"' in index and "1/2 confirmed" in index and "1/1 confirmed" in index
    assert "0/3 confirmed" in index


@needs_shared
def test_an_empty_post_edit_stays_empty_through_a_reload(seed_run: Path) -> None:
    """The page shows an empty text as ∅ and folds spaces: the editor must take the stored text, not the page's."""
    with running(seed_run) as (url, review), chromium() as p:
        browser = launch(p)
        page = browser.new_page()
        page.goto(story_url(url, seed_run))
        page.keyboard.press("Enter")
        page.keyboard.press("Control+a")
        page.keyboard.press("Delete")
        page.keyboard.press("Control+s")
        wait_saved(page)
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        page.keyboard.press("Control+a")
        page.keyboard.type("Two  spaces, kept.")
        page.keyboard.press("Control+s")
        wait_saved(page)
        page.reload()
        assert page.locator("#bead-0 .text").inner_text() == "∅"
        page.keyboard.press("Control+Enter")  # confirm bead 0 as it stands
        wait_saved(page)
        page.keyboard.press("Control+Enter")  # and bead 1
        wait_saved(page)
        browser.close()
        story = review.site.order[0]
        current = review.store.current(story, review.slots(story))
    assert (current[0].text, current[0].status) == ("", "confirmed")
    assert (current[1].text, current[1].status) == ("Two  spaces, kept.", "confirmed")


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.loads(response.read())


def test_the_index_and_summary_come_from_a_worker_process_that_follows_every_save(tmp_path: Path) -> None:
    import os

    from aligner.review.server import index_html, summary_json

    out = _three_stories(tmp_path)
    workers: list[Any] = []
    with running(out, reports=workers) as (url, review):
        origin = url.rstrip("/")
        worker = workers[0]
        pid = worker.pid()
        assert pid != os.getpid()
        assert _get_json(url + "api/summary")["total"]["confirmed"] == 0
        # saved through this process's writer; the worker reads the database on its own
        first = {"base": 0, "text": "The president spoke.", "status": "confirmed", "seconds": 3}
        assert _post(url + "api/story/a/bead/0/save", first, origin) == 200
        after = _get_json(url + "api/summary")
        assert after == summary_json(review) and after["total"]["confirmed"] == 1
        with urllib.request.urlopen(url, timeout=60) as response:
            page = response.read().decode()
        assert "1/2 confirmed" in page and page == index_html(review)
        # a worker that dies: its request is answered here, the next one by a new worker
        os.kill(pid, signal.SIGKILL)
        second = {"base": 0, "text": "Markets fell.", "status": "confirmed", "seconds": 2}
        assert _post(url + "api/story/b/bead/0/save", second, origin) == 200
        assert _get_json(url + "api/summary")["total"]["confirmed"] == 2
        assert _get_json(url + "api/summary") == summary_json(review)
        assert worker.pid() not in (pid, os.getpid())


def test_saves_and_comments_run_one_at_a_time_in_the_order_they_arrived(
    seed_run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Eight writes sent 15 ms apart, each held 60 ms inside the store: the server runs them one at a time (never
    two inside the store at once) and in the order they were sent. Fails on the plain thread pool (they overlap) and
    on any lane that does not serve its waiters first come, first served."""
    with running(seed_run) as (url, review):
        story = review.site.order[0]
        lock = threading.Lock()
        inside: list[int] = [0, 0]  # now, most at once
        order: list[str] = []

        def held(real: Any, text_of: Any) -> Any:
            def run(*args: Any, **kwargs: Any) -> Any:
                with lock:
                    inside[0] += 1
                    inside[1] = max(inside)
                    order.append(text_of(args, kwargs))
                time.sleep(0.06)
                with lock:
                    inside[0] -= 1
                return real(*args, **kwargs)

            return run

        monkeypatch.setattr(review.store, "save", held(review.store.save, lambda a, k: k["text"]))
        monkeypatch.setattr(review.store, "comment", held(review.store.comment, lambda a, k: a[2]))
        origin = url.rstrip("/")
        statuses: list[int] = []

        def send(k: int) -> None:
            base = f"{url}api/story/{story}/bead/{k}/"
            if k % 2:
                statuses.append(_post(base + "comment", {"text": f"write {k}"}, origin))
            else:
                statuses.append(_post(base + "save", {"base": 0, "text": f"write {k}", "status": "edited",
                                                      "seconds": 1}, origin))  # fmt: skip

        threads = [threading.Thread(target=send, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
            time.sleep(0.015)
        for t in threads:
            t.join(20)
    assert statuses == [200] * 8
    assert inside[1] == 1
    assert order == [f"write {k}" for k in range(8)]
