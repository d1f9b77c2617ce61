"""Post-editing effort, measured: what the translators changed, how much, and how long it took.

Per bead: HTER (TER of the MT against the post-edit, 0–100+, from this package's port of sacreBLEU's TER
statistics, pinned equal to sacreBLEU's), chrF of the MT against the post-edit, the seconds spent on the bead
(summed over every save of its content, refused ones included: that time was spent), the words of the
post-edit, the errors annotated, and the QA flags of its current text. A bead has a post-edit when its current
status is ``edited`` or ``confirmed``; only those count in HTER and words. A bead's review is found by content
(``aligner.store``): saves made on another text at the same position in an earlier run count for nothing here.

Per story and per batch (``EffortSummary.of`` over the bead rows, so the summaries add up from the rows):
beads confirmed / edited / rejected, confirmed beads whose text still has an error-level flag, words
post-edited, mean HTER (over the post-edited beads), seconds per post-edited word, and error counts by
category and severity.

With a review's terminology (``Terminology``: the glossary files the review was given merged with the entries added
from the page) the ``term`` flags of every bead's current text are recomputed for it: an entry added after a text was
saved, or after the run, flags the beads that disobey it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..qa import flag_text
from ..qa.terms import check_terms
from ..reading.document import Kind
from ..results import RunResult, rounded
from ..results.run import SEVERITIES
from ..scoring.metrics import edit_scores_of
from ..store import Annotation, FlagRow, Group, Slot, Version, bead_key, of_slots
from ..terms import Glossary


def slots(result: RunResult) -> list[Slot]:
    """Each bead of ``result`` as the review store knows it: its number, content key and source text. Beads whose
    source and reference texts repeat within the story are told apart by their order."""
    seen: dict[tuple[str, str | None], int] = {}
    out = []
    for k, texts in enumerate(result.all_texts()):
        pair = (texts.source, texts.reference)
        occurrence = seen.get(pair, 0)
        seen[pair] = occurrence + 1
        out.append(Slot(k, bead_key(texts.source, texts.reference, occurrence), texts.source))
    return out


def run_id(result: RunResult) -> str:
    """The id a save records of the run it was made on (the run's identity digest; ``""`` for an older run)."""
    return result.identity.digest if result.identity is not None else ""


@dataclass(frozen=True)
class Terminology:
    """The glossary a review checks terms with. ``complete``: it holds every entry the run was checked with (the
    review was given the glossary files): its ``term`` flags replace the run's and the saved texts'. Otherwise (only
    the entries added from the page) they are added to them: the run's own glossary is not known here, and its flags
    must not vanish because a translator added an entry."""

    glossary: Glossary
    complete: bool = True

    @property
    def key(self) -> tuple[str, int, bool]:
        """What a cached value computed with this terminology depends on."""
        return (self.glossary.sha256, len(self.glossary), self.complete)


def terminology(files: Glossary | None, own: Glossary) -> Terminology | None:
    """The review's terminology: the glossary files it was given (``--glossary``, merged) and its own entries
    (``ReviewStore.terms``), which win over a file's entry for the same French term; None when there are neither."""
    parts = [g for g in (files, own) if g is not None and len(g)]
    if not parts:
        return None
    return Terminology(Glossary.merge(parts), complete=files is not None)


def _copied(result: RunResult, bead: int) -> bool:
    """A byline is copied, not translated: the QA checks nothing in it (as ``aligner.qa`` does)."""
    src = result.source
    ids = result.beads[bead].left
    return bool(ids) and all(src.paragraphs[src.sentences[i].paragraph].kind is Kind.BYLINE for i in ids)


_DECODING = frozenset({"length-limit", "unknown-characters", "split"})  # about how the MT was decoded


def _ordered(flags: Sequence[FlagRow]) -> tuple[FlagRow, ...]:
    """In ``aligner.qa``'s order: by severity then code, the flags about how the MT was decoded last."""
    order = {s: k for k, s in enumerate(SEVERITIES)}
    checked = sorted((f for f in flags if f[0] not in _DECODING), key=lambda f: (order.get(f[1], len(order)), f[0]))
    return tuple(checked + [f for f in flags if f[0] in _DECODING])


def with_terms(
    result: RunResult, bead: int, text: str, flags: Sequence[FlagRow], terms: Terminology
) -> tuple[FlagRow, ...]:
    """``flags`` (of bead ``bead``'s English ``text``) with their ``term`` flags those of ``terms``: in place of the
    old ones when it is complete, else added to them (each flag once)."""
    fresh = (
        []
        if _copied(result, bead) or not result.texts(bead).source
        else [(f.code, f.severity, f.reason) for f in check_terms(result.texts(bead).source, text, terms.glossary)]
    )
    kept = [f for f in flags if f[0] != "term" or not terms.complete]
    return _ordered(kept + [f for f in fresh if f not in kept])


def text_flags(
    result: RunResult, bead: int, version: Version | None, terms: Terminology | None = None
) -> tuple[FlagRow, ...]:
    """The QA flags of bead ``bead``'s current text: the MT's flags while it has no post-edit, else those of the saved
    text (computed on save; for a version saved before flags were kept, computed now by the same checks); with
    ``terms``, their ``term`` flags for that terminology (``with_terms``)."""
    if version is None or version.status not in ("edited", "confirmed"):
        flags: tuple[FlagRow, ...] = tuple((f.code, f.severity, f.reason) for f in result.flags[bead])
        text = result.texts(bead).mt
    elif version.flags is not None:
        flags, text = version.flags, version.text
    else:
        glossary = terms.glossary if terms is not None else None
        flags = tuple((f.code, f.severity, f.reason) for f in flag_text(result, bead, version.text, glossary=glossary))
        text = version.text
    return flags if terms is None else with_terms(result, bead, text, flags, terms)


class _EditScores:
    """(HTER, chrF) of (MT, post-edit) pairs, each computed once and kept (the most recent 65,536): a story's efforts
    are recomputed after every save to it, and only the pairs saved since are new; those are scored together."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._known: OrderedDict[tuple[str, str], tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def of(self, pairs: Sequence[tuple[str, str]]) -> list[tuple[float, float]]:
        with self._lock:
            new = list(dict.fromkeys(p for p in pairs if p not in self._known))
        scored = dict(zip(new, edit_scores_of(new))) if new else {}  # outside the lock: scoring takes a while
        with self._lock:
            self._known.update(scored)
            out = [scored[p] if p in scored else self._known[p] for p in pairs]
            for p in pairs:
                if p in self._known:
                    self._known.move_to_end(p)
            while len(self._known) > self.size:
                self._known.popitem(last=False)
        return out


_SCORES = _EditScores(65_536)


def _edit_scores(mt: str, post_edit: str) -> tuple[float, float]:
    return _SCORES.of([(mt, post_edit)])[0]


def hter(mt: str, post_edit: str) -> float:
    """TER of ``mt`` against the reference ``post_edit`` (sacreBLEU's default settings, as ``aligner score``)."""
    return _edit_scores(mt, post_edit)[0]


def chrf(mt: str, post_edit: str) -> float:
    return _edit_scores(mt, post_edit)[1]


@dataclass(frozen=True)
class BeadEffort:
    story: str
    bead: int
    status: str  # current status: new (never saved), edited, confirmed, rejected
    source: str
    mt: str
    post_edit: str | None  # the current text of an edited or confirmed bead
    hter: float | None
    chrf: float | None
    seconds: float
    words: int
    reviewer: str
    errors: tuple[tuple[str, str], ...]  # (category, severity) of each annotation
    flags: tuple[FlagRow, ...] = ()  # QA flags of the current text (the post-edit's, or the MT's)
    carried: bool = False  # the current version was saved on an earlier run of the story (same content)

    def to_json(self) -> dict[str, Any]:
        return {
            "story": self.story,
            "bead": self.bead,
            "status": self.status,
            "source": self.source,
            "mt": self.mt,
            "post_edit": self.post_edit,
            "hter": self.hter,
            "chrf": self.chrf,
            "seconds": self.seconds,
            "words": self.words,
            "reviewer": self.reviewer,
            "errors": [list(e) for e in self.errors],
            "flags": [{"code": c, "severity": s, "reason": r} for c, s, r in self.flags],
            "carried_over": self.carried,
        }


def bead_efforts(
    result: RunResult,
    groups: Sequence[Group],
    annotations: Iterable[Annotation],
    *,
    places: Sequence[Slot] | None = None,
    terms: Terminology | None = None,
) -> list[BeadEffort]:
    """One row per bead of ``result``, from the story's saves grouped by content (``ReviewStore.groups``: any run's)
    and its annotations; each bead counts only the saves and annotations of its own content. ``places``: the
    result's ``slots`` when the caller holds them already; ``terms``: the review's terminology, whose ``term`` flags
    each row's flags carry (``text_flags``)."""
    if places is None:
        places = slots(result)
    mine = of_slots(places, groups)
    errors = of_slots(places, annotations)
    this_run = run_id(result)
    beads = []
    for k, texts in enumerate(result.all_texts()):
        saves: list[Group] = mine.get(k, [])
        accepted = [g.latest for g in saves if g.latest is not None]
        v = max(accepted, key=lambda v: v.number or 0) if accepted else None
        status = v.status if v is not None else "new"
        post = v.text if v is not None and status in ("edited", "confirmed") else None
        beads.append((k, texts, saves, v, status, post))
    edited = [(texts.mt, post) for _, texts, _, _, _, post in beads if post is not None]
    scores = iter(_SCORES.of(edited))
    rows = []
    for k, texts, saves, v, status, post in beads:
        ter, chrf_ = next(scores) if post is not None else (None, None)
        rows.append(
            BeadEffort(
                result.source.id,
                k,
                status,
                texts.source,
                texts.mt,
                post,
                ter,
                chrf_,
                round(sum(g.seconds for g in saves), 3),
                len(post.split()) if post is not None else 0,
                v.reviewer if v is not None else "",
                tuple((a.category, a.severity) for a in errors.get(k, [])),
                text_flags(result, k, v, terms),
                v is not None and bool(v.run) and v.run != this_run,
            )
        )
    return rows


@dataclass(frozen=True)
class EffortSummary:
    beads: int
    confirmed: int
    confirmed_with_errors: int  # confirmed beads whose text still has an error-level QA flag
    edited: int
    rejected: int
    words: int  # words post-edited (edited and confirmed beads)
    seconds: float
    mean_hter: float | None
    seconds_per_word: float | None
    errors: tuple[tuple[str, str, int], ...]  # (category, severity, count)
    # what the means are made of, so that summaries add up (``combine``) without the rows
    hters: tuple[float, ...] = field(default=(), repr=False)
    bead_seconds: tuple[float, ...] = field(default=(), repr=False)

    @classmethod
    def of(cls, rows: Sequence[BeadEffort]) -> EffortSummary:
        counts: dict[tuple[str, str], int] = {}
        for r in rows:
            for e in r.errors:
                counts[e] = counts.get(e, 0) + 1
        return cls._made(
            len(rows),
            sum(r.status == "confirmed" for r in rows),
            sum(r.status == "confirmed" and any(f[1] == "error" for f in r.flags) for r in rows),
            sum(r.status == "edited" for r in rows),
            sum(r.status == "rejected" for r in rows),
            sum(r.words for r in rows),
            tuple(r.hter for r in rows if r.hter is not None),
            tuple(r.seconds for r in rows if r.seconds),  # zeros add nothing
            counts,
        )

    @classmethod
    def unreviewed(cls, beads: int) -> EffortSummary:
        """A story of ``beads`` beads nobody has saved anything on (what ``of`` gives for its rows)."""
        return cls._made(beads, 0, 0, 0, 0, 0, (), (), {})

    @classmethod
    def combine(cls, parts: Iterable[EffortSummary]) -> EffortSummary:
        """The summary of all the parts' rows together: equal to ``of`` over the concatenated rows."""
        parts = list(parts)
        counts: dict[tuple[str, str], int] = {}
        for part in parts:
            for c, s, n in part.errors:
                counts[c, s] = counts.get((c, s), 0) + n
        return cls._made(
            sum(p.beads for p in parts),
            sum(p.confirmed for p in parts),
            sum(p.confirmed_with_errors for p in parts),
            sum(p.edited for p in parts),
            sum(p.rejected for p in parts),
            sum(p.words for p in parts),
            tuple(h for p in parts for h in p.hters),
            tuple(x for p in parts for x in p.bead_seconds),
            counts,
        )

    @classmethod
    def _made(
        cls,
        beads: int,
        confirmed: int,
        confirmed_with_errors: int,
        edited: int,
        rejected: int,
        words: int,
        hters: tuple[float, ...],
        bead_seconds: tuple[float, ...],
        counts: dict[tuple[str, str], int],
    ) -> EffortSummary:
        seconds = round(sum(bead_seconds), 3)
        return cls(
            beads,
            confirmed,
            confirmed_with_errors,
            edited,
            rejected,
            words,
            seconds,
            rounded(sum(hters) / len(hters)) if hters else None,
            rounded(seconds / words) if words else None,
            tuple((c, s, n) for (c, s), n in sorted(counts.items())),
            hters,
            bead_seconds,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "beads": self.beads,
            "confirmed": self.confirmed,
            "confirmed_with_errors": self.confirmed_with_errors,
            "edited": self.edited,
            "rejected": self.rejected,
            "words_post_edited": self.words,
            "seconds": self.seconds,
            "mean_hter": self.mean_hter,
            "seconds_per_word": self.seconds_per_word,
            "errors": [{"category": c, "severity": s, "count": n} for c, s, n in self.errors],
        }
