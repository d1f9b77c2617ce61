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
after an ``async`` body read; saves, comments and annotations one at a time in arrival order), never in the event
loop; per-story summaries and efforts are cached and dropped when the story's ``result.json``, its review rows or the
review's terminology change. The batch index and ``/api/summary`` are computed by a worker process
(``aligner.review.reports``), so that their seconds of Python never hold this process's GIL while saves wait for it.

Terminology: the glossary files the server was given (``Review.glossary``) merged with the review's own entries
(``ReviewStore.terms``, checked on every request and read again when an entry was added, so an entry reaches every
story on its next load). A save's QA and
every bead's flags use it (``effort.Terminology``); the page underlines the French terms with their entry as hover
text. ``POST /api/terms`` adds an entry (the answer redraws the beads of the open story whose flags or terms changed);
``GET /api/terms/suggestions`` gives ``aligner.terms.suggest``'s entries mined from the confirmed post-edits.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, MutableMapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import AlignerError, InputError
from ..qa import flag_text
from ..reading.reader import STORY_ID
from ..results import RunResult, StorySummary
from ..results.report import (
    ReviewState,
    asset,
    bead_mt,
    desk_queue,
    index_rows,
    live_page,
    queue_view,
    render,
    render_story_page,
)
from ..results.rundir import read_run
from ..store import Annotation, ReviewStore, Slot, SqliteStore, Version, check_annotation, of_slots
from ..terms import Entry, Glossary, find_terms
from .effort import BeadEffort, EffortSummary, Terminology, bead_efforts, run_id, slots, terminology, text_flags
from .reports import Recipe, Reports, WorkerGone

MAX_BODY = 64 * 1024
STATIC = {"report.js": "aligner.results", "review.css": "aligner.results", "editor.js": "aligner.review",
          "index.js": "aligner.results"}  # fmt: skip
NUMBER = re.compile(r"[0-9]{1,9}")
WORD = re.compile(r"[^\W_]")
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

_SECURITY_RAW = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()]
_SECURITY_NAMES = frozenset(k for k, _ in _SECURITY_RAW)

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


@dataclass(frozen=True)
class Loaded:
    """A story's run as the server holds it: the result and each bead's slot (number, content key, source)."""

    result: RunResult
    slots: tuple[Slot, ...]


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
        self._quotes = _Cache(1_000)  # every bead's MT of the stories in the desk queue (at most 1,000 of them)

    def stamp(self, story: str) -> tuple[int, int, int]:
        return _file_stamp(self.runs[story] / "result.json")

    def loaded(self, story: str) -> Loaded:
        """The story's run and its beads' content keys, read together once per version of its ``result.json`` (so
        a save never pairs one version's result with another's keys, and never hashes every bead again)."""

        def load() -> Loaded:
            result = read_run(self.runs[story])
            return Loaded(result, tuple(slots(result)))

        return self._results.get(story, self.stamp(story), load)

    def result(self, story: str) -> RunResult:
        return self.loaded(story).result

    def summary(self, story: str) -> StorySummary:
        """The story's summary line (scores, flags), read once per version of its ``result.json``."""
        return self._line(story)[0]

    def bead_mt(self, story: str) -> tuple[str, ...]:
        """The MT of each of the story's beads (the desk queue quotes it), read once per version of ``result.json``
        and kept for the stories in the queue only."""

        return self._quotes.get(story, self.stamp(story), lambda: bead_mt(self._read(story)))

    def beads(self, story: str) -> int:
        """How many beads the story has (0 for a story that failed)."""
        return self._line(story)[1]

    def _read(self, story: str) -> RunResult:
        """The story's run for a derived value: a single run's through the results cache, a batch's read and not kept
        (the derived value is what is cached)."""
        return self.result(story) if not self.batch else read_run(self.runs[story])

    def _line(self, story: str) -> tuple[StorySummary, int]:
        def make() -> tuple[StorySummary, int]:
            result = self._read(story)
            return StorySummary.of(result), len(result.beads)

        return self._summaries.get(story, self.stamp(story), make)


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


