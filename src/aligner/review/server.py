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
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..errors import AlignerError, InputError
from ..reading.reader import STORY_ID
from ..results import RunResult
from ..results.report import ReviewState, asset, index_rows, live_page, render, render_story_page
from ..results.rundir import read_run
from ..store import Annotation, ReviewStore, check_annotation
from .effort import BeadEffort, EffortSummary, bead_efforts, of_this_run

MAX_BODY = 64 * 1024
STATIC = {"report.js": "aligner.results", "review.css": "aligner.results", "editor.js": "aligner.review"}
NUMBER = re.compile(r"[0-9]{1,9}")
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")  # Starlette keeps an IPv6 Host's brackets

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Any]]
Send = Callable[[Any], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass
class Site:
    """The reviewed directory: a run directory (one story) or a batch output (many), and its stories' runs."""

    root: Path
    batch: bool
    order: list[str]  # story ids in the batch's order
    runs: dict[str, Path]  # story id → run directory

    def __post_init__(self) -> None:
        self._cache: OrderedDict[str, RunResult] = OrderedDict()  # a few stories in memory, not a whole archive

    def result(self, story: str) -> RunResult:
        if story in self._cache:
            self._cache.move_to_end(story)
            return self._cache[story]
        result = read_run(self.runs[story])
        self._cache[story] = result
        if len(self._cache) > 16:
            self._cache.popitem(last=False)
        return result


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
        except (ValueError, KeyError, TypeError):
            pass
    return sorted(runs)


# ----------------------------------------------------------------------------------------------- the review data


@dataclass(frozen=True)
class Review:
    """The server's view of one reviewed directory: the site, the store, the translation memory."""

    site: Site
    store: ReviewStore
    reviewer: str
    memory: Any = None  # aligner.translation.memory.TranslationMemory for suggestions, or None

    def efforts(self, story: str) -> list[BeadEffort]:
        result = self.site.result(story)
        return bead_efforts(
            result, self.store.current(story), self.store.versions(story), self.store.annotations(story)
        )

    def state(self, story: str) -> ReviewState:
        result = self.site.result(story)
        current = of_this_run(result, self.store.current(story))
        comments: dict[int, list[str]] = {}
        for c in self.store.comments(story):
            comments.setdefault(c.bead, []).append(f"{c.reviewer}: {c.text}")
        summary = EffortSummary.of(self.efforts(story))
        mt = result.all_texts()
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
            comments={k: tuple(v) for k, v in comments.items()},
            summary=effort_line(summary),
            data=data,
        )


def effort_line(s: EffortSummary) -> str:
    hter = "–" if s.mean_hter is None else f"{s.mean_hter:.1f}"
    spw = "–" if s.seconds_per_word is None else f"{s.seconds_per_word:.1f}"
    return (
        f"Review: {s.confirmed} of {s.beads} beads confirmed, {s.edited} edited, {s.rejected} rejected; "
        f"{s.words} words post-edited; mean HTER {hter}; {spw} s per word"
    )


def summary_json(review: Review) -> dict[str, Any]:
    """Effort per story and for the whole directory, every figure summed from the bead rows."""
    stories = []
    everything: list[BeadEffort] = []
    for story in review.site.order:
        rows = review.efforts(story)
        everything.extend(rows)
        stories.append({"id": story, **EffortSummary.of(rows).to_json()})
    return {"schema": "aligner.review-summary/1", "stories": stories, "total": EffortSummary.of(everything).to_json()}


# ----------------------------------------------------------------------------------------------- the application


