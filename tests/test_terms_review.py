"""The review page and the review's glossary (issue 18, point 4): a post-edit that drops a required term gets a
``term`` error on save (page, JSON, export); an entry added from the page flags the other beads that disobey it,
saved post-edits included; suggestions from confirmed post-edits are accepted in one click; malformed entries are
refused and store nothing; an entry's text is shown as text, never as markup."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from aligner.pipeline import run_story
from aligner.reading.reader import parse_text
from aligner.results.rundir import write_run
from aligner.review.export import export_run
from aligner.review.server import Review
from aligner.terms import Entry, Glossary
from conftest import ALIGNER, CountingTranslator, cli_env
from reviewserver import chromium, launch, running
from test_review_validation import post

STORY = (
    "Les combats continuent près de Kiev.\n\n"
    "Le cosmodrome de Baïkonour a rouvert.\n\n"
    "Le maire de Kiev a parlé mardi.\n\n"
    "Un second cosmodrome est prévu.\n\n"
    "Le cosmodrome de Vostotchny est neuf.\n"
)
MT = {
    "Les combats continuent près de Kiev.": "Fighting continues near Kyiv.",
    "Le cosmodrome de Baïkonour a rouvert.": "The Baikonur cosmodrome has reopened.",
    "Le maire de Kiev a parlé mardi.": "The mayor of Kiev spoke on Tuesday.",
    "Un second cosmodrome est prévu.": "A second cosmodrome is planned.",
    "Le cosmodrome de Vostotchny est neuf.": "The Vostochny spaceport is new.",
}
DESK = Glossary.of([Entry("Kiev", ("Kyiv",), forbidden=("Kiev",))], "desk.tsv")  # the desk's file (--glossary)


class Fixed(CountingTranslator):
    """The MT of each sentence as written in ``MT``."""

    def translate(self, texts: Sequence[str]) -> Any:
        return [type(t)(MT[s]) for t, s in zip(super().translate(texts), texts)]


@pytest.fixture()
def run(tmp_path: Path) -> Path:
    result = run_story(parse_text(STORY, doc_id="s1"), Fixed())
    assert len(result.beads) == 5 and not any(f.code == "term" for flags in result.flags for f in flags)
    return write_run(result, tmp_path / "run")


@contextmanager
def serving(root: Path, glossary: Glossary | None = DESK) -> Iterator[tuple[str, Review]]:
    """(base URL, review) of a review server for ``root`` given the glossary files ``glossary`` (as `aligner review
    --glossary` builds it), on 127.0.0.1, stopped on exit."""
    with running(root, glossary=glossary) as served:
        yield served


def get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        body = response.read()
        return json.loads(body) if response.headers.get_content_type() == "application/json" else body.decode()


def codes(flags: Sequence[dict[str, str]]) -> list[str]:
    return [f["code"] for f in flags]


def glossary_rows(db: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as con:
        return con.execute("SELECT * FROM glossary").fetchall()


def test_a_post_edit_that_drops_a_required_term_gets_a_term_error(run: Path, tmp_path: Path) -> None:
    """Chromium: bead 0's MT has "Kyiv"; the translator's post-edit drops it and the save's answer, the row on the
    page (at once and after a reload), the state's flags, the summary and the exports carry a ``term`` error. The
    MT of bead 2 ("Kiev", forbidden) is flagged from the first load, though the run had no glossary."""
    with serving(run) as (url, _), chromium() as p:
        from playwright.sync_api import expect

        browser = launch(p)
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url + "story/s1")
        zero, two = page.locator("#bead-0"), page.locator("#bead-2")
        assert zero.locator('.flag[data-code="term"]').count() == 0
        assert two.locator('.flag[data-code="term"]').count() == 2  # "Kyiv" missing, "Kiev" present
        assert zero.locator("span.term").inner_text() == "Kiev"
        assert "Kiev → Kyiv; not Kiev" in (zero.locator("span.term").get_attribute("title") or "")
        with page.expect_response(lambda r: r.url.endswith("/bead/0/save")) as saved:
            zero.click()
            page.keyboard.press("Enter")
            page.keyboard.press("Control+a")
            page.keyboard.type("Fighting continues near the capital.")
            page.keyboard.press("Control+Enter")
        answer = saved.value.json()
        expect(page.locator("#saved-state")).to_have_text("all saved", timeout=10_000)
        terms = [f for f in answer["flags"] if f["code"] == "term"]
        assert [(f["severity"], f["reason"]) for f in terms] == [("error", "glossary: 'Kiev' must be 'Kyiv'")]
        expect(zero.locator('.flag[data-code="term"]')).to_have_count(1)
        assert zero.get_attribute("data-level") == "error"
        page.reload()
        assert page.locator('#bead-0 .flag[data-code="term"]').count() == 1
        browser.close()
        summary = get(url + "api/story/s1/summary")
    assert errors == []
    assert summary["confirmed"] == 1 and summary["confirmed_with_errors"] == 1
    out = tmp_path / "out.jsonl"
    proc = subprocess.run([*ALIGNER, "export", str(run), "--format", "jsonl", "-o", str(out)], env=cli_env(),
                          capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    exported = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert exported[0]["post_edit"] == "Fighting continues near the capital."
    assert codes(exported[0]["flags"]).count("term") == 1
    # the export given the review's glossary file flags the MT as the page does
    export_run(run, "jsonl", out, glossary=DESK)
    exported = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [codes(row["flags"]).count("term") for row in exported] == [1, 0, 2, 0, 0]


def test_an_entry_added_from_the_page_flags_the_beads_that_disobey_it(run: Path) -> None:
    """Chromium: the translator selects "cosmodrome" in bead 1's French, presses t, types "spaceport": beads 1 and 3
    (MT "cosmodrome"; bead 3 a post-edit confirmed before the entry existed) get a ``term`` error without a reload,
    bead 4 (MT "spaceport") none; every "cosmodrome" is underlined with the entry on hover; all of it stays after a
    reload and is in the state."""
    with serving(run) as (url, review), chromium() as p:
        from playwright.sync_api import expect

        keep = {"text": "A second cosmodrome is planned.", "status": "confirmed", "base": 0}
        status, answer = post(url, "api/story/s1/bead/3/save", json.dumps(keep).encode())
        assert status == 200 and "term" not in codes(answer["flags"])
        browser = launch(p)
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url + "story/s1")
        one = page.locator("#bead-1")
        assert page.locator('.flag[data-code="term"]').count() == 2  # bead 2's, from the desk's file
        assert one.locator("span.term").count() == 0
        one.click()
        page.evaluate(
            """() => {
                const cell = document.querySelector('#bead-1 td[lang="fr"] .c');
                const text = cell.firstChild;
                const start = text.data.indexOf("cosmodrome");
                const range = document.createRange();
                range.setStart(text, start);
                range.setEnd(text, start + "cosmodrome".length);
                window.getSelection().removeAllRanges();
                window.getSelection().addRange(range);
            }"""
        )
        page.keyboard.press("t")
        form = one.locator(".term-form")
        expect(form).to_have_count(1)
        assert form.locator(".term-source").input_value() == "cosmodrome"
        with page.expect_response(lambda r: r.url.endswith("/api/terms")) as added:
            page.keyboard.type("spaceport")  # the English field has the focus
            page.keyboard.press("Enter")
        answer = added.value.json()
        assert answer["flagged"] == [1, 3] and {b["bead"] for b in answer["beads"]} == {1, 3, 4}
        expect(form).to_have_count(0)
        for k, n in ((1, 1), (3, 1), (4, 0)):
            expect(page.locator(f'#bead-{k} .flag[data-code="term"]')).to_have_count(n)
            term = page.locator(f"#bead-{k} span.term")
            expect(term).to_have_text("cosmodrome")
            assert term.get_attribute("title") == "cosmodrome → spaceport"
        assert page.locator("#bead-1").get_attribute("data-level") == "error"
        page.reload()
        assert [page.locator(f'#bead-{k} .flag[data-code="term"]').count() for k in range(5)] == [0, 1, 2, 1, 0]
        assert page.locator("span.term").count() == 5
        browser.close()
        state = get(url + "api/story/s1/summary")
        assert review.store.terms().entries == (Entry("cosmodrome", ("spaceport",)),)
    assert errors == []
    assert state["confirmed_with_errors"] == 1  # bead 3's confirmed text disobeys the new entry


MALFORMED = [
    ({"source": "", "target": "Kyiv"}, r"source: String should have at least 1 character"),
    ({"source": "   ", "target": "Kyiv"}, r"source: String should have at least 1 character"),
    ({"source": "...", "target": "Kyiv"}, r"source: Value error, a French term needs a letter or a digit"),
    ({"source": 3, "target": "Kyiv"}, r"source: Input should be a valid string"),
    ({"target": "Kyiv"}, r"source: Field required"),
    ({"source": "Kiev"}, r"target: give the English term"),
    ({"source": "Kiev", "target": ""}, r"target: give the English term"),
    ({"source": "Kiev", "target": ["Kyiv"]}, r"target: Input should be a valid string"),
    ({"source": "Kiev", "target": "Kyiv", "forbidden": "Kiev"}, r"forbidden: Input should be a valid array"),
    ({"source": "Kiev", "target": "Kyiv", "forbidden": ["Kiev", 3]}, r"forbidden\.1: Input should be a valid string"),
    ({"source": "Kiev", "target": "Kyiv", "forbidden": [" "]}, r"forbidden: Value error, each forbidden term"),
    ({"source": "Kiev", "target": "Kyiv", "forbiden": ["Kiev"]}, r"forbiden: Extra inputs are not permitted"),
    ({"source": "Kiev", "target": "Kyiv", "note": None}, r"note: Input should be a valid string"),
    ({"source": "Kiev", "target": "Kyiv", "story": "s2"}, r"story: no story 's2'"),
    ({"source": "Kiev", "target": "Kyiv", "source_lang": "fr"}, r"source_lang: Extra inputs are not permitted"),
    (["Kiev", "Kyiv"], r"Input should be an object"),
]


def test_malformed_entries_are_refused_and_store_nothing(run: Path) -> None:
    import re

    with serving(run) as (url, _):
        for body, message in MALFORMED:
            status, answer = post(url, "api/terms", json.dumps(body).encode())
            assert status == 400 and re.search(message, answer["error"]), (body, answer)
        assert post(url, "api/terms", b'{"source": "Kiev", "target": "Kyiv"}', content_type="text/plain")[0] == 415
        assert post(url, "api/terms", b"{not json")[0] == 400
        refused = urllib.request.Request(url + "api/terms", data=b'{"source": "Kiev", "target": "Kyiv"}',
                                         method="POST", headers={"Content-Type": "application/json"})  # fmt: skip
        with pytest.raises(urllib.error.HTTPError) as no_origin:
            urllib.request.urlopen(refused, timeout=10)
        assert no_origin.value.code == 403
        assert glossary_rows(run / "review.sqlite") == []
        ok = {"source": " Kiev ", "target": "Kyiv", "forbidden": ["Kiev"], "note": "AP style"}
        status, answer = post(url, "api/terms", json.dumps(ok).encode())
        assert status == 200 and answer["story"] is None and answer["beads"] == []
    assert len(glossary_rows(run / "review.sqlite")) == 1


HOSTILE = '<img src=x onerror="document.title=1">"\'&amp;'


def test_an_entrys_text_is_shown_as_text(run: Path) -> None:
    """Hostile English and note in an entry (added from the page's form): the hover text, the flag's reason and the
    page's HTML carry it escaped; no element is made of it, no script runs."""
    with serving(run, None) as (url, _), chromium() as p:
        from playwright.sync_api import expect

        browser = launch(p)
        page = browser.new_page()
        errors: list[str] = []
        dialogs: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))

        def dialog(d: Any) -> None:
            dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", dialog)
        page.goto(url + "story/s1")
        page.locator("#bead-0").click()
        page.keyboard.press("t")
        form = page.locator("#bead-0 .term-form")
        form.locator(".term-source").fill("Kiev")
        form.locator(".term-target").fill(HOSTILE)
        form.locator(".term-note").fill("</span><script>document.title=2</script>")
        form.locator(".term-add").click()
        expect(page.locator('#bead-0 .flag[data-code="term"]')).to_have_count(1)
        title = f"Kiev → {HOSTILE} — </span><script>document.title=2</script>"
        assert page.locator("#bead-0 span.term").get_attribute("title") == title
        assert '<img src=x onerror="document.title=1">' in page.locator('#bead-0 .flag[data-code="term"]').inner_text()
        page.reload()
        assert page.locator("#bead-2 span.term").get_attribute("title") == title
        assert page.locator("img").count() == 0 and page.locator("td script").count() == 0
        assert page.title() == "s1 · aligner"  # no script of the entry set it
        browser.close()
        html = get(url + "story/s1")
    assert errors == [] and dialogs == []
    assert "<img" not in html and "&lt;img src=x onerror=&#34;document.title=1&#34;&gt;" in html
    assert "&lt;/span&gt;&lt;script&gt;" in html


