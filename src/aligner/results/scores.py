"""Scores as data: sacreBLEU's metrics with their signatures, per bead, paragraph and length bucket."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..signature import Signature, score_signature, split_score_signature


def rounded(value: float) -> float:
    """Scores are rounded to 4 decimals when they are made, so that the JSON holds them exactly."""
    return round(float(value), 4)


@dataclass(frozen=True)
class MetricScore:
    name: str  # "BLEU", "chrF2", "TER", "chrF2++"
    score: float
    signature: str  # sacreBLEU's signature for exactly this computation (ours is added when written)

    def to_json(self, ours: Signature | None = None) -> dict[str, Any]:
        sig = score_signature(self.signature, ours) if ours is not None else self.signature
        return {"name": self.name, "score": self.score, "signature": sig}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MetricScore:
        sacrebleu, _ = split_score_signature(str(data["signature"]))
        return cls(str(data["name"]), float(data["score"]), sacrebleu)


_METRIC_KEYS = (("bleu", "bleu"), ("chrf", "chrf"), ("chrf++", "chrfpp"), ("ter", "ter"))


@dataclass(frozen=True)
class Scores:
    """Corpus BLEU and chrF of a set of segments, with chrF++ and TER where computed; each keeps sacreBLEU's
    signature."""

    bleu: MetricScore
    chrf: MetricScore
    ter: MetricScore | None = None
    chrfpp: MetricScore | None = None  # chrF++ (word bigrams too), beside chrF

    @property
    def metrics(self) -> tuple[MetricScore, ...]:
        return tuple(m for m in (self.bleu, self.chrf, self.chrfpp, self.ter) if m is not None)

    def to_json(self, ours: Signature | None = None) -> dict[str, Any]:
        out = {}
        for key, attr in _METRIC_KEYS:
            metric: MetricScore | None = getattr(self, attr)
            if metric is not None:
                out[key] = metric.to_json(ours)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Scores:
        found = {attr: MetricScore.from_json(data[key]) for key, attr in _METRIC_KEYS if key in data}
        return cls(**found)


@dataclass(frozen=True)
class BeadScore:
    bleu: float  # sentence BLEU with effective order
    chrf: float


@dataclass(frozen=True)
class ParagraphScore:
    paragraph: int
    beads: tuple[int, ...]
    scores: Scores


@dataclass(frozen=True)
class Bucket:
    """Corpus scores of the segments (beads) whose reference has a number of words in ``label``'s range
    ("0": no reference at all, "1-9", …, "40+"); ``scores`` is None for an empty bucket."""

    label: str
    segments: tuple[int, ...]
    scores: Scores | None

    def to_json(self, ours: Signature | None, key: str) -> dict[str, Any]:
        return {
            "reference_words": self.label,
            key: list(self.segments),
            **(self.scores.to_json(ours) if self.scores else {}),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], key: str) -> Bucket:
        scores = Scores.from_json(data) if "bleu" in data else None
        return cls(str(data["reference_words"]), tuple(data[key]), scores)


@dataclass(frozen=True)
class DocumentScores:
    """A story's scores: the whole document as one segment, the aligned beads as segments, per bead, per
    paragraph, per reference length, and the worst beads."""

    document: Scores  # the whole MT as one segment against the whole reference (BLEU, chrF, chrF++)
    beads: Scores  # corpus scores over aligned beads (one segment per bead)
    per_bead: tuple[BeadScore, ...]
    per_paragraph: tuple[ParagraphScore, ...]
    by_length: tuple[Bucket, ...] = ()  # beads grouped by reference length
    worst_beads: tuple[int, ...] = ()  # bead ids, worst first
