"""Post-editing effort, measured: what the translators changed, how much, and how long it took.

Per bead: HTER (sacreBLEU's TER of the MT against the post-edit, 0–100+), chrF of the MT against the
post-edit, the seconds spent on the bead (summed over every save, refused ones included: that time
was spent), the words of the post-edit, and the errors annotated. A bead has a post-edit when its
current status is ``edited`` or ``confirmed``; only those count in HTER and words.

Per story and per batch (``EffortSummary.of`` over the bead rows, so the summaries add up from the rows):
beads confirmed / edited / rejected, words post-edited, mean HTER (over the post-edited beads),
seconds per post-edited word, and error counts by category and severity.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..results import RunResult, rounded
from ..store import Annotation, Version


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
        }


@lru_cache(maxsize=1)
def _metrics() -> tuple[Any, Any]:
    from sacrebleu.metrics.chrf import CHRF
    from sacrebleu.metrics.ter import TER

    return TER(), CHRF()


def hter(mt: str, post_edit: str) -> float:
    """sacreBLEU's TER of ``mt`` against the reference ``post_edit`` (its default settings, as ``aligner score``)."""
    return rounded(_metrics()[0].sentence_score(mt, [post_edit]).score)


def chrf(mt: str, post_edit: str) -> float:
    if not mt.strip() and not post_edit.strip():
        return 100.0  # nothing to change, nothing changed (sacreBLEU gives two empty texts 0)
    return rounded(_metrics()[1].sentence_score(mt, [post_edit]).score)


def of_this_run(result: RunResult, current: Mapping[int, Version]) -> dict[int, Version]:
    """The saved versions that belong to this run's beads: a version saved for bead K of an earlier run of the
    story (re-run since, with other beads) is not this bead's K, and is left out (it stays in the history)."""
    sources = [t.source for t in result.all_texts()]
    return {k: v for k, v in current.items() if k < len(sources) and v.source == sources[k]}


def bead_efforts(
    result: RunResult, current: dict[int, Version], history: Iterable[Version], annotations: Iterable[Annotation]
) -> list[BeadEffort]:
    """One row per bead of ``result``, from the store's current versions, all saves and annotations."""
    seconds: dict[int, float] = {}
    for saved in history:
        seconds[saved.bead] = seconds.get(saved.bead, 0.0) + saved.seconds
    errors: dict[int, list[tuple[str, str]]] = {}
    for a in annotations:
        errors.setdefault(a.bead, []).append((a.category, a.severity))
    rows = []
    current = of_this_run(result, current)
    for k, texts in enumerate(result.all_texts()):
        v: Version | None = current.get(k)
        status = v.status if v is not None else "new"
        post = v.text if v is not None and status in ("edited", "confirmed") else None
        rows.append(
            BeadEffort(
                result.source.id,
                k,
                status,
                texts.source,
                texts.mt,
                post,
                hter(texts.mt, post) if post is not None else None,
                chrf(texts.mt, post) if post is not None else None,
                round(seconds.get(k, 0.0), 3),
                len(post.split()) if post is not None else 0,
                v.reviewer if v is not None else "",
                tuple(errors.get(k, [])),
            )
        )
    return rows


@dataclass(frozen=True)
class EffortSummary:
    beads: int
    confirmed: int
    edited: int
    rejected: int
    words: int  # words post-edited (edited and confirmed beads)
    seconds: float
    mean_hter: float | None
    seconds_per_word: float | None
    errors: tuple[tuple[str, str, int], ...]  # (category, severity, count)

    @classmethod
    def of(cls, rows: Sequence[BeadEffort]) -> EffortSummary:
        post = [r for r in rows if r.hter is not None]
        words = sum(r.words for r in rows)
        seconds = round(sum(r.seconds for r in rows), 3)
        counts: dict[tuple[str, str], int] = {}
        for r in rows:
            for e in r.errors:
                counts[e] = counts.get(e, 0) + 1
        return cls(
            len(rows),
            sum(r.status == "confirmed" for r in rows),
            sum(r.status == "edited" for r in rows),
            sum(r.status == "rejected" for r in rows),
            words,
            seconds,
            rounded(sum(r.hter for r in post if r.hter is not None) / len(post)) if post else None,
            rounded(seconds / words) if words else None,
            tuple((c, s, n) for (c, s), n in sorted(counts.items())),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "beads": self.beads,
            "confirmed": self.confirmed,
            "edited": self.edited,
            "rejected": self.rejected,
            "words_post_edited": self.words,
            "seconds": self.seconds,
            "mean_hter": self.mean_hter,
            "seconds_per_word": self.seconds_per_word,
            "errors": [{"category": c, "severity": s, "count": n} for c, s, n in self.errors],
        }
