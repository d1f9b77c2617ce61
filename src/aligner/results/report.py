"""The side-by-side review page, built in two steps: view rows (plain data), then a Jinja2 template that escapes
every value (autoescaping), shared by the static ``report.html`` and the review server (``aligner review``).

The static page is one self-contained file: its stylesheet and script are inlined and its
Content-Security-Policy allows only that script (by its SHA-256) and no network at all. The server
serves the same template with the scripts as files (``script-src 'self'``) and the editor on top.

What a translator gets: source | MT | reference per bead, with paragraph markers and section
breaks; the words of the MT that the reference lacks and the reference words the MT lacks
highlighted; bead scores; QA flags with their reasons; a one-line summary and, collapsed, the
provenance (every signature); "flagged only" filter; sort by score; ``j``/``k`` (or ``n``/``p``) to jump
to the next/previous flagged bead, ``↓``/``↑`` to the next/previous bead.
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from ..errors import AlignerError
from ..reading.document import Kind
from ..signature import score_signature
from .batch import StorySummary
from .run import SEVERITIES, Flag, RunResult, flag_counts
from .scores import Scores


@dataclass(frozen=True)
class Row:
    kind: str  # "paragraph" (a marker before a paragraph's beads), "break" or "bead"
    paragraph: int = -1
    label: str = ""
    bead: int = -1
    bead_kind: str = ""
    source: str = ""
    mt: str = ""
    reference: str = ""
    confidence: float | None = None
    bleu: float | None = None
    chrf: float | None = None
    flags: tuple[Flag, ...] = ()
    risk: float | None = None  # the bead's estimated share of MT words to change (None: not estimated)
    word_risk: tuple[tuple[int, int, float], ...] = ()  # [start, end) of each MT word in ``mt``, its probability


def view_rows(result: RunResult) -> list[Row]:
    """The report's rows in reading order: paragraph markers, section breaks and beads."""
    src = result.source
    rows: list[Row] = []
    shown = -1
    flags = result.flags

    def open_paragraph(p: int) -> None:
        nonlocal shown
        for q in range(shown + 1, p + 1):
            para = src.paragraphs[q]
            if para.kind is Kind.BREAK:
                rows.append(Row("break", q, "section break"))
            else:
                rows.append(Row("paragraph", q, f"¶ {q + 1} · {para.kind.value}"))
        shown = max(shown, p)

    per_bead = result.scores.per_bead if result.scores else ()
    for k, (bead, texts) in enumerate(zip(result.beads, result.all_texts())):
        if bead.left:
            open_paragraph(src.sentences[bead.left[0]].paragraph)
        score = per_bead[k] if per_bead else None
        rows.append(
            Row(
                "bead",
                shown,
                bead=k,
                bead_kind=bead.kind,
                source=texts.source,
                mt=texts.mt,
                reference=texts.reference or "",
                confidence=bead.score if result.reference is not None else None,
                bleu=score.bleu if score else None,
                chrf=score.chrf if score else None,
                flags=flags[k],
                risk=result.quality.risk[k] if result.quality is not None else None,
                word_risk=result.quality.bead_spans(bead.left, result.mt) if result.quality is not None else (),
            )
        )
    open_paragraph(len(src.paragraphs) - 1)
    return rows


_TOKEN = re.compile(r"\S+")

Words = list[tuple[str, str]]  # (word, mark class or "")


def _norm(word: str) -> str:
    return word.strip(".,;:!?\"'“”‘’«»()[]").lower()


def word_diff(mt: str, reference: str) -> tuple[Words, Words]:
    """Both texts as words, each marked ``x`` in the MT when the reference lacks it and ``m`` in the reference when
    the MT lacks it ("" otherwise). The template escapes the words."""
    a = _TOKEN.findall(mt)
    b = _TOKEN.findall(reference)
    matcher = difflib.SequenceMatcher(a=[_norm(w) for w in a], b=[_norm(w) for w in b], autojunk=False)
    keep_a = [False] * len(a)
    keep_b = [False] * len(b)
    for block in matcher.get_matching_blocks():
        for t in range(block.size):
            keep_a[block.a + t] = True
            keep_b[block.b + t] = True

    def marked(words: Sequence[str], keep: Sequence[bool], cls: str) -> Words:
        return [(w, "" if same or not _norm(w) else cls) for w, same in zip(words, keep)]

    return marked(a, keep_a, "x"), marked(b, keep_b, "m")