def create_app(review: Review, *, token: str | None = None, allowed_hosts: tuple[str, ...] = LOOPBACK) -> Any:
    """The ASGI application (Starlette) for ``review``."""
    from starlette.applications import Starlette
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

    async def body(request: Request) -> dict[str, Any]:
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
        try:
            obj = json.loads(data)
        except ValueError:
            raise HTTPException(400, "not valid JSON") from None
        if not isinstance(obj, dict):
            raise HTTPException(400, "expected a JSON object")
        return obj

    def reviewer_of(obj: dict[str, Any]) -> str:
        name = str(obj.get("reviewer") or review.reviewer).strip()
        if not 0 < len(name) <= 80:
            raise HTTPException(400, "a reviewer name of 1 to 80 characters")
        return name

    async def index(request: Request) -> Response:
        if not site.batch:
            return RedirectResponse(f"story/{quote(site.order[0], safe='')}", status_code=303)
        from ..results.rundir import story_summary

        summaries = [story_summary(s, site.root) for s in site.order]
        rows = index_rows(summaries, link="story/{id}")
        efforts = {s: EffortSummary.of(review.efforts(s)) for s in site.order}
        for row in rows:
            e = efforts[row["id"]]
            row["progress"] = f"{e.confirmed}/{e.beads} confirmed"
            row["hter"] = "–" if e.mean_hter is None else f"{e.mean_hter:.1f}"
            row["spw"] = "–" if e.seconds_per_word is None else f"{e.seconds_per_word:.1f}"
        total = EffortSummary.of([r for s in site.order for r in review.efforts(s)])
        page = live_page(f"review: {site.root.name}", base="")
        html = render(
            "index.html", page=page, stories=rows, count=len(rows), live=True, review={"summary": effort_line(total)}
        )
        return HTMLResponse(html)

    async def story_page(request: Request) -> Response:
        story = story_of(request)
        html = render_story_page(site.result(story), review.state(story), base="../", back=site.batch)
        return HTMLResponse(html)

    async def static(request: Request) -> Response:
        name = str(request.path_params["name"])
        if name not in STATIC:
            raise HTTPException(404, "no such file")
        kind = "text/css" if name.endswith(".css") else "text/javascript"
        return Response(asset(name, STATIC[name]), media_type=kind, headers={"Cache-Control": "no-cache"})

    async def state(request: Request) -> Response:
        story = story_of(request)
        return JSONResponse(dict(review.state(story).data))

    async def history(request: Request) -> Response:
        story = story_of(request)
        bead = bead_of(request, story)
        return JSONResponse([asdict(v) for v in review.store.history(story, bead)])

    async def save(request: Request) -> Response:
        story = story_of(request)
        bead = bead_of(request, story)
        obj = await body(request)
        texts = site.result(story).texts(bead)
        try:
            saved = review.store.save(
                story,
                bead,
                base=int(obj.get("base", -1)),
                text=str(obj.get("text", "")),
                status=str(obj.get("status", "")),
                reason=str(obj.get("reason", "")),
                reviewer=reviewer_of(obj),
                seconds=float(obj.get("seconds", 0.0)),
                source=texts.source,
            )
        except (InputError, ValueError, TypeError, OverflowError) as exc:
            raise HTTPException(400, str(exc)) from None
        if not saved.ok:
            current = asdict(saved.current) if saved.current is not None else None
            return JSONResponse({"conflict": True, "current": current}, status_code=409)
        return JSONResponse({"conflict": False, "version": asdict(saved.version) if saved.version else None})

    async def comment(request: Request) -> Response:
        story = story_of(request)
        bead = bead_of(request, story)
        obj = await body(request)
        try:
            made = review.store.comment(story, bead, str(obj.get("text", "")), reviewer_of(obj))
        except InputError as exc:
            raise HTTPException(400, str(exc)) from None
        return JSONResponse(asdict(made))

    async def annotate(request: Request) -> Response:
        story = story_of(request)
        bead = bead_of(request, story)
        obj = await body(request)
        try:
            version = int(obj.get("version", 0))
            if version == 0:
                text = site.result(story).texts(bead).mt
            else:  # the span is in the text of the version the reviewer annotated
                saved = [v for v in review.store.history(story, bead) if v.number == version]
                if not saved:
                    raise InputError(f"bead {bead} has no version {version}")
                text = saved[0].text
            a = Annotation(story, bead, version, int(obj.get("start", -1)), int(obj.get("end", -1)),
                           str(obj.get("category", "")), str(obj.get("severity", "")), str(obj.get("note", "")),
                           reviewer_of(obj), time.time())  # fmt: skip
            check_annotation(a, len(text))
        except (InputError, ValueError, TypeError, OverflowError) as exc:
            raise HTTPException(400, str(exc)) from None
        return JSONResponse(asdict(review.store.annotate(a)))

    async def suggestions(request: Request) -> Response:
        story = story_of(request)
        bead = bead_of(request, story)
        if review.memory is None:
            return JSONResponse([])
        source = site.result(story).texts(bead).source
        found = review.memory.suggest(source)
        return JSONResponse([{"source": s, "target": t, "score": round(score, 1)} for s, t, score in found])

    async def summary(request: Request) -> Response:
        return JSONResponse(summary_json(review))

    async def story_effort(request: Request) -> Response:
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
    middleware = [
        Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts)),
        Middleware(Guard, token=token),
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
                headers["Content-Security-Policy"] = CSP
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
                headers["Cache-Control"] = headers.get("Cache-Control", "no-store")
                if set_cookie and self.token is not None:
                    cookie = f"{self.cookie(scope)}={self.token}; HttpOnly; SameSite=Strict; Path=/"
                    headers.append("Set-Cookie", cookie)
            await send(message)

        await self.app(scope, receive, with_headers)


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, why: str) -> None:
    from starlette.responses import JSONResponse

    response = JSONResponse({"error": why}, status_code=status, headers={"Content-Security-Policy": CSP})
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
