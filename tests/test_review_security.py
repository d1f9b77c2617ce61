"""The review server is safe by default: tokens off loopback, no cross-site writes, no path escapes, capped bodies,
hostile copy inert in every place a reviewer's text or the story's text is shown."""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

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
SAVE_AT = "/api/story/hostile/bead/{}/save"
HISTORY = "/api/story/hostile/bead/{}/history"
STATE = "/api/story/hostile/state"
BODY = {"base": 0, "text": "Fine.", "status": "edited", "seconds": 1}
SAME_ORIGIN = {"Origin": "http://127.0.0.1"}
WRITES: dict[str, dict[str, Any]] = {  # a body each kind of write accepts
    "save": BODY,
    "comment": {"text": "Looks fine."},
    "annotate": {"version": 0, "start": 0, "end": 2, "category": "style", "severity": "minor"},
}

# every route that takes an id from the path: method, path (the id at {}), an id it answers with 200, its parameter
ID_ROUTES = [
    ("GET", "/story/{}", "hostile", "story"),
    ("GET", "/api/story/{}/state", "hostile", "story"),
    ("GET", "/api/story/{}/summary", "hostile", "story"),
    ("GET", "/api/story/{}/bead/0/history", "hostile", "story"),
    ("GET", "/api/story/{}/bead/0/suggestions", "hostile", "story"),
    ("POST", "/api/story/{}/bead/0/save", "hostile", "story"),
    ("POST", "/api/story/{}/bead/0/comment", "hostile", "story"),
    ("POST", "/api/story/{}/bead/0/annotate", "hostile", "story"),
    ("GET", "/static/{}", "editor.js", "name"),
]
# Ids a path segment can carry, each a way out of a lookup that joined the id into a path or cut it short: up (..;
# ../ encoded once more, which the router's one decoding leaves as %2e%2e%2f), NUL, Windows separators and drives,
# the trailing dot and space Windows drops, a very long id, the names of the files in the run directory (its
# database among them) and of the directory itself, files of the package beside the static ones
HOSTILE_IDS = [
    "..",
    ".",
    "%2e%2e%2f",
    "%2e%2e%2fresult.json",
    "\x00",
    "hostile\x00",
    "editor.js\x00",
    "..\\result.json",
    "C:\\Windows\\win.ini",
    "hostile.",
    "hostile ",
    "x" * 10_000,
    "review.sqlite",
    "result.json",
    "report.html",
    "translation.txt",
    "run",
    "server.py",
    "__init__.py",
]
IN_THE_RUN = {"review.sqlite", "result.json", "report.html", "translation.txt"}
# ids with a slash (sent encoded, %2F): absolute, up and out, up and back in
SLASHED = [
    "../result.json",
    "../run/review.sqlite",
    "../../../../../../../../etc/passwd",
    "/etc/passwd",
    "{run}/result.json",
    "hostile/../hostile",
    "./hostile",
]
# what a bead id must not be: the server takes 1 to 9 ASCII digits, a number below the story's count of beads
NOT_BEADS = [
    "-1",
    "-0",
    "+1",
    " 1",
    "1 ",
    "0_1",
    "1.0",
    "1e3",
    "0x1",
    "\u0661",  # ARABIC-INDIC DIGIT ONE: int() reads it as 1, the regex \d matches it
    "\uff11",  # FULLWIDTH DIGIT ONE, the same
    "..",
    "0" * 10,
    str(10**30),
    "9" * 5000,  # past int()'s 4300 digits
]


def segment(text: str) -> str:
    """``text`` as one path segment, its dots encoded too (a client folds a bare ``..`` or ``.`` segment away)."""
    return quote(text, safe="").replace(".", "%2E")


def short(text: str) -> str:
    return ascii(text)[:24]