def test_suggestions_from_confirmed_post_edits_are_accepted_in_one_click(run: Path) -> None:
    """Three confirmed post-edits change the MT's "cosmodrome" into "spaceport": the page lists ``cosmodrome →
    spaceport`` first; "accept" adds it to the review's glossary (the beads that disobey it are flagged) and it is
    no longer suggested."""
    with serving(run, None) as (url, review), chromium() as p:
        from playwright.sync_api import expect

        for k, text in ((1, "The Baikonur spaceport has reopened."), (3, "A second spaceport is planned.")):
            body = {"text": text, "status": "confirmed", "base": 0}
            assert post(url, f"api/story/s1/bead/{k}/save", json.dumps(body).encode())[0] == 200
        browser = launch(p)
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url + "story/s1")
        page.locator("#terms summary").click()
        first = page.locator("#term-suggestions li.term-suggestion").first
        expect(first).to_contain_text("cosmodrome → spaceport")
        with page.expect_response(lambda r: r.url.endswith("/api/terms")) as added:
            first.locator("button.accept").click()
        assert added.value.json()["flagged"] == []  # beads 1 and 3 say spaceport now, bead 4's MT does too
        expect(first).to_have_class("term-suggestion accepted")
        expect(page.locator("span.term")).to_have_count(3)
        browser.close()
        assert review.store.terms().entries[0].source == "cosmodrome"
        assert all(s["source"] != "cosmodrome" for s in get(url + "api/terms/suggestions"))
    assert errors == []