class TermBody(_Body):
    """A glossary entry added from the page: the French ``source`` (the text the translator selected), the English
    ``target`` required for it (may be empty when ``forbidden`` is not), English ``forbidden`` for it, a ``note``;
    ``story``: the story whose beads the answer describes."""

    model_config = ConfigDict(strict=True, extra="forbid", str_strip_whitespace=True)

    source: str = Field(min_length=1, max_length=200)
    target: str = Field(default="", max_length=200)
    forbidden: list[str] = Field(default_factory=list, max_length=20)
    note: str = Field(default="", max_length=1000)
    story: str | None = None

    @field_validator("source")
    @classmethod
    def _has_a_word(cls, value: str) -> str:
        if not WORD.search(value):
            raise ValueError("a French term needs a letter or a digit")
        return value

    @field_validator("forbidden")
    @classmethod
    def _terms(cls, value: list[str]) -> list[str]:
        terms = [t.strip() for t in value]
        if any(not t or len(t) > 200 for t in terms):
            raise ValueError("each forbidden term is 1 to 200 characters")
        return terms

    @model_validator(mode="after")
    def _some_english(self) -> TermBody:
        if not self.target and not self.forbidden:
            raise ValueError("target: give the English term the desk requires (or a forbidden one)")
        return self

    def entry(self) -> Entry:
        preferred = (self.target,) if self.target else ()
        return Entry(self.source, preferred, forbidden=tuple(self.forbidden), note=self.note)


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
    """The server's view of one reviewed directory: the site, the store, the translation memory, the glossary files.

    ``glossary``: the files given with ``--glossary``, merged (``Glossary.merge``); the review's own entries (added
    from the page, ``store.terms()``) are merged over them on every request (``terms``), so an entry added while a
    story is open is checked in every story from its next load."""

    site: Site
    store: ReviewStore
    reviewer: str
    memory: Any = None  # aligner.translation.memory.TranslationMemory for suggestions, or None
    glossary: Glossary | None = None
    _efforts: _Cache = field(default_factory=lambda: _Cache(1_000), compare=False)  # the stories being reviewed
    _effort_lines: _Cache = field(default_factory=lambda: _Cache(100_000), compare=False)  # one summary per story
    _terms: _Cache = field(default_factory=lambda: _Cache(4), compare=False)
    _parts: _Cache = field(default_factory=lambda: _Cache(64), compare=False)
    _suggested: _Cache = field(default_factory=lambda: _Cache(2), compare=False)

    def terms(self) -> Terminology | None:
        """The glossary files merged with the review's own entries (theirs win); one object per content, so its
        matching index is built once."""
        own = self.store.terms()
        return self._terms.get("terms", (own.sha256, len(own)), lambda: terminology(self.glossary, own))

    def slots(self, story: str) -> tuple[Slot, ...]:
        return self.site.loaded(story).slots

    def efforts(
        self, story: str, stamp: tuple[int, int, int] | None = None, terms: Terminology | Literal[False] | None = False
    ) -> list[BeadEffort]:
        """The story's bead rows; cached until its ``result.json``, its review rows or the terminology change
        (``stamp``: the story's ``store.stamps()`` entry, when the caller has read them all at once; ``terms``: the
        review's terminology, when the caller has it)."""
        if stamp is None:
            stamp = self.store.stamps().get(story, (0, 0, 0))
        if terms is False:
            terms = self.terms()
        key = (self.site.stamp(story), stamp, terms.key if terms is not None else None)

        def make() -> list[BeadEffort]:
            loaded = self.site.loaded(story)
            groups, annotations = self.store.groups(story), self.store.annotations(story)
            return bead_efforts(loaded.result, groups, annotations, places=loaded.slots, terms=terms)

        return self._efforts.get(story, key, make)

    def _effort_line(self, story: str, stamp: tuple[int, int, int], terms: Terminology | None) -> EffortSummary:
        return EffortSummary.of(self.efforts(story, stamp, terms))

    def effort_summaries(self) -> dict[str, EffortSummary]:
        """Every story's effort summary, in the directory's order. A story nobody has saved on needs no reading of
        its run (its bead count comes with its summary line); the others are cached until their run or review
        changes, so reloading a batch's index under saves recomputes only the stories being saved."""
        stamps = self.store.stamps()
        terms = self.terms()  # once: it reads the review's own entries
        out = {}
        for story in self.site.order:
            stamp = stamps.get(story)
            if stamp is None:  # nothing saved: no confirmed bead, so no flag can count either
                out[story] = EffortSummary.unreviewed(self.site.beads(story))
                continue
            key = (self.site.stamp(story), stamp, terms.key if terms is not None else None)
            out[story] = self._effort_lines.get(story, key, partial(self._effort_line, story, stamp, terms))
        return out

    def confirmed_beads(self) -> dict[str, frozenset[int]]:
        """Per story, the beads whose current status is ``confirmed`` (they leave the desk queue); a story nobody has
        saved on has none, and is not read."""
        stamps = self.store.stamps()
        terms = self.terms()
        out = {}
        for story in self.site.order:
            stamp = stamps.get(story)
            rows = self.efforts(story, stamp, terms) if stamp is not None else []
            out[story] = frozenset(r.bead for r in rows if r.status == "confirmed")
        return out

    def term_parts(self, story: str, terms: Terminology | Literal[False] | None = False) -> list[Parts]:
        """Each bead's French cut into pieces, each a glossary term (with its entry as a title) or not (``""``)."""
        if terms is False:
            terms = self.terms()
        result = self.site.result(story)
        key = (self.site.stamp(story), terms.key if terms is not None else None)

        def make() -> list[Parts]:
            sources = [t.source for t in result.all_texts()]
            if terms is None:
                return [((s, ""),) for s in sources]
            return [source_parts(s, terms.glossary) for s in sources]

        return self._parts.get(story, key, make)

    def state(self, story: str) -> ReviewState:
        loaded = self.site.loaded(story)
        result, places = loaded.result, loaded.slots
        current = self.store.current(story, places)
        notes = of_slots(places, self.store.comments(story))
        comments = {k: tuple(f"{c.reviewer}: {c.text}" for c in cs) for k, cs in notes.items()}
        terms = self.terms()
        rows = self.efforts(story, terms=terms)
        parts = self.term_parts(story, terms)
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
            flags={k: r.flags for k, r in enumerate(rows)},  # the MT's too: an entry added meanwhile changes them
            terms={k: p for k, p in enumerate(parts) if any(title for _, title in p)},
            carried=frozenset(k for k, v in current.items() if v.run and v.run != this_run),
        )