class Traced:
    """The review app behind a test client, noting the path parameters each request was routed with: ``None`` when
    no route matched (the router's own 404)."""

    def __init__(self, run: Path) -> None:
        from starlette.testclient import TestClient

        self.app = create_app(Review(open_site(run), SqliteStore(run / "review.sqlite"), "tester"))
        self.params: list[dict[str, Any] | None] = []
        self.http = TestClient(self, base_url="http://127.0.0.1")

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        scope["path"] = unquote(scope["raw_path"].decode("ascii"))  # decoded once, as uvicorn does (TestClient: twice)
        try:
            await self.app(scope, receive, send)
        finally:
            self.params.append(scope.get("path_params"))

    def ask(self, method: str, path: str) -> Any:
        """GET ``path``, or POST it, from the page's origin, a body its kind of write (the last segment) accepts."""
        if method == "POST":
            return self.http.post(path, json=WRITES[path.rsplit("/", 1)[1]], headers=SAME_ORIGIN)
        return self.http.get(path)

    def refused_by_the_route(self, response: Any, params: dict[str, str]) -> None:
        """``response`` is a 404 of the route that matched with exactly ``params``, refused by its handler: JSON
        ``{"error": ...}`` but not the router's 404 for a path that no route matches."""
        where = f"{response.request.method} {str(response.request.url)[:100]}"
        assert response.status_code == 404, where
        assert self.params[-1] == params, where
        unmatched = self.http.get("/no/such/route")
        assert unmatched.status_code == 404 and self.params[-1] is None
        assert set(response.json()) == {"error"} and response.json() != unmatched.json(), where

    def statuses(self) -> list[str]:
        """The review status of each bead of the story."""
        response = self.http.get(STATE)
        assert response.status_code == 200
        return [bead[2] for bead in response.json()["beads"]]


class StandIn:
    """A route's converter for its {story} or {name} segment that turns the segment STAND-IN into ``value``."""

    regex = "[^/]+"

    def __init__(self, value: str) -> None:
        self.value = value

    def convert(self, value: str) -> str:
        return self.value if value == "STAND-IN" else value

    def to_string(self, value: str) -> str:
        return value


def padded(size: int) -> bytes:
    """``BODY`` as JSON of exactly ``size`` bytes (spaces after it)."""
    raw = json.dumps(BODY).encode("utf-8")
    return raw + b" " * (size - len(raw))


def kept(c: Any) -> tuple[str, Any]:
    """What the server shows of the story's review: the page (texts, comments) and the effort summary (statuses,
    annotated errors)."""
    page, summary = c.get("/story/hostile"), c.get("/api/story/hostile/summary")
    assert page.status_code == summary.status_code == 200
    return page.text, summary.json()


@pytest.mark.parametrize("write", sorted(WRITES))
def test_writes_need_the_pages_own_origin(run: Path, write: str) -> None:
    c = client(run)
    path, body = f"/api/story/hostile/bead/0/{write}", WRITES[write]
    before = kept(c)
    assert c.post(path, json=body, headers={"Origin": "http://evil.example"}).status_code == 403
    assert c.post(path, json=body).status_code == 403  # no Origin at all: not from the page
    assert c.post(path, json=body, headers={"Origin": "http://127.0.0.1:9"}).status_code == 403  # another port
    assert c.post(path, json=body, headers={"Origin": "https://127.0.0.1"}).status_code == 403  # another scheme
    # a form can post text/plain with no preflight: JSON sent as that is refused, even from the page's origin
    as_text = {**SAME_ORIGIN, "Content-Type": "text/plain"}
    assert c.post(path, content=json.dumps(body), headers=as_text).status_code == 415
    assert kept(c) == before  # nothing refused was kept
    assert c.post(path, json=body, headers=SAME_ORIGIN).status_code == 200
    assert kept(c) != before  # and what is kept shows


def test_a_foreign_host_header_is_refused(run: Path) -> None:
    c = client(run)
    assert c.get("/story/hostile", headers={"Host": "evil.example"}).status_code == 400  # DNS rebinding
    assert c.get("/story/hostile", headers={"Host": "[::1]:8765"}).status_code == 200  # IPv6 loopback, bracketed


