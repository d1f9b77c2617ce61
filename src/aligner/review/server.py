"""``aligner review``: post-editing in the browser, on Starlette and uvicorn, with the work kept in a ``ReviewStore``.

A batch directory opens on its index (stories, status, review progress and effort); a run directory
on its story. The story page is the static report's template with the editor on top (``editor.js``).

Safe by default: the server binds 127.0.0.1; any other host needs an access token (generated unless
given), checked on every request (query ``token``, then a cookie the first page sets, or the
``X-Aligner-Token`` header). Every request must name an allowed Host (no DNS rebinding); every write
must come from the page's own Origin, as JSON, in a body of at most 64 KiB. Story ids are looked up
in the reviewed directory's own list, never joined into a path; bead ids are bounds-checked. Only
the page templates, three static files and the JSON API are served: never the database or a run's
files. A Content-Security-Policy lets only the server's own scripts run.

Every request body is parsed into a typed model (pydantic, strict: a client's values are never coerced) before
anything else happens, the conflict check included: a malformed save is answered 400 and stores nothing. A bead's
review is found by its content (``aligner.store``); the ``N`` of ``/api/story/ID/bead/N/…`` is the bead's number
in the current run. A save's QA flags are computed on the saved text (``aligner.qa.flag_text``) and stored with it.
Work that touches SQLite, files or TER runs in the thread pool (plain ``def`` endpoints, or ``run_in_threadpool``
after an ``async`` body read), never in the event loop; per-story summaries and efforts are cached and dropped when
the story's ``result.json`` or its review rows change.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import AlignerError, InputError
from ..qa import flag_text
from ..reading.reader import STORY_ID
from ..results import RunResult, StorySummary
from ..results.report import (
    ReviewState,
    asset,
    desk_queue,
    index_rows,
    live_page,
    queue_view,
    render,
    render_story_page,
)
from ..results.rundir import read_run, story_summary
from ..store import Annotation, ReviewStore, Slot, Version, check_annotation, of_slots
from .effort import BeadEffort, EffortSummary, bead_efforts, run_id, slots, text_flags

MAX_BODY = 64 * 1024
STATIC = {"report.js": "aligner.results", "review.css": "aligner.results", "editor.js": "aligner.review",
          "index.js": "aligner.results"}  # fmt: skip
NUMBER = re.compile(r"[0-9]{1,9}")
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Any]]
Send = Callable[[Any], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
T = TypeVar("T")


class _Cache:
    """A small thread-safe LRU of values, each kept with the stamp it was computed for: a lookup with another stamp
    (the file or the review changed) computes the value again."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, tuple[Hashable, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, stamp: Hashable, make: Callable[[], T]) -> T:
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and hit[0] == stamp:
                self._items.move_to_end(key)
                return hit[1]  # type: ignore[no-any-return]
        value = make()  # outside the lock: two threads may both compute it, never wait for each other
        with self._lock:
            self._items[key] = (stamp, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


def _file_stamp(path: Path) -> tuple[int, int, int]:
    """What changes when a file is replaced or rewritten (``write_run`` renames a new directory into place)."""
    st = path.stat()
    return (st.st_ino, st.st_mtime_ns, st.st_size)


@dataclass
class Site:
    """The reviewed directory: a run directory (one story) or a batch output (many), and its stories' runs."""

    root: Path
    batch: bool
    order: list[str]  # story ids in the batch's order
    runs: dict[str, Path]  # story id → run directory

    def __post_init__(self) -> None:
        self._results = _Cache(64)  # the stories being reviewed now in memory (20 reviewers at once), not an archive
        self._summaries = _Cache(100_000)  # one small line per story

    def stamp(self, story: str) -> tuple[int, int, int]:
        return _file_stamp(self.runs[story] / "result.json")

    def result(self, story: str) -> RunResult:
        return self._results.get(story, self.stamp(story), lambda: read_run(self.runs[story]))

    def summary(self, story: str) -> StorySummary:
        """The story's summary line (scores, flags), read once per version of its ``result.json``."""
        if not self.batch:
            return StorySummary.of(self.result(story))
        return self._summaries.get(story, self.stamp(story), lambda: story_summary(story, self.root))


def open_site(root: str | Path) -> Site:
    """The run or batch directory at ``root``; ``InputError`` names what else it could have been given."""
    path = Path(root)
    if (path / "result.json").is_file():
        story = read_run(path).source.id
        return Site(path, False, [story], {story: path})
    stories = path / "stories"
    if stories.is_dir():
        runs = {
            d.name: d for d in sorted(stories.iterdir()) if (d / "result.json").is_file() and STORY_ID.fullmatch(d.name)
        }
        order = _batch_order(path, runs)
        return Site(path, True, order, runs)
    raise InputError(
        f"{path}: neither a run directory (result.json) nor a batch output (stories/); give what `aligner run -o` "
        "or `aligner batch -o` wrote"
    )


def _batch_order(root: Path, runs: dict[str, Path]) -> list[str]:
    summary = root / "summary.json"
    if summary.is_file():
        try:
            ids = [str(s["id"]) for s in json.loads(summary.read_text(encoding="utf-8"))["stories"]]
            return [i for i in ids if i in runs] + sorted(set(runs) - set(ids))
        except (ValueError, KeyError, TypeError):  # a summary.json of another shape: the folder's order
            pass
    return sorted(runs)


# ----------------------------------------------------------------------------------------------- request bodies


class _Body(BaseModel):
    """Strict: a string field takes a JSON string only, an integer field an integer (not 0.9, not "3", not true);
    an unknown field is refused too (a misspelt ``stauts`` must not pass as a save without a status)."""

    model_config = ConfigDict(strict=True, extra="forbid")

    reviewer: str | None = Field(default=None, min_length=1, max_length=80)


class SaveBody(_Body):
    text: str
    status: Literal["new", "edited", "confirmed", "rejected"]
    base: int = Field(ge=0)
    reason: str = ""
    seconds: float = Field(default=0.0, ge=0, lt=86_400)


class CommentBody(_Body):
    text: str = Field(min_length=1)


class AnnotateBody(_Body):
    version: int = Field(ge=0)
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    category: Literal["accuracy", "fluency", "terminology", "style", "locale convention"]
    severity: Literal["minor", "major", "critical"]
    note: str = ""


B = TypeVar("B", bound=_Body)


def parse_body(model: type[B], raw: bytes) -> B:
    """``raw`` (a request body) as ``model``; ``InputError`` says which fields are wrong and why, in one line."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        problems = []
        for e in exc.errors(include_url=False):
            where = ".".join(str(p) for p in e["loc"]) or "body"
            problems.append(f"{where}: {e['msg']}")
        raise InputError("; ".join(problems)) from None


# ----------------------------------------------------------------------------------------------- the review data


@dataclass(frozen=True)
class Review:
    """The server's view of one reviewed directory: the site, the store, the translation memory."""

    site: Site
    store: ReviewStore
    reviewer: str
    memory: Any = None  # aligner.translation.memory.TranslationMemory for suggestions, or None
    _efforts: _Cache = field(default_factory=lambda: _Cache(100_000), compare=False)

    def slots(self, story: str) -> list[Slot]:
        return slots(self.site.result(story))

    def efforts(self, story: str, stamp: tuple[int, int, int] | None = None) -> list[BeadEffort]:
        """The story's bead rows; cached until its ``result.json`` or its review rows change (``stamp``: the
        story's ``store.stamps()`` entry, when the caller has read them all at once)."""
        if stamp is None:
            stamp = self.store.stamps().get(story, (0, 0, 0))
        key = (self.site.stamp(story), stamp)

        def make() -> list[BeadEffort]:
            result = self.site.result(story)
            return bead_efforts(result, self.store.groups(story), self.store.annotations(story))

        return self._efforts.get(story, key, make)

    def all_efforts(self) -> dict[str, list[BeadEffort]]:
        stamps = self.store.stamps()
        return {s: self.efforts(s, stamps.get(s, (0, 0, 0))) for s in self.site.order}

    def state(self, story: str) -> ReviewState:
        result = self.site.result(story)
        places = slots(result)
        current = self.store.current(story, places)
        notes = of_slots(places, self.store.comments(story))
        comments = {k: tuple(f"{c.reviewer}: {c.text}" for c in cs) for k, cs in notes.items()}
        rows = self.efforts(story)
        summary = EffortSummary.of(rows)
        mt = result.all_texts()
        this_run = run_id(result)
        # per bead: [MT, version, status] and, once saved, the current text exactly as stored (the page shows it
        # as words, which folds spaces and shows an empty text as ∅: never read back from there)
        data = {
            "story": story,
            "reviewer": self.reviewer,
            "beads": [
                [t.mt, current[k].number or 0, current[k].status, current[k].text] if k in current else [t.mt, 0, "new"]
                for k, t in enumerate(mt)
            ],
        }
        return ReviewState(
            texts={k: v.text for k, v in current.items()},
            statuses={k: v.status for k, v in current.items()},
            versions={k: v.number or 0 for k, v in current.items()},
            comments=comments,
            summary=effort_line(summary),
            data=data,
            flags={k: rows[k].flags for k in current},
            carried=frozenset(k for k, v in current.items() if v.run and v.run != this_run),
        )


def effort_line(s: EffortSummary) -> str:
    hter = "–" if s.mean_hter is None else f"{s.mean_hter:.1f}"
    spw = "–" if s.seconds_per_word is None else f"{s.seconds_per_word:.1f}"
    n = s.confirmed_with_errors
    flagged = f" ({n} confirmed with an error flag still on the text)" if n else ""
    return (
        f"Review: {s.confirmed} of {s.beads} beads confirmed{flagged}, {s.edited} edited, {s.rejected} rejected; "
        f"{s.words} words post-edited; mean HTER {hter}; {spw} s per word"
    )


def summary_json(review: Review) -> dict[str, Any]:
    """Effort per story and for the whole directory, every figure summed from the bead rows."""
    stories = []
    everything: list[BeadEffort] = []
    for story, rows in review.all_efforts().items():
        everything.extend(rows)
        stories.append({"id": story, **EffortSummary.of(rows).to_json()})
    return {"schema": "aligner.review-summary/2", "stories": stories, "total": EffortSummary.of(everything).to_json()}


def _flags_json(flags: tuple[tuple[str, str, str], ...]) -> list[dict[str, str]]:
    return [{"code": c, "severity": s, "reason": r} for c, s, r in flags]


def _version_json(v: Version, *, earlier: bool = False) -> dict[str, Any]:
    return {**v.to_json(), "earlier": earlier}


# ----------------------------------------------------------------------------------------------- the application


def create_app(review: Review, *, token: str | None = None, allowed_hosts: tuple[str, ...] = LOOPBACK) -> Any:
    """The ASGI application (Starlette) for ``review``."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.exceptions import HTTPException
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
    from starlette.routing import Route

    site = review.site

    def story_of(request: Request) -> str:
        story = str(request.path_params["story"])
        if story not in site.runs:  # looked up, never joined into a path
            raise HTTPException(404, "no such story")
        return story

    def bead_of(request: Request, story: str) -> int:
        raw = str(request.path_params["bead"])
        if not NUMBER.fullmatch(raw) or int(raw) >= len(site.result(story).beads):
            raise HTTPException(404, "no such bead")
        return int(raw)

    async def raw_body(request: Request) -> bytes:
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            raise HTTPException(415, "send JSON")
        length = request.headers.get("content-length")
        if length is not None and (not NUMBER.fullmatch(length) or int(length) > MAX_BODY):
            raise HTTPException(413, f"body over {MAX_BODY} bytes")
        data = bytearray()
        async for chunk in request.stream():
            data += chunk
            if len(data) > MAX_BODY:
                raise HTTPException(413, f"body over {MAX_BODY} bytes")
        return bytes(data)

    async def body(request: Request, model: type[B]) -> B:
        raw = await raw_body(request)
        try:
            return parse_body(model, raw)
        except InputError as exc:
            raise HTTPException(400, str(exc)) from None

    def reviewer_of(obj: _Body) -> str:
        name = (obj.reviewer or review.reviewer).strip()
        if not 0 < len(name) <= 80:
            raise HTTPException(400, "a reviewer name of 1 to 80 characters")
        return name

    def index(request: Request) -> Response:
        if not site.batch:
            return RedirectResponse(f"story/{quote(site.order[0], safe='')}", status_code=303)
        efforts = review.all_efforts()
        summaries = [site.summary(s) for s in site.order]
        rows = index_rows(summaries, link="story/{id}")
        for row in rows:
            e = EffortSummary.of(efforts[row["id"]])
            row["progress"] = f"{e.confirmed}/{e.beads} confirmed"
            row["sort_progress"] = f"{e.confirmed / e.beads:.4f}" if e.beads else ""
            row["hter"] = "–" if e.mean_hter is None else f"{e.mean_hter:.1f}"
            row["spw"] = "–" if e.seconds_per_word is None else f"{e.seconds_per_word:.1f}"
        total = EffortSummary.of([r for rows_ in efforts.values() for r in rows_])
        page = live_page(f"review: {site.root.name}", base="", scripts=["index.js"])
        confirmed = {s: frozenset(r.bead for r in rs if r.status == "confirmed") for s, rs in efforts.items()}
        queue = queue_view(*desk_queue(summaries, done=confirmed), "story/{id}")
        html = render("index.html", page=page, stories=rows, count=len(rows), live=True, queue=queue,
                      review={"summary": effort_line(total)})  # fmt: skip
        return HTMLResponse(html)

    def story_page(request: Request) -> Response:
        story = story_of(request)
        html = render_story_page(site.result(story), review.state(story), base="../", back=site.batch)
        return HTMLResponse(html)

    def static(request: Request) -> Response:
        name = str(request.path_params["name"])
        if name not in STATIC:
            raise HTTPException(404, "no such file")
        kind = "text/css" if name.endswith(".css") else "text/javascript"
        return Response(asset(name, STATIC[name]), media_type=kind, headers={"Cache-Control": "no-cache"})

    def state(request: Request) -> Response:
        story = story_of(request)
        return JSONResponse(dict(review.state(story).data))

    def history(request: Request) -> Response:
        """Every save of the bead's content, then (marked ``earlier``) the saves made at the same position on an earlier
        run whose text was another: kept and shown, never counted."""
        story = story_of(request)
        bead = bead_of(request, story)
        slot = review.slots(story)[bead]
        mine = [_version_json(v) for v in review.store.history(story, slot)]
        earlier = [_version_json(v, earlier=True) for v in review.store.earlier(story, slot)]
        return JSONResponse(mine + earlier)

    async def save(request: Request) -> Response:
        story = story_of(request)
        bead = await run_in_threadpool(bead_of, request, story)
        obj = await body(request, SaveBody)
        reviewer = reviewer_of(obj)

        def work() -> Response:
            result = site.result(story)
            flags = flag_text(result, bead, obj.text) if obj.status in ("edited", "confirmed") else result.flags[bead]
            try:
                saved = review.store.save(
                    story,
                    slots(result)[bead],
                    base=obj.base,
                    text=obj.text,
                    status=obj.status,
                    reason=obj.reason,
                    reviewer=reviewer,
                    seconds=obj.seconds,
                    run=run_id(result),
                    flags=[(f.code, f.severity, f.reason) for f in flags],
                )
            except InputError as exc:
                raise HTTPException(400, str(exc)) from None
            if not saved.ok:
                current = saved.current.to_json() if saved.current is not None else None
                return JSONResponse({"conflict": True, "current": current}, status_code=409)
            version = saved.version
            shown = text_flags(result, bead, version)
            return JSONResponse(
                {
                    "conflict": False,
                    "version": version.to_json() if version is not None else None,
                    "flags": _flags_json(shown),
                }
            )

        return await run_in_threadpool(work)

    async def comment(request: Request) -> Response:
        story = story_of(request)
        bead = await run_in_threadpool(bead_of, request, story)
        obj = await body(request, CommentBody)
        reviewer = reviewer_of(obj)

        def work() -> Response:
            try:
                made = review.store.comment(story, review.slots(story)[bead], obj.text, reviewer)
            except InputError as exc:
                raise HTTPException(400, str(exc)) from None
            return JSONResponse(made.__dict__)

        return await run_in_threadpool(work)

    async def annotate(request: Request) -> Response:
        story = story_of(request)
        bead = await run_in_threadpool(bead_of, request, story)
        obj = await body(request, AnnotateBody)
        reviewer = reviewer_of(obj)

        def work() -> Response:
            slot = review.slots(story)[bead]
            if obj.version == 0:
                text = site.result(story).texts(bead).mt
            else:  # the span is in the text of the version the reviewer annotated, a version of this bead's content
                saved = [v for v in review.store.history(story, slot) if v.number == obj.version]
                if not saved:
                    raise HTTPException(400, f"bead {bead} has no version {obj.version}")
                text = saved[0].text
            a = Annotation(story, bead, obj.version, obj.start, obj.end, obj.category, obj.severity, obj.note,
                           reviewer, time.time(), slot.key, slot.source)  # fmt: skip
            try:
                check_annotation(a, len(text))
            except InputError as exc:
                raise HTTPException(400, str(exc)) from None
            return JSONResponse(review.store.annotate(a).__dict__)

        return await run_in_threadpool(work)

    def suggestions(request: Request) -> Response:
        story = story_of(request)
        bead = bead_of(request, story)
        if review.memory is None:
            return JSONResponse([])
        source = site.result(story).texts(bead).source
        found = review.memory.suggest(source)
        return JSONResponse([{"source": s, "target": t, "score": round(score, 1)} for s, t, score in found])

    def summary(request: Request) -> Response:
        return JSONResponse(summary_json(review))

    def story_effort(request: Request) -> Response:
        story = story_of(request)
        s = EffortSummary.of(review.efforts(story))
        return JSONResponse({"line": effort_line(s), **s.to_json()})

    async def error(request: Request, exc: Exception) -> Response:
        if isinstance(exc, HTTPException):
            return JSONResponse({"error": exc.detail}, status_code=exc.status_code)
        return PlainTextResponse("internal error", status_code=500)

    bead_path = "/api/story/{story}/bead/{bead}"
    routes = [
        Route("/", index),
        Route("/story/{story}", story_page),
        Route("/static/{name}", static),
        Route("/api/story/{story}/state", state),
        Route("/api/story/{story}/summary", story_effort),
        Route(bead_path + "/history", history),
        Route(bead_path + "/suggestions", suggestions),
        Route(bead_path + "/save", save, methods=["POST"]),
        Route(bead_path + "/comment", comment, methods=["POST"]),
        Route(bead_path + "/annotate", annotate, methods=["POST"]),
        Route("/api/summary", summary),
    ]
    middleware = [  # the first is the outermost: the Guard's headers go on the Host check's refusals too
        Middleware(Guard, token=token),
        Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts)),
    ]
    return Starlette(routes=routes, middleware=middleware, exception_handlers={HTTPException: error})


class Guard:
    """Security headers on every response; the access token on every request when there is one; the page's own
    Origin on every write (no cross-site writes)."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token

    @staticmethod
    def cookie(scope: Scope) -> str:
        """The token's cookie, one per port (browsers share cookies between the ports of a host)."""
        server = scope.get("server") or ("", 0)
        return f"aligner_token_{server[1]}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from starlette.datastructures import MutableHeaders
        from starlette.requests import Request

        request = Request(scope)
        set_cookie = False
        if self.token is not None:
            given = (
                request.query_params.get("token")
                or request.headers.get("x-aligner-token")
                or request.cookies.get(self.cookie(scope))
            )
            if not given or not secrets.compare_digest(given.encode("utf-8"), self.token.encode("utf-8")):
                await _refuse(
                    scope, receive, send, 403, "this review server needs its access token (the URL it printed)"
                )
                return
            set_cookie = "token" in request.query_params
        if request.method not in ("GET", "HEAD"):
            origin = request.headers.get("origin")
            host = request.headers.get("host", "")
            if origin is None or origin != f"{scope.get('scheme', 'http')}://{host}":
                await _refuse(scope, receive, send, 403, "writes are accepted only from the review page itself")
                return

        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                headers["Cache-Control"] = headers.get("Cache-Control", "no-store")
                if set_cookie and self.token is not None:
                    cookie = f"{self.cookie(scope)}={self.token}; HttpOnly; SameSite=Strict; Path=/"
                    headers.append("Set-Cookie", cookie)
            await send(message)

        await self.app(scope, receive, with_headers)


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, why: str) -> None:
    from starlette.responses import JSONResponse

    response = JSONResponse({"error": why}, status_code=status, headers=SECURITY_HEADERS)
    await response(scope, receive, send)


# ----------------------------------------------------------------------------------------------- serving


def serve(
    review: Review,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    token: str | None = None,
    announce: Callable[[str], None] = print,
) -> None:
    """Bind, print the URL (with the token when there is one), serve until interrupted."""
    import socket

    import uvicorn

    if host not in LOOPBACK and token is None:
        token = secrets.token_urlsafe(24)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # IPPROTO_TCP: uvicorn then sets TCP_NODELAY
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise AlignerError(
            f"cannot listen on {host}:{port} ({exc.strerror}); choose another --port or --host"
        ) from None
    sock.listen(128)
    bound = sock.getsockname()[1]
    # with a token, any Host will do (the machine's name, an alias); without one (loopback only), only loopback
    # names: a page of another site cannot reach the server through a rebound DNS name
    allowed = ("*",) if token is not None else LOOPBACK
    app = create_app(review, token=token, allowed_hosts=allowed)
    shown = f"[{host}]" if ":" in host else host
    announce(f"http://{shown}:{bound}/" + (f"?token={token}" if token else ""))
    config = uvicorn.Config(app, log_level="warning", access_log=False, timeout_graceful_shutdown=2)
    uvicorn.Server(config).run(sockets=[sock])