Parts = tuple[tuple[str, str], ...]  # a text in pieces: (text, title), the title "" for a piece that is no term


def entry_title(entry: Entry) -> str:
    """An entry in one line, the hover text of its term on the page."""
    line = f"{entry.source} → {' / '.join(entry.preferred)}" if entry.preferred else f"{entry.source}:"
    if entry.admitted:
        line += f" (also {', '.join(entry.admitted)})"
    if entry.forbidden:
        line += f"; not {', '.join(entry.forbidden)}"
    return line + (f" — {entry.note}" if entry.note else "")


def source_parts(source: str, glossary: Glossary) -> Parts:
    """``source`` in pieces that join back into it: the glossary's terms (``find_terms``) and the text between."""
    out: list[tuple[str, str]] = []
    at = 0
    for m in find_terms(glossary, source):
        if m.start > at:
            out.append((source[at : m.start], ""))
        out.append((source[m.start : m.end], entry_title(m.entry)))
        at = m.end
    if at < len(source) or not out:
        out.append((source[at:], ""))
    return tuple(out)


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
    parts = review.effort_summaries()
    stories = [{"id": story, **s.to_json()} for story, s in parts.items()]
    total = EffortSummary.combine(parts.values()).to_json()
    return {"schema": "aligner.review-summary/2", "stories": stories, "total": total}


def index_html(review: Review) -> str:
    """The batch's index page: every story's summary line, its review progress and effort, and the desk queue."""
    site = review.site
    efforts = review.effort_summaries()
    summaries = [site.summary(s) for s in site.order]
    rows = index_rows(summaries, link="story/{id}")
    for row in rows:
        e = efforts[row["id"]]
        row["progress"] = f"{e.confirmed}/{e.beads} confirmed"
        row["sort_progress"] = f"{e.confirmed / e.beads:.4f}" if e.beads else ""
        row["hter"] = "–" if e.mean_hter is None else f"{e.mean_hter:.1f}"
        row["spw"] = "–" if e.seconds_per_word is None else f"{e.seconds_per_word:.1f}"
    total = EffortSummary.combine(efforts.values())
    page = live_page(f"review: {site.root.name}", base="", scripts=["index.js"])
    queue = queue_view(*desk_queue(summaries, done=review.confirmed_beads()), "story/{id}", mt=site.bead_mt)
    return render("index.html", page=page, stories=rows, count=len(rows), live=True, queue=queue,
                  review={"summary": effort_line(total)})  # fmt: skip


def _bead_view(review: Review, story: str) -> list[tuple[tuple[tuple[str, str, str], ...], list[list[str]]]]:
    """Per bead of ``story``: the flags of its current text and its French in pieces (``term_parts``)."""
    terms = review.terms()
    rows = review.efforts(story, terms=terms)
    parts = review.term_parts(story, terms)
    return [(r.flags, [list(piece) for piece in p]) for r, p in zip(rows, parts)]


FUNCTION_WORDS = 300  # as `aligner terms suggest`: the most frequent English words never make a suggestion alone