@pytest.mark.parametrize("hostile", HOSTILE_IDS, ids=short)
def test_ids_never_reach_the_filesystem(run: Path, hostile: str) -> None:
    """Each id reaches every route that takes one, intact, and is refused there: ids are looked up, never joined
    into a path. The same request with the route's own id is answered."""
    app = Traced(run)
    assert run.name == "run" and (hostile not in IN_THE_RUN or (run / hostile).is_file())  # real names, all of them
    for method, path, valid, param in ID_ROUTES:
        bead = {"bead": "0"} if "/bead/" in path else {}
        app.refused_by_the_route(app.ask(method, path.format(segment(hostile))), {param: hostile, **bead})
        assert app.ask(method, path.format(valid)).status_code == 200, path
        assert app.params[-1] == {param: valid, **bead}
    assert app.statuses() == ["edited", "new", "new"]  # the one save to a real story, nothing else


@pytest.mark.parametrize("hostile", SLASHED)
def test_ids_with_a_slash_reach_no_route_and_every_route_would_refuse_them(run: Path, hostile: str) -> None:
    """The router decodes %2F before it splits the path: an id with a slash matches no route. That is all that keeps
    it out, so each route is also handed the id as its parameter (a stand-in segment its converter turns into it)
    and must refuse it as it refuses any id that is not a story's."""
    hostile = hostile.format(run=run)
    app = Traced(run)
    for method, path, _, _ in ID_ROUTES:
        response = app.ask(method, path.format(segment(hostile)))
        assert response.status_code == 404 and app.params[-1] is None, path
    for route in app.app.routes:
        for param in ("story", "name"):
            if param in route.param_convertors:
                route.param_convertors[param] = StandIn(hostile)
    for method, path, valid, param in ID_ROUTES:
        bead = {"bead": "0"} if "/bead/" in path else {}
        app.refused_by_the_route(app.ask(method, path.format("STAND-IN")), {param: hostile, **bead})
        assert app.ask(method, path.format(valid)).status_code == 200, path
    assert app.statuses() == ["edited", "new", "new"]


def test_every_bead_up_to_the_last_is_reachable_and_none_past_it(run: Path) -> None:
    app = Traced(run)
    beads = len(app.statuses())
    assert beads == len(HOSTILE)  # a bead a line
    for n in range(beads):
        response = app.http.get(HISTORY.format(n))
        assert response.status_code == 200 and response.json() == [], n
    last = beads - 1
    assert app.http.post(SAVE_AT.format(last), json=BODY, headers=SAME_ORIGIN).status_code == 200
    for n in (beads, beads + 1):
        at = {"story": "hostile", "bead": str(n)}
        app.refused_by_the_route(app.http.get(HISTORY.format(n)), at)
        app.refused_by_the_route(app.http.post(SAVE_AT.format(n), json=BODY, headers=SAME_ORIGIN), at)
    assert app.statuses() == ["new"] * last + ["edited"]
    # a leading zero leaves the same decimal number: 02 is bead 2, never another
    history, padded_history = app.http.get(HISTORY.format(last)), app.http.get(HISTORY.format(f"0{last}"))
    assert history.status_code == padded_history.status_code == 200
    assert len(history.json()) == 1 and padded_history.json() == history.json()


@pytest.mark.parametrize("bead", NOT_BEADS, ids=short)
def test_a_bead_is_a_short_decimal_number(run: Path, bead: str) -> None:
    app = Traced(run)
    at = {"story": "hostile", "bead": bead}
    app.refused_by_the_route(app.http.get(HISTORY.format(segment(bead))), at)
    app.refused_by_the_route(app.http.post(SAVE_AT.format(segment(bead)), json=BODY, headers=SAME_ORIGIN), at)
    assert app.statuses() == ["new"] * len(HOSTILE)


