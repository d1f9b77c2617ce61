"""The review server is safe by default: tokens off loopback, no cross-site writes, no path escapes, capped bodies,
hostile copy inert in every place a reviewer's text or the story's text is shown."""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from aligner.pipeline import run_story
from aligner.reading.reader import parse_text
from aligner.results.rundir import write_run
from aligner.review.server import MAX_BODY, Review, create_app, open_site
from aligner.store import SqliteStore
from aligner.translation.memory import FileTranslator
from conftest import ALIGNER, cli_env
from reviewserver import chromium, launch, running

HOSTILE = [
    'Le maire a dit <script>window.__pwned = 1; alert("x")</script> hier.',
    '<img src=x onerror="window.__pwned = 2"> Une image.',
    'Il a écrit "><svg onload="window.__pwned=3"> et &lt;b&gt;gras&lt;/b&gt; &amp; voilà.',
]


@pytest.fixture()
def run(tmp_path: Path) -> Path:
    source = parse_text("\n".join(HOSTILE), doc_id="hostile", presegmented=True)
    reference = parse_text("\n".join(HOSTILE), doc_id="hostile", lang="en", presegmented=True)
    result = run_story(source, FileTranslator({h: h for h in HOSTILE}, name="hostile"), reference)
    return write_run(result, tmp_path / "run")


def client(run: Path, token: str | None = None) -> Any:
    from starlette.testclient import TestClient

    store = SqliteStore(run / "review.sqlite")
    app = create_app(Review(open_site(run), store, "tester"), token=token)
    return TestClient(app, base_url="http://127.0.0.1")


SAVE = "/api/story/hostile/bead/0/save"
BODY = {"base": 0, "text": "Fine.", "status": "edited", "seconds": 1}
SAME_ORIGIN = {"Origin": "http://127.0.0.1"}


def test_writes_need_the_pages_own_origin(run: Path) -> None:
    c = client(run)
    assert c.post(SAVE, json=BODY, headers={"Origin": "http://evil.example"}).status_code == 403
    assert c.post(SAVE, json=BODY).status_code == 403  # no Origin at all: not from the page
    assert c.post(SAVE, json=BODY, headers={"Origin": "http://127.0.0.1:9"}).status_code == 403  # another port
    assert c.post(SAVE, json=BODY, headers=SAME_ORIGIN).status_code == 200
    assert c.post(SAVE, content=b"text=x", headers={**SAME_ORIGIN, "Content-Type": "text/plain"}).status_code == 415


def test_a_foreign_host_header_is_refused(run: Path) -> None:
    c = client(run)
    assert c.get("/story/hostile", headers={"Host": "evil.example"}).status_code == 400  # DNS rebinding
    assert c.get("/story/hostile", headers={"Host": "[::1]:8765"}).status_code == 200  # IPv6 loopback, bracketed


@pytest.mark.parametrize(
    "path",
    [
        "/story/..%2F..%2Fetc%2Fpasswd",
        "/story/%2Fetc%2Fpasswd",
        "/story/%2E%2E",
        "/api/story/..%2Frun/state",
        "/api/story/hostile/bead/..%2F1/history",
        "/api/story/hostile/bead/-1/history",
        "/api/story/hostile/bead/99/history",
        "/static/..%2Freview.sqlite",
        "/static/review.sqlite",
        "/review.sqlite",
        "/result.json",
    ],
)
def test_ids_never_reach_the_filesystem(run: Path, path: str) -> None:
    response = client(run).get(path)
    assert response.status_code == 404
    assert b"SQLite" not in response.content and b'"schema"' not in response.content


def test_an_oversized_body_is_refused(run: Path) -> None:
    c = client(run)
    big = {**BODY, "text": "x" * (MAX_BODY + 10)}
    assert c.post(SAVE, json=big, headers=SAME_ORIGIN).status_code == 413
    # without a Content-Length, the body is cut off while it streams in
    chunks = (b'{"text": "' + b"x" * 8192 for _ in range(20))
    assert c.post(SAVE, content=chunks, headers={**SAME_ORIGIN, "Content-Type": "application/json"}).status_code == 413
    assert SqliteStore(run / "review.sqlite").history("hostile", 0) == []


