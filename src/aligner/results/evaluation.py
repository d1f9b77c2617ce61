"""Evaluations: a system on a test set (``EvalResult``), systems compared (``Comparison``), an aligner on a gold
set (``AlignmentEvaluation``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError
from ..signature import Signature
from .scores import Bucket, Scores, rounded

EVAL_SCHEMA = "aligner.eval/2"
COMPARE_SCHEMA = "aligner.compare/1"
ALIGN_EVAL_SCHEMA = "aligner.eval-align/2"


@dataclass(frozen=True)
class SegmentResult:
    """One test-set segment with its sentence scores (the worst segments of an evaluation)."""

    segment: int
    docid: str
    source: str
    mt: str
    reference: str
    bleu: float
    chrf: float


@dataclass(frozen=True)
class EvalResult:
    """A system scored on a sacreBLEU test set: corpus scores exactly as ``sacrebleu -t``, per document, per
    reference length, the worst segments, and COMET when asked for."""

    test_set: str
    langpair: str
    origlang: str | None
    segments: int
    system: str
    signature: Signature
    corpus: Scores
    documents: tuple[tuple[str, Scores], ...]
    by_length: tuple[Bucket, ...]
    worst: tuple[SegmentResult, ...]
    comet: float | None = None
    notes: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        sig = self.signature
        return {
            "schema": EVAL_SCHEMA,
            "test_set": self.test_set,
            "langpair": self.langpair,
            "origlang": self.origlang,
            "segments": self.segments,
            "system": self.system,
            "signature": sig.render(),
            "scores": self.corpus.to_json(sig),
            "comet": self.comet,
            "notes": list(self.notes),
            "documents": [{"docid": d, **s.to_json(sig)} for d, s in self.documents],
            "by_length": [b.to_json(sig, "segments") for b in self.by_length],
            "worst_segments": [vars(w) for w in self.worst],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EvalResult:
        _check(data, EVAL_SCHEMA)
        return cls(
            str(data["test_set"]),
            str(data["langpair"]),
            data["origlang"],
            int(data["segments"]),
            str(data["system"]),
            Signature.parse(str(data["signature"])),
            Scores.from_json(data["scores"]),
            tuple((str(d["docid"]), Scores.from_json(d)) for d in data["documents"]),
            tuple(Bucket.from_json(b, "segments") for b in data["by_length"]),
            tuple(SegmentResult(**w) for w in data["worst_segments"]),
            data["comet"],
            tuple(data["notes"]),
        )


@dataclass(frozen=True)
class SystemRow:
    name: str
    scores: dict[str, float]  # metric name → corpus score
    bs: dict[str, dict[str, float | None]]  # metric name → {mean, ci, p} from paired bootstrap
    ar: dict[str, float | None]  # metric name → p-value from approximate randomisation (None for the baseline)


@dataclass(frozen=True)
class Comparison:
    """Systems on one reference, each tested against the first with sacreBLEU's paired tests."""

    rows: tuple[SystemRow, ...]
    signatures: dict[str, str]  # "bs:BLEU" / "ar:BLEU" → sacreBLEU's signature of that test
    seed: str
    lowercase: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": COMPARE_SCHEMA,
            "baseline": self.rows[0].name,
            "seed": self.seed,
            "lowercase": self.lowercase,
            "systems": [{"name": r.name, "scores": r.scores, "paired_bs": r.bs, "paired_ar": r.ar} for r in self.rows],
            "signatures": self.signatures,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Comparison:
        _check(data, COMPARE_SCHEMA)
        rows = tuple(SystemRow(s["name"], s["scores"], s["paired_bs"], s["paired_ar"]) for s in data["systems"])
        return cls(rows, dict(data["signatures"]), str(data["seed"]), bool(data["lowercase"]))


@dataclass(frozen=True)
class Counts:
    """Bead hits and misses, strict (the same bead) and lax (overlapping partners), vecalign's way."""

    strict_hit: int = 0
    strict_miss: int = 0
    lax_hit: int = 0
    lax_miss: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(a + b for a, b in zip(vars(self).values(), vars(other).values())))


def _ratio(hit: int, miss: int) -> float:
    return hit / (hit + miss) if hit + miss else 0.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class AlignScores:
    """Precision counts (over the system's beads) and recall counts (over the gold's non-null beads)."""

    precision_counts: Counts
    recall_counts: Counts

    @property
    def precision_strict(self) -> float:
        return _ratio(self.precision_counts.strict_hit, self.precision_counts.strict_miss)

    @property
    def recall_strict(self) -> float:
        return _ratio(self.recall_counts.strict_hit, self.recall_counts.strict_miss)

    @property
    def precision_lax(self) -> float:
        return _ratio(self.precision_counts.lax_hit, self.precision_counts.lax_miss)

    @property
    def recall_lax(self) -> float:
        return _ratio(self.recall_counts.lax_hit, self.recall_counts.lax_miss)

    @property
    def f1_strict(self) -> float:
        return _f1(self.precision_strict, self.recall_strict)

    @property
    def f1_lax(self) -> float:
        return _f1(self.precision_lax, self.recall_lax)

    NAMES = ("precision_strict", "recall_strict", "f1_strict", "precision_lax", "recall_lax", "f1_lax")

    def to_json(self) -> dict[str, Any]:
        return {
            **{k: rounded(getattr(self, k)) for k in self.NAMES},
            "counts": {"precision": vars(self.precision_counts), "recall": vars(self.recall_counts)},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AlignScores:
        return cls(Counts(**data["counts"]["precision"]), Counts(**data["counts"]["recall"]))


@dataclass(frozen=True)
class BookResult:
    book: str
    scores: AlignScores
    seconds: float


@dataclass(frozen=True)
class AlignmentEvaluation:
    """An aligner on a gold set: vecalign's strict and lax P/R/F1 per book and micro-averaged."""

    gold: str
    signature: Signature
    books: tuple[BookResult, ...]
    micro: AlignScores
    tuned_on: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": ALIGN_EVAL_SCHEMA,
            "gold": self.gold,
            "method": self.signature.align,
            "signature": self.signature.render(),
            "tuned_on": list(self.tuned_on),
            "books": [{"book": b.book, "seconds": b.seconds, **b.scores.to_json()} for b in self.books],
            "micro": self.micro.to_json(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AlignmentEvaluation:
        _check(data, ALIGN_EVAL_SCHEMA)
        books = tuple(BookResult(b["book"], AlignScores.from_json(b), float(b["seconds"])) for b in data["books"])
        return cls(
            str(data["gold"]),
            Signature.parse(str(data["signature"])),
            books,
            AlignScores.from_json(data["micro"]),
            tuple(data["tuned_on"]),
        )


def _check(data: Mapping[str, Any], schema: str) -> None:
    if data.get("schema") != schema:
        raise InputError(f"schema {data.get('schema')!r} is not {schema}")