def test_an_oversized_body_is_refused(run: Path) -> None:
    c = client(run)
    big = {**BODY, "text": "x" * (MAX_BODY + 10)}
    assert c.post(SAVE, json=big, headers=SAME_ORIGIN).status_code == 413
    # without a Content-Length, the body is cut off while it streams in
    chunks = (b'{"text": "' + b"x" * 8192 for _ in range(20))
    as_json = {**SAME_ORIGIN, "Content-Type": "application/json"}
    assert c.post(SAVE, content=chunks, headers=as_json).status_code == 413
    # a byte over the limit is over it, with a Content-Length and streamed without one
    assert c.post(SAVE, content=padded(MAX_BODY + 1), headers=as_json).status_code == 413
    assert c.post(SAVE, content=iter([padded(MAX_BODY + 1)]), headers=as_json).status_code == 413
    assert c.get(HISTORY.format(0)).json() == []
    # and the limit itself is not
    assert c.post(SAVE_AT.format(0), content=padded(MAX_BODY), headers=as_json).status_code == 200
    assert c.post(SAVE_AT.format(1), content=iter([padded(MAX_BODY)]), headers=as_json).status_code == 200


def test_a_token_is_checked_on_every_request_when_there_is_one(run: Path) -> None:
    c = client(run, token="s3cret")
    assert c.get("/story/hostile").status_code == 403
    assert c.get("/static/editor.js").status_code == c.get(STATE).status_code == 403
    assert c.get("/api/summary", headers={"X-Aligner-Token": "wrong"}).status_code == 403
    assert c.get("/api/summary", headers={"X-Aligner-Token": "s3cret"}).status_code == 200  # a script's way in
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
    refused = c.post(SAVE, json=BODY)  # refused before it reaches the application: no Origin
    foreign = c.get("/story/hostile", headers={"Host": "evil.example"})  # refused by the Host check
    assert (refused.status_code, foreign.status_code) == (403, 400)
    for response in (refused, foreign):  # refusals carry every security header too
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"


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


INJECTED = "table.beads script, table.beads img, table.beads svg"  # what hostile copy would add as markup


def test_hostile_text_stays_inert_in_the_editor_comments_and_annotations(run: Path) -> None:
    with running(run) as (url, review), chromium() as p:
        from playwright.sync_api import expect  # locators, not evaluated strings: the page's CSP forbids eval

        browser = launch(p)
        page = browser.new_page()
        dialogs: list[str] = []
        errors: list[str] = []

        def on_dialog(dialog: Any) -> None:
            dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda e: errors.append(str(e)))
        # markup that got in would be stopped by the CSP, which says so on the console: markup did get in
        page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto(url + "story/hostile")
        page.keyboard.press("Enter")  # the editor opens on the hostile MT
        assert page.locator("#bead-0 textarea.edit").input_value() == HOSTILE[0]
        page.keyboard.press("Control+Enter")
        # the confirmation saved before the next bead is taken: a save answered late (a loaded machine) moves the
        # selection on after the click, and the comment's keys went elsewhere (1 run in ~16 under load)
        expect(page.locator("#bead-0 .st")).to_contain_text("confirmed", timeout=10_000)
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
        # as the editor shows them
        assert page.locator(INJECTED).count() == 0
        text = page.inner_text("table.beads")
        assert '<img src=x onerror="window.__pwned=4">' in text and '"><svg onload="window.__pwned=5">' in text
        page.reload()  # everything again, now rendered by the server's template
        page.locator("#bead-1 .comment").first.wait_for()
        page.wait_for_timeout(200)
        assert page.evaluate("window.__pwned") is None
        assert page.locator(INJECTED).count() == 0
        text = page.inner_text("table.beads")
        assert '<script>window.__pwned = 1; alert("x")</script>' in text and "&lt;b&gt;gras&lt;/b&gt;" in text
        assert 'tester: <img src=x onerror="window.__pwned=4">' in text
        browser.close()
        annotations = review.store.annotations("hostile")
    assert dialogs == [] and errors == []
    assert [a.note for a in annotations] == ['"><svg onload="window.__pwned=5">']