def test_a_token_is_checked_on_every_request_when_there_is_one(run: Path) -> None:
    c = client(run, token="s3cret")
    assert c.get("/story/hostile").status_code == 403
    assert c.get("/api/summary", headers={"X-Aligner-Token": "wrong"}).status_code == 403
    assert c.post(SAVE, json=BODY, headers=SAME_ORIGIN).status_code == 403
    page = c.get("/story/hostile?token=s3cret")
    assert page.status_code == 200 and "aligner_token_80=s3cret" in page.headers["set-cookie"]  # per port
    assert "HttpOnly" in page.headers["set-cookie"] and "SameSite=Strict" in page.headers["set-cookie"]
    assert c.post(SAVE, json=BODY, headers=SAME_ORIGIN).status_code == 200  # the cookie the page set


def test_every_response_carries_the_policy(run: Path) -> None:
    c = client(run)
    for path in ("/story/hostile", "/api/summary", "/static/editor.js", "/nowhere"):
        headers = c.get(path).headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"


def test_a_non_loopback_host_gets_a_generated_token(run: Path) -> None:
    """127.0.0.2 is on this machine but not the loopback name the server trusts: it must hand out a token."""
    proc = subprocess.Popen([*ALIGNER, "review", str(run), "--host", "127.0.0.2", "--port", "0"], env=cli_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "?token=" in line, line + (proc.stderr.read() if proc.poll() is not None and proc.stderr else "")
        url = line[line.index("http://") :].strip()
        base, token = url.split("?token=")
        assert len(token) >= 24
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(base + "api/summary", timeout=10)
        assert refused.value.code == 403
        with urllib.request.urlopen(base + "api/summary?token=" + token, timeout=10) as ok:
            assert json.loads(ok.read())["stories"][0]["id"] == "hostile"
    finally:
        proc.terminate()
        proc.wait(10)


def test_hostile_text_stays_inert_in_the_editor_comments_and_annotations(run: Path) -> None:
    with running(run) as (url, review), chromium() as p:
        browser = launch(p)
        page = browser.new_page()
        dialogs: list[str] = []
        errors: list[str] = []

        def on_dialog(dialog: Any) -> None:
            dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url + "story/hostile")
        page.keyboard.press("Enter")  # the editor opens on the hostile MT
        assert page.locator("#bead-0 textarea.edit").input_value() == HOSTILE[0]
        page.keyboard.press("Control+Enter")
        page.locator("#bead-1").click()
        page.keyboard.press("c")
        page.keyboard.type('<img src=x onerror="window.__pwned=4">')
        page.keyboard.press("Enter")
        page.locator("#bead-1 .comment").wait_for()
        page.keyboard.press("a")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        page.keyboard.type('"><svg onload="window.__pwned=5">')
        page.keyboard.press("Enter")
        page.locator("#bead-1 .annotation").wait_for()
        page.reload()  # everything again, now rendered by the server's template
        page.locator("#bead-1 .comment").first.wait_for()
        page.wait_for_timeout(200)
        assert page.evaluate("window.__pwned") is None
        assert page.locator("table.beads script, table.beads img, table.beads svg").count() == 0
        text = page.inner_text("table.beads")
        assert '<script>window.__pwned = 1; alert("x")</script>' in text and "&lt;b&gt;gras&lt;/b&gt;" in text
        assert 'tester: <img src=x onerror="window.__pwned=4">' in text
        browser.close()
        annotations = review.store.annotations("hostile")
    assert dialogs == [] and errors == []
    assert [a.note for a in annotations] == ['"><svg onload="window.__pwned=5">']