def with_word_risk(text: str, words: Words, spans: Sequence[tuple[int, int, float]], threshold: float) -> Words:
    """``words`` (``text`` split at spaces, as ``word_diff`` gives them) with a risk class added to each word whose
    most likely word unit needs an edit: ``r1`` from ``threshold`` on, ``r2`` from halfway between it and 1."""
    out: Words = []
    at = 0
    strong = (1.0 + threshold) / 2
    for word, mark in words:
        start = text.find(word, at)
        if start < 0:  # not the text these words were split from: no risk marks
            return words
        end = at = start + len(word)
        p = max((q for a, b, q in spans if a < end and start < b), default=0.0)
        level = "r2" if p >= strong else "r1" if p >= threshold else ""
        out.append((word, f"{mark} {level}".strip()))
    return out


def words_html(words: Words) -> Any:
    """The words as HTML, marked ones in ``<mark class>``. Every word goes through markupsafe's ``escape`` (what the
    template's autoescaping uses), a run of unmarked words at once: at 20,000 words a page this is several times
    faster than a template loop."""
    from markupsafe import Markup, escape

    if not words:
        return Markup("∅")
    parts: list[Markup] = []
    run: list[str] = []
    for word, mark in words:
        if not mark:
            run.append(word)
            continue
        if run:
            parts.append(escape(" ".join(run)))
            run = []
        parts.append(Markup('<mark class="{}">{}</mark>').format(mark, word))  # format escapes its arguments
    if run:
        parts.append(escape(" ".join(run)))
    return Markup(" ").join(parts)


def _num(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


@dataclass(frozen=True)
class BeadView:
    """One bead row as the template shows it; the review fields are used by the live page only."""

    row: Row
    order: int
    mt_words: Words
    ref_words: Words
    status: str = "new"
    version: int = 0
    original: str = ""  # the MT, when the shown text is a post-edit
    memory: bool = False
    comments: tuple[str, ...] = ()
    flags: tuple[Flag, ...] = ()  # of the text shown: the MT's, or the current post-edit's
    carried: bool = False  # the post-edit was saved on an earlier run of the story (the same source and reference)
    source_parts: tuple[tuple[str, str], ...] = ()  # the source in pieces (text, glossary entry or ""); () plain text

    def __getattr__(self, name: str) -> Any:  # the template reads the row's fields through the view
        return getattr(self.row, name)

    @property
    def mt_html(self) -> Any:
        return words_html(self.mt_words)

    @property
    def ref_html(self) -> Any:
        return words_html(self.ref_words)

    @property
    def level(self) -> str:
        worst = min((SEVERITIES.index(f.severity) for f in self.flags), default=len(SEVERITIES))
        return SEVERITIES[worst] if self.flags else "none"

    @property
    def bleu_text(self) -> str:
        return _num(self.row.bleu)

    @property
    def chrf_text(self) -> str:
        return _num(self.row.chrf)

    @property
    def conf_text(self) -> str:
        return _num(self.row.confidence, 2)

    @property
    def conf_data(self) -> str:
        return "" if self.row.confidence is None else f"{self.row.confidence:.4f}"

    @property
    def risk_text(self) -> str:
        return _num(self.row.risk, 2)

    @property
    def risk_data(self) -> str:
        """Sorted lowest first like the scores: the riskiest bead has the lowest key."""
        return "" if self.row.risk is None else f"{-self.row.risk:.4f}"


@dataclass(frozen=True)
class ReviewState:
    """What the live page shows beyond the static one: per bead the current text, status and version, comments,
    whether the MT came from a translation memory, and a one-line effort summary."""

    texts: Mapping[int, str] = field(default_factory=dict)
    statuses: Mapping[int, str] = field(default_factory=dict)
    versions: Mapping[int, int] = field(default_factory=dict)
    comments: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    summary: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)
    flags: Mapping[int, tuple[tuple[str, str, str], ...]] = field(default_factory=dict)  # of the current post-edits
    carried: frozenset[int] = frozenset()  # beads whose current version was saved on an earlier run
    # per bead with glossary terms in its source: the source in pieces that join back into it, (text, the term's
    # entry in one line) for a term and (text, "") between terms; the template escapes each piece
    terms: Mapping[int, tuple[tuple[str, str], ...]] = field(default_factory=dict)