def suggested_terms(review: Review, *, min_count: int = 2) -> list[dict[str, Any]]:
    """``aligner.terms.suggest``'s suggestions from the review's confirmed post-edits (of the stories of this
    directory), best first, without those the review's terminology already has; cached until a save or a new entry."""
    terms = review.terms()
    stamps = review.store.stamps()
    key = (tuple(sorted(stamps.items())), terms.key if terms is not None else None, min_count)

    def make() -> list[dict[str, Any]]:
        from ..alignment.bitext import load_lexicon
        from ..files import data_file
        from ..terms.suggest import PostEdit, suggest

        by_story: dict[str, list[Version]] = {}
        for version in review.store.confirmed():
            if version.story in review.site.runs:
                by_story.setdefault(version.story, []).append(version)
        edits: list[PostEdit] = []
        for story in sorted(by_story):
            result = review.site.result(story)
            found = of_slots(slots(result), by_story[story])
            for bead in sorted(found):
                texts = result.texts(bead)
                edits.extend(PostEdit(texts.source, texts.mt, v.text, f"{story}#{bead}") for v in found[bead])
        if not edits:
            return []
        words = data_file("english-frequent.txt").read_text(encoding="utf-8").split()[:FUNCTION_WORDS]
        out = suggest(edits, lexicon=load_lexicon().table, function_words=words, min_count=min_count)
        known = (
            {(e.source.casefold(), t.casefold()) for e in terms.glossary.entries for t in e.targets}
            if terms is not None
            else set()
        )
        return [
            {"source": s.source, "target": s.target, "mt": s.mt, "count": s.count, "agreement": round(s.agreement, 2),
             "kind": s.kind, "examples": list(s.examples), "note": s.entry().note}
            for s in out
            if (s.source.casefold(), s.target.casefold()) not in known
        ]  # fmt: skip

    return review._suggested.get("suggestions", key, make)


def _flags_json(flags: tuple[tuple[str, str, str], ...]) -> list[dict[str, str]]:
    return [{"code": c, "severity": s, "reason": r} for c, s, r in flags]


def _version_json(v: Version, *, earlier: bool = False) -> dict[str, Any]:
    return {**v.to_json(), "earlier": earlier}


# ----------------------------------------------------------------------------------------------- the application