def test_other_stories_pick_an_entry_up_on_their_next_load(run: Path, tmp_path: Path) -> None:
    """A batch of two stories: an entry added while s1 is open flags s2's beads on s2's next load, in the page, the
    state's summary and the directory's summary (the review's entries are read on every request, not kept)."""
    batch = tmp_path / "batch"
    for story in ("s1", "s2"):
        write_run(run_story(parse_text(STORY, doc_id=story), Fixed()), batch / "stories" / story)
    with serving(batch, None) as (url, _):
        before = get(url + "story/s2")
        assert 'class="term"' not in before and 'data-code="term"' not in before
        status, answer = post(url, "api/terms", json.dumps({"source": "cosmodrome", "target": "spaceport",
                                                             "story": "s1"}).encode())  # fmt: skip
        assert status == 200 and answer["flagged"] == [1, 3]
        after = get(url + "story/s2")
        assert after.count('<span class="term" title="cosmodrome → spaceport">cosmodrome</span>') == 3
        assert after.count('<div class="flag error" data-code="term">') == 2
        assert [s["id"] for s in get(url + "api/summary")["stories"]] == ["s1", "s2"]


def test_without_the_glossary_files_the_runs_term_flags_stay(tmp_path: Path) -> None:
    """A run checked with the desk's glossary, reviewed without it (`aligner review` given no --glossary): an entry
    added from the page adds its flags to the run's; the run's own term flags (bead 2's "Kiev") do not vanish."""
    result = run_story(parse_text(STORY, doc_id="s1"), Fixed(), glossary=DESK)
    assert [sum(f.code == "term" for f in flags) for flags in result.flags] == [0, 0, 2, 0, 0]
    run = write_run(result, tmp_path / "run")
    with serving(run, None) as (url, _):
        status, answer = post(url, "api/terms", json.dumps({"source": "cosmodrome", "target": "spaceport",
                                                             "story": "s1"}).encode())  # fmt: skip
        assert status == 200 and answer["flagged"] == [1, 3]
        page = get(url + "story/s1")
    # bead 2's two term errors from the run, beads 1 and 3's from the new entry
    assert page.count('<div class="flag error" data-code="term">') == 4