def _score_row(label: object, beads: int, scores: Scores) -> dict[str, Any]:
    return {"paragraph": label, "label": label, "beads": beads, "bleu": _num(scores.bleu.score),
            "chrf": _num(scores.chrf.score)}  # fmt: skip


def _story_view(result: RunResult) -> dict[str, Any]:
    sig = result.signature
    settings = [(k, v) for k, v in sig.pairs() if k not in ("align", "lexicon") and not k.startswith("align.")]
    flagged = sum(1 for f in result.flags if f)
    view: dict[str, Any] = {
        "id": result.source.id,
        "has_reference": result.reference is not None,
        "has_risk": result.quality is not None,
        "columns": 5 + (result.reference is not None),
        "settings": settings,
        "provenance": f"{sig.model or 'translations'} ({sig.engine}{', beam ' + sig.beam if sig.beam else ''}), "
        f"aligner {sig.version}",
        "beads": len(result.beads),
        "flagged": flagged,
        "scores": [],
        "errors": None,
    }
    counts = flag_counts(result.flags)
    severity = {f.code: f.severity for flags in result.flags for f in flags}
    view["flag_counts"] = [(code, severity[code], n) for code, n in counts.items()]
    parts = []
    scores = result.scores
    if scores is not None:
        d, b = scores.document, scores.beads
        ter = f" · TER {b.ter.score:.2f}" if b.ter else ""
        parts.append(f"document BLEU {d.bleu.score:.2f} · chrF {d.chrf.score:.2f}")
        parts.append(f"aligned beads BLEU {b.bleu.score:.2f} · chrF {b.chrf.score:.2f}{ter}")
        view["scores"] = [
            {"level": level, "name": m.name, "score": f"{m.score:.2f}", "signature": score_signature(m.signature, sig)}
            for level, s in (("document", d), ("beads", b))
            for m in s.metrics
        ]
        align = [(k, v) for k, v in sig.pairs() if k in ("align", "lexicon") or k.startswith("align.")]
        view["alignment"] = "|".join(f"{k}:{v}" for k, v in align)
        view["errors"] = {
            "paragraphs": [_score_row(p.paragraph + 1, len(p.beads), p.scores) for p in scores.per_paragraph],
            "buckets": [
                _score_row(k.label, len(k.segments), k.scores) for k in scores.by_length if k.scores is not None
            ],
            "worst": [(k, f"{scores.per_bead[k].chrf:.0f}") for k in scores.worst_beads],
        }
    parts.append(f"{flagged} of {len(result.beads)} beads flagged")
    if result.quality is not None:
        q = result.quality
        words = [sum(len(q.words[i]) for i in b.left) for b in result.beads]
        share = sum(r * w for r, w in zip(q.risk, words)) / max(sum(words), 1)
        second = f", second opinion {q.second_opinion}" if q.second_opinion else ""
        parts.append(f"estimated share of MT words to change {share:.0%} (risk model {q.model}{second})")
    view["summary"] = " | ".join(parts)
    return view


def bead_views(result: RunResult, review: ReviewState | None = None) -> list[BeadView | Row]:
    """The rows with their diff words; with ``review``, the current post-edits instead of the MT."""
    out: list[BeadView | Row] = []
    memory = {i for i, t in enumerate(result.translations) if t.origin == "memory"}
    order = 0
    for r in view_rows(result):
        if r.kind != "bead":
            out.append(r)
            continue
        text = review.texts.get(r.bead, r.mt) if review is not None else r.mt
        if r.reference and text:
            mt_words, ref_words = word_diff(text, r.reference)
        else:
            mt_words, ref_words = [(w, "") for w in text.split()], [(w, "") for w in r.reference.split()]
        if result.quality is not None and text == r.mt:  # word risks belong to the MT, not to a post-edit
            mt_words = with_word_risk(text, mt_words, r.word_risk, result.quality.threshold)
        out.append(
            BeadView(
                r,
                order,
                mt_words,
                ref_words,
                status=review.statuses.get(r.bead, "new") if review else "new",
                version=review.versions.get(r.bead, 0) if review else 0,
                original=r.mt if review is not None and text != r.mt else "",
                memory=any(i in memory for i in result.beads[r.bead].left),
                comments=review.comments.get(r.bead, ()) if review else (),
                flags=_shown_flags(r, review),
                carried=review is not None and r.bead in review.carried,
                source_parts=review.terms.get(r.bead, ()) if review is not None else (),
            )
        )
        order += 1
    return out


