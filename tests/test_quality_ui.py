"""Risk on the review pages, in Debian's Chromium (Playwright): the story page sorts by risk and its word highlights
switch off; the batch index is sortable and its desk queue lists the riskiest beads of several stories, riskiest
first, and loses a bead once it is confirmed.

The batch: three stories of 20 LIG news-commentary lines each (lines 1–60, inside the training block), Google's
output as existing translations, the post-edits as the reference, with the shipped risk model.
Each test names the mutation it catches."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from aligner.batch import Sequential, iter_stories, run_batch
from aligner.pipeline import AssessingTranslator, RiskOptions
from aligner.quality import RiskEstimator
from aligner.results.report import _quote
from aligner.results.rundir import read_run
from aligner.translation.memory import FileTranslator
from conftest import DATA, needs_shared
from reviewserver import chromium, launch, running

LIG = DATA / "lig-postedit-fren"
# ids as long as real ones (a WMT document id, a wire story's slug): they must not wrap, nor spill over the next cell
IDS = ("lig-news-commentary-00001-a", "lig-news-commentary-00021-b", "lig-news-commentary-00041-c")


@pytest.fixture(scope="module")
def risky_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not LIG.is_dir():
        pytest.skip(f"no LIG corpus at {LIG} (../shared is absent)")
    tmp = tmp_path_factory.mktemp("riskbatch")
    src = (LIG / "src-ref-all.fr").read_text(encoding="utf-8").split("\n")[:60]
    mt = (LIG / "output_Google_Translator.en").read_text(encoding="utf-8").split("\n")[:60]
    pe = (LIG / "tgt-pe-all.en").read_text(encoding="utf-8").split("\n")[:60]
    stories = tmp / "stories.jsonl"
    with stories.open("w", encoding="utf-8") as fh:
        for n, name in enumerate(IDS):
            lines = range(20 * n, 20 * n + 20)
            story = {"id": name, "paragraphs": [[src[k]] for k in lines], "reference": [[pe[k]] for k in lines]}
            fh.write(json.dumps(story, ensure_ascii=False) + "\n")
    translator = AssessingTranslator(
        FileTranslator(dict(zip(src, mt)), name="google"), RiskOptions(RiskEstimator.load())
    )
    run_batch(iter_stories(stories), tmp / "out", Sequential(translator))
    return tmp / "out"


def queue_rows(page: Any) -> list[tuple[str, int, float]]:
    rows = page.locator("table.queue tbody tr")
    out = []
    for k in range(rows.count()):
        row = rows.nth(k)
        out.append(
            (
                row.get_attribute("data-story") or "",
                int(row.get_attribute("data-bead") or -1),
                float(row.locator("td").first.inner_text()),
            )
        )
    return out


def check_quotes(page: Any, batch: Path, queue: list[tuple[str, int, float]]) -> None:
    """Each queued bead quotes its own MT: the whole of it on hover, its first 90 characters in the cell."""
    # mutations: the quote taken from the wrong bead (an off-by-one, the source's text) or from another story
    cells = page.locator("table.queue tbody td.quote")
    assert cells.count() == len(queue)
    shown = cells.all_inner_texts()
    for k, (story, bead, _) in enumerate(queue):
        result = read_run(batch / "stories" / story)
        mt = " ".join(" ".join(result.mt[i] for i in result.beads[bead].left).split())
        assert cells.nth(k).get_attribute("title") == mt
        assert shown[k] == _quote(mt)  # the cut itself: tests/test_report.py
    assert any(s.endswith("…") for s in shown) and any(not s.endswith("…") for s in shown)


@needs_shared
def test_the_desk_queue_is_the_riskiest_beads_and_confirmed_beads_leave_it(risky_batch: Path) -> None:
    # mutations: the queue sorted by story or by bead; confirmed beads kept in it; the index not sortable by risk
    with running(risky_batch) as (url, review), chromium() as p:
        from playwright.sync_api import expect  # locators, not evaluated strings: the page's CSP forbids eval

        browser = launch(p)
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        missing: list[str] = []
        page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
        page.goto(url)
        queue = queue_rows(page)
        assert len({s for s, _, _ in queue}) >= 2  # one queue across stories
        assert [r for _, _, r in queue] == sorted((r for _, _, r in queue), reverse=True)
        risks = {s: read_run(risky_batch / "stories" / s).quality for s in IDS}
        assert all(q is not None for q in risks.values())
        for story, bead, risk in queue:
            q = risks[story]
            assert q is not None and abs(q.risk[bead] - risk) < 0.006
        # nothing outside the queue is riskier than what is in it
        lowest = min(r for _, _, r in queue)
        inside = {(s, b) for s, b, _ in queue}
        outside = [q.risk[k] for s, q in risks.items() if q for k in range(len(q.risk)) if (s, k) not in inside]
        assert max(outside) <= lowest + 0.005
        check_quotes(page, risky_batch, queue)
        # the stories' index sorts by risk, riskiest first, on a click
        page.locator("table.stories th", has_text="risk").click()
        shown = page.locator("table.stories tbody tr td:nth-child(3)").evaluate_all(
            "cells => cells.map(c => parseFloat(c.dataset.v))"
        )
        assert shown == sorted(shown, reverse=True)
        cells = page.locator("table.stories td.sid, table.queue td.sid")
        assert cells.count() == len(IDS) + len(queue)
        assert cells.evaluate_all("cs => cs.map(c => getComputedStyle(c).whiteSpace)") == ["nowrap"] * cells.count()
        # on one line and inside its cell (a fixed-layout table would let it run over the status column)
        assert cells.evaluate_all("cs => cs.filter(c => c.scrollWidth > c.clientWidth).length") == 0
        link = page.locator("table.stories td.sid a").first
        assert link.evaluate("a => a.getClientRects().length") == 1
        # confirm the riskiest bead on its story page: it leaves the queue, the next one leads
        story, bead, _ = queue[0]
        page.locator("table.queue tbody tr").first.locator("a").click()
        page.wait_for_url(f"**/story/{story}#bead-{bead}")
        # the linked bead is selected and in sight, not under the sticky bar (the browser's own jump puts it there)
        expect(page.locator(f"#bead-{bead}")).to_have_class(re.compile(r"\bcurrent\b"))
        top, bar, height = page.evaluate(
            f"() => [document.getElementById('bead-{bead}').getBoundingClientRect().top,"
            " document.querySelector('.bar').getBoundingClientRect().bottom, window.innerHeight]"
        )
        assert bar <= top < height
        page.locator(f"#bead-{bead} td.id").click()
        page.keyboard.press("Control+Enter")
        expect(page.locator("#saved-state")).to_have_text("all saved", timeout=10_000)
        page.goto(url)
        after = queue_rows(page)
        assert (story, bead) not in {(s, b) for s, b, _ in after}
        assert after[0][:2] == queue[1][:2]
        browser.close()
        status = {(s, v.status) for s in IDS for v in review.store.current(s, review.slots(s)).values()}
    assert (story, "confirmed") in status
    assert errors == []
    assert [u for u in missing if not u.endswith("/favicon.ico")] == []  # the pages' own scripts and styles load


@needs_shared
def test_the_story_page_sorts_by_risk_and_word_highlights_switch_off(risky_batch: Path) -> None:
    # mutations: risk sorted lowest first; the word-risk box not wired (highlights stay); no word marked at all
    result = read_run(risky_batch / "stories" / IDS[0])
    assert result.quality is not None
    report = (risky_batch / "stories" / IDS[0] / "report.html").resolve()
    with chromium() as p:
        from playwright.sync_api import expect  # locators, not evaluated strings: the page's CSP forbids eval

        browser = launch(p)
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(report.as_uri())
        page.select_option("#sort", "risk")
        order = page.locator("tr.bead:not(.hidden)").evaluate_all("rows => rows.map(r => +r.dataset.bead)")
        risks = [result.quality.risk[k] for k in order]
        assert risks == sorted(risks, reverse=True) and len(order) == len(result.beads)
        marks = page.locator("td.en mark.r1, td.en mark.r2")
        assert marks.count() > 0
        style = "m => getComputedStyle(m).textDecorationLine"
        assert marks.first.evaluate(style) == "underline"
        page.uncheck("#word-risk")
        assert marks.first.evaluate(style) == "none"
        page.check("#word-risk")
        assert marks.first.evaluate(style) == "underline"
        # a link to a bead the "flagged only" filter hides: the filter is cleared and the bead selected; a broken
        # hash is ignored (mutations: the link does nothing for a hidden bead; decodeURIComponent throws)
        page.select_option("#sort", "order")
        plain = next(k for k, fl in enumerate(result.flags) if not fl)
        page.check("#flagged-only")
        assert page.locator(f"#bead-{plain}").is_hidden()
        page.evaluate(f"() => {{ location.hash = 'bead-{plain}'; }}")
        expect(page.locator(f"#bead-{plain}")).to_have_class(re.compile(r"\bcurrent\b"))
        assert page.locator(f"#bead-{plain}").is_visible() and not page.is_checked("#flagged-only")
        page.evaluate("() => { location.hash = '%E0'; }")
        page.wait_for_timeout(100)
        browser.close()
    assert errors == []


@needs_shared
def test_the_static_batch_index_has_the_queue_and_sorts(risky_batch: Path) -> None:
    # mutations: the batch's index.html written without the queue (or without its quotes), or its sorting script
    # blocked by the page's CSP
    index = (risky_batch / "index.html").resolve()
    with chromium() as p:
        browser = launch(p)
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(index.as_uri())
        queue = queue_rows(page)
        assert len({s for s, _, _ in queue}) >= 2
        assert [r for _, _, r in queue] == sorted((r for _, _, r in queue), reverse=True)
        assert (
            page.locator("table.queue a").first.get_attribute("href")
            == f"stories/{queue[0][0]}/report.html#bead-{queue[0][1]}"
        )
        check_quotes(page, risky_batch, queue)
        page.locator("table.stories th", has_text="flags").click()
        counts = page.locator("table.stories tbody tr td:nth-child(7)").evaluate_all(
            "cells => cells.map(c => parseFloat(c.dataset.v))"
        )
        assert counts == sorted(counts, reverse=True)
        browser.close()
    assert errors == []