def create_app(
    review: Review,
    *,
    token: str | None = None,
    allowed_hosts: tuple[str, ...] = LOOPBACK,
    reports: Reports | None = None,
) -> Any:
    """The ASGI application (Starlette) for ``review``; ``reports``: a process that computes the index and the summary
    (``aligner.review.reports``), or None to compute them in this process's thread pool."""
    import anyio
    import anyio.to_thread
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.exceptions import HTTPException
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
    from starlette.routing import Route

    site = review.site
    # Saves, comments and annotations run one at a time, in the order they arrived (anyio's CapacityLimiter wakes its
    # waiters first come, first served), on the thread pool. SQLite admits one writer at a time anyway; left to the
    # pool, 20 clients' saves were 20 threads contending for the GIL and the write lock and served in no order, so a
    # save's wait was luck: p95 twice p50. In one lane in arrival order, p95 fell by a third with the same throughput
    # (eval/review/index-results.md).
    lane = anyio.CapacityLimiter(1)

    def in_lane(work: Callable[[], Response]) -> Awaitable[Response]:
        return anyio.to_thread.run_sync(work, limiter=lane)

    def story_of(request: Request) -> str:
        story = str(request.path_params["story"])
        if story not in site.runs:  # looked up, never joined into a path
            raise HTTPException(404, "no such story")
        return story

    def bead_of(request: Request, story: str, loaded: Loaded | None = None) -> int:
        """The bead number of the request's path, checked against the story's run (``loaded``, when the caller has
        it: a save reads the run once)."""
        raw = str(request.path_params["bead"])
        beads = len((loaded or site.loaded(story)).result.beads)
        if not NUMBER.fullmatch(raw) or int(raw) >= beads:
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

    async def index(request: Request) -> Response:
        if not site.batch:
            return RedirectResponse(f"story/{quote(site.order[0], safe='')}", status_code=303)
        if reports is not None:
            try:
                return HTMLResponse(await reports.index_html())
            except WorkerGone:  # answered here; the next request starts another worker
                pass
        return HTMLResponse(await run_in_threadpool(index_html, review))

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
        obj = await body(request, SaveBody)
        reviewer = reviewer_of(obj)

        def work() -> Response:  # one hop to the writers' lane per save: the bead's bounds are checked there too
            loaded = site.loaded(story)
            bead = bead_of(request, story, loaded)
            result = loaded.result
            terms = review.terms()
            glossary = terms.glossary if terms is not None else None
            flags = (
                flag_text(result, bead, obj.text, glossary=glossary)
                if obj.status in ("edited", "confirmed")
                else result.flags[bead]
            )
            try:
                saved = review.store.save(
                    story,
                    loaded.slots[bead],
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
            shown = text_flags(result, bead, version, terms)
            return JSONResponse(
                {
                    "conflict": False,
                    "version": version.to_json() if version is not None else None,
                    "flags": _flags_json(shown),
                }
            )

        return await in_lane(work)

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

        return await in_lane(work)

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

        return await in_lane(work)

    def suggestions(request: Request) -> Response:
        story = story_of(request)
        bead = bead_of(request, story)
        if review.memory is None:
            return JSONResponse([])
        source = site.result(story).texts(bead).source
        found = review.memory.suggest(source)
        return JSONResponse([{"source": s, "target": t, "score": round(score, 1)} for s, t, score in found])

    async def summary(request: Request) -> Response:
        if reports is not None:
            try:
                return JSONResponse(await reports.summary_json())
            except WorkerGone:
                pass
        return JSONResponse(await run_in_threadpool(summary_json, review))

    async def add_term(request: Request) -> Response:
        """Add an entry to the review's glossary; the answer names the beads of ``story`` whose flags or underlined
        terms changed, with their new ones (the page redraws only those)."""
        obj = await body(request, TermBody)
        reviewer = reviewer_of(obj)
        if obj.story is not None and obj.story not in site.runs:
            raise HTTPException(400, f"story: no story {obj.story!r} in this review")
        entry = obj.entry()

        def work() -> Response:
            story = obj.story
            before = _bead_view(review, story) if story is not None else []
            try:
                review.store.add_term(entry, reviewer)
            except InputError as exc:
                raise HTTPException(400, str(exc)) from None
            after = _bead_view(review, story) if story is not None else []
            changed = [k for k, (old, new) in enumerate(zip(before, after)) if old != new]
            return JSONResponse(
                {
                    "entry": {"source": entry.source, "target": obj.target, "forbidden": obj.forbidden,
                              "note": entry.note, "title": entry_title(entry)},
                    "story": story,
                    "flagged": [k for k in changed if before[k][0] != after[k][0]],
                    "beads": [{"bead": k, "flags": _flags_json(after[k][0]), "terms": after[k][1]} for k in changed],
                }
            )  # fmt: skip

        return await run_in_threadpool(work)

    def term_suggestions(request: Request) -> Response:
        try:
            return JSONResponse(suggested_terms(review))
        except AlignerError as exc:  # no lexical table: say so on the page, as the command line would
            raise HTTPException(503, str(exc)) from None

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
        Route("/api/terms", add_term, methods=["POST"]),
        Route("/api/terms/suggestions", term_suggestions),
    ]
    middleware = [  # the first is the outermost: the Guard's headers go on the Host check's refusals too
        Middleware(Guard, token=token),
        Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts)),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        try:
            yield
        finally:  # here, not after uvicorn returns: on SIGTERM it ends the process by the signal once it has shut down
            if reports is not None:
                reports.close()

    return Starlette(routes=routes, middleware=middleware, exception_handlers={HTTPException: error}, lifespan=lifespan)


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
            if message["type"] == "http.response.start":  # raw header pairs: this runs on every response
                headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() not in _SECURITY_NAMES]
                if not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                headers += _SECURITY_RAW
                if set_cookie and self.token is not None:
                    cookie = f"{self.cookie(scope)}={self.token}; HttpOnly; SameSite=Strict; Path=/"
                    headers.append((b"set-cookie", cookie.encode("latin-1")))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, why: str) -> None:
    from starlette.responses import JSONResponse

    response = JSONResponse({"error": why}, status_code=status, headers=SECURITY_HEADERS)
    await response(scope, receive, send)


# ----------------------------------------------------------------------------------------------- serving


def reports_for(review: Review) -> Reports | None:
    """A started report worker for ``review`` (``aligner.review.reports``), or None when its store is not a database
    file another process can open."""
    if not isinstance(review.store, SqliteStore) or review.store.readonly:
        return None
    reports = Reports(Recipe(review.site.root, review.store.path, review.reviewer, review.glossary))
    reports.start()
    return reports


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
    reports = reports_for(review)
    app = create_app(review, token=token, allowed_hosts=allowed, reports=reports)
    shown = f"[{host}]" if ":" in host else host
    announce(f"http://{shown}:{bound}/" + (f"?token={token}" if token else ""))
    # no proxy headers: the server is reached directly, and a client's X-Forwarded-For is not to be trusted
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, timeout_graceful_shutdown=2, proxy_headers=False
    )
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        if reports is not None:
            reports.close()