def _shown_flags(row: Row, review: ReviewState | None) -> tuple[Flag, ...]:
    if review is None or row.bead not in review.flags:
        return tuple(row.flags)
    return tuple(Flag(code, severity, reason) for code, severity, reason in review.flags[row.bead])


@lru_cache(maxsize=1)
def _environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    folder = resources.files("aligner.results").joinpath("templates")
    return Environment(
        loader=FileSystemLoader(str(folder)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def asset(name: str, package: str = "aligner.results") -> str:
    """A file of ``package``'s ``static`` folder (the pages' stylesheet and scripts; the review server's editor is
    ``aligner.review``'s)."""
    return resources.files(package).joinpath("static", name).read_text(encoding="utf-8")


def static_page(title: str, script: str = "") -> dict[str, Any]:
    """A self-contained page: stylesheet and script inlined; only that script may run (CSP hash), no network."""
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    csp = f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'"
    return {"title": title, "inline": True, "css": asset("review.css"), "script": script, "csp": csp, "back": False}


def live_page(title: str, *, base: str, scripts: Sequence[str] = (), back: bool = False) -> dict[str, Any]:
    """A page of the review server: stylesheet and scripts as files (the server's CSP header allows only them)."""
    return {"title": title, "inline": False, "base": base, "scripts": list(scripts), "back": back, "csp": None}


def render(template: str, **context: Any) -> str:
    return str(_environment().get_template(template).render(**context))


def render_stream(template: str, **context: Any) -> Iterator[str]:
    """The page in pieces, for pages too long to hold (a batch index of 100,000 stories)."""
    yield from _environment().get_template(template).generate(**context)


def render_report(result: RunResult) -> str:
    """The complete static HTML page for one run."""
    return render(
        "story.html",
        page=static_page(result.source.id, asset("report.js")),
        story=_story_view(result),
        rows=bead_views(result),
        live=False,
    )


def render_story_page(result: RunResult, review: ReviewState, *, base: str, back: bool) -> str:
    """The review server's page for one story: the static page's content plus the editor (scripts as files)."""
    page = live_page(result.source.id, base=base, scripts=["report.js", "editor.js"], back=back)
    return render(
        "story.html",
        page=page,
        story=_story_view(result),
        rows=bead_views(result, review),
        live=True,
        review=review,
    )


def _flag_summary(flags: Sequence[tuple[str, int]]) -> str:
    """Flag counts in a few characters: the most frequent code and how many flags of other codes."""
    if not flags:
        return ""
    (code, n), rest = flags[0], sum(v for _, v in flags[1:])
    return f"{code} {n}" + (f" +{rest}" if rest else "")


def index_rows(stories: Sequence[StorySummary], link: str = "stories/{id}/report.html") -> list[dict[str, Any]]:
    """The batch index's rows. Scores at the precision sacreBLEU prints (its default ``--width`` 1: one decimal, as
    on the story pages); flags as a short summary with the full counts in ``flags_title``; ``sort_*``: the values
    the columns sort by, unrounded (missing ones last)."""
    rows = []
    for s in stories:
        bleu, chrf, risk = s.score("beads_bleu"), s.score("beads_chrf"), s.mean_risk
        rows.append(
            {
                "id": s.id,
                "ok": s.status == "ok",
                "link": link.format(id=s.id),
                "status": s.status,
                "bleu": _num(bleu),
                "chrf": _num(chrf),
                "risk": "–" if risk is None else f"{risk:.0%}",
                "flagged": s.flagged if s.status == "ok" else "–",
                "flags": _flag_summary(s.flags),
                "flags_title": ", ".join(f"{k} {v}" for k, v in s.flags),
                "sort_bleu": "" if bleu is None else f"{bleu:.4f}",
                "sort_chrf": "" if chrf is None else f"{chrf:.4f}",
                "sort_risk": "" if risk is None else f"{risk:.4f}",
                "sort_flags": sum(v for _, v in s.flags) if s.status == "ok" else "",
            }
        )
    return rows


@dataclass(frozen=True)
class QueueEntry:
    """A bead in the desk queue: its story, number (0-based), risk and MT words."""

    story: str
    bead: int
    risk: float
    words: int


def desk_queue(
    stories: Iterable[StorySummary],
    *,
    share: float = 0.2,
    done: Mapping[str, frozenset[int]] | None = None,
    limit: int = 1000,
) -> tuple[list[QueueEntry], int, int]:
    """The riskiest beads of a batch, riskiest first, until they hold ``share`` of all its MT words (at most
    ``limit`` beads: a page, not an archive): (the queue, its words, all words). Beads in ``done[story]``
    (confirmed) leave the queue; their words still count in the whole. ``stories`` is read once, holding only the
    ``limit`` riskiest open beads (a batch of 100,000 stories streams through)."""
    import heapq

    done = done or {}
    total = 0

    def open_beads() -> Iterator[QueueEntry]:
        nonlocal total
        for s in stories:
            closed = done.get(s.id, frozenset())
            for k, (r, w) in enumerate(s.risk):
                total += w
                if k not in closed:
                    yield QueueEntry(s.id, k, r, w)

    riskiest = heapq.nsmallest(limit, open_beads(), key=lambda e: (-e.risk, e.story, e.bead))
    queue: list[QueueEntry] = []
    words = 0
    for e in riskiest:
        if words >= share * total:
            break
        queue.append(e)
        words += e.words
    return queue, words, total


def render_index(title: str, stories: Sequence[StorySummary]) -> str:
    """A batch's index page: one row per story with status, risk, scores, flag counts and a link to its report, and
    the desk queue (the riskiest beads of the whole batch)."""
    queue, words, total = desk_queue(stories)
    return render(
        "index.html",
        page=static_page(title, asset("index.js")),
        stories=index_rows(stories),
        count=len(stories),
        live=False,
        queue=queue_view(queue, words, total, "stories/{id}/report.html"),
    )


QUOTE_CHARS = 90  # how much of a queued bead's MT the index quotes (the whole text is its tooltip)


def bead_mt(result: RunResult) -> tuple[str, ...]:
    """What the desk queue quotes of each bead: its MT (its sentences joined), or, for reference content the MT
    lacks (risk 1, no MT words), that reference text, marked as such."""
    return tuple(t.mt if t.mt or not t.reference else f"(no MT) reference: {t.reference}" for t in result.all_texts())


def _quote(text: str) -> str:
    """``text`` (one line) cut to at most ``QUOTE_CHARS`` characters after a whole word, "…" marking the cut."""
    if len(text) <= QUOTE_CHARS:
        return text
    cut = text[: QUOTE_CHARS - 1]
    if text[len(cut)] != " " and " " in cut:  # inside a word: back to the space before it
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip() + "…"


def queue_view(
    queue: Sequence[QueueEntry],
    words: int,
    total: int,
    link: str,
    share: float = 0.2,
    mt: Callable[[str], Sequence[str]] | None = None,
) -> dict[str, Any]:
    """The desk queue as the index shows it; ``mt(story)``: the MT of each of the story's beads (``bead_mt``), read
    once per story in the queue, so that a desk sees what each queued bead says."""
    texts: dict[str, Sequence[str]] = {}

    def said(e: QueueEntry) -> str:
        if mt is None:
            return ""
        if e.story not in texts:
            try:
                texts[e.story] = mt(e.story)
            except (AlignerError, OSError):  # its result.json gone or unreadable since: the queue still shows
                texts[e.story] = ()
        beads = texts[e.story]
        return beads[e.bead] if e.bead < len(beads) else ""

    return {
        "share": f"{share:.0%}",
        "beads": len(queue),
        "stories": len({e.story for e in queue}),
        "covered": f"{words / total:.0%}" if total else "0%",
        "rows": [
            {
                "story": e.story,
                "bead": e.bead,
                "risk": f"{e.risk:.2f}",
                "words": e.words,
                "link": link.format(id=e.story) + f"#bead-{e.bead}",
                "mt": _quote(line),
                "mt_full": line,
            }
            for e in queue
            for line in (" ".join(said(e).split()),)
        ],
        "quotes": mt is not None,
    }
