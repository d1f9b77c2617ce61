"""The results of aligner, as data: a run of one story, a test-set evaluation, a system comparison, an
alignment evaluation, a batch's story summary. Frozen dataclasses, each with ``to_json()`` /
``from_json()`` that round-trip (``X.from_json(x.to_json()) == x``), one versioned schema each.

Every consumer (report, exports, batch summary and index, the CLI's JSON output, the review server)
works on these objects, never on loose dicts. ``BeadTexts.of`` is the one place a bead becomes its
source / MT / reference texts.

Conventions: sentence and bead ids are 0-based. A bead's ``left`` ids index the source sentences and,
since the MT is made sentence by sentence, the MT too; its ``right`` ids index the reference, or, in a
run without a reference, the MT (``identity`` alignment: one bead per sentence). Scores are rounded
to 4 decimals when they are made, so that the JSON holds them exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .alignment.beads import Alignment, Bead
from .errors import InputError
from .reading.document import Document, Kind, Paragraph, Sentence
from .signature import Signature, score_signature, split_score_signature
from .translation.base import Translation

RUN_SCHEMA = "aligner.run/2"
EVAL_SCHEMA = "aligner.eval/2"
COMPARE_SCHEMA = "aligner.compare/1"
ALIGN_EVAL_SCHEMA = "aligner.eval-align/2"

SEVERITIES = ("error", "warning", "info")


def rounded(value: float) -> float:
    return round(float(value), 4)


# ----------------------------------------------------------------------------------------------- scores


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


# ----------------------------------------------------------------------------------------------- QA flags


@dataclass(frozen=True)
class Flag:
    """A QA finding on one bead: a code, a severity (``error``, ``warning``, ``info``) and a one-line reason."""

    code: str
    severity: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "severity": self.severity, "reason": self.reason}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Flag:
        return cls(str(data["code"]), str(data["severity"]), str(data["reason"]))


def flag_counts(flags_per_bead: Sequence[Sequence[Flag]]) -> dict[str, int]:
    """How many beads carry each flag code, most frequent first."""
    counts: dict[str, int] = {}
    for flags in flags_per_bead:
        for f in flags:
            counts[f.code] = counts.get(f.code, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


# ----------------------------------------------------------------------------------------------- documents


def document_to_json(doc: Document) -> dict[str, Any]:
    return {
        "id": doc.id,
        "lang": doc.lang,
        "metadata": dict(doc.metadata),
        "paragraphs": [
            {"id": p.id, "kind": p.kind.value, "prefix": p.prefix, "sentences": [s.id for s in p.sentences]}
            for p in doc.paragraphs
        ],
        "sentences": [{"id": s.id, "paragraph": s.paragraph, "text": s.text} for s in doc.sentences],
    }


def document_from_json(data: Mapping[str, Any]) -> Document:
    sentences = [Sentence(int(s["id"]), int(s["paragraph"]), str(s["text"])) for s in data["sentences"]]
    paragraphs = tuple(
        Paragraph(int(p["id"]), Kind(p["kind"]), tuple(sentences[i] for i in p["sentences"]), str(p["prefix"]))
        for p in data["paragraphs"]
    )
    metadata = tuple((str(k), str(v)) for k, v in data["metadata"].items())
    return Document(str(data["id"]), paragraphs, metadata, str(data["lang"]))


# ----------------------------------------------------------------------------------------------- a run


@dataclass(frozen=True)
class BeadTexts:
    """A bead's sentences joined by single spaces; ``""`` for a missing side. ``reference`` is None in a run
    without a reference."""

    source: str
    mt: str
    reference: str | None

    @classmethod
    def of(cls, bead: Bead, source: Sequence[str], mt: Sequence[str], reference: Sequence[str] | None) -> BeadTexts:
        ref = None if reference is None else " ".join(reference[j] for j in bead.right)
        return cls(" ".join(source[i] for i in bead.left), " ".join(mt[i] for i in bead.left), ref)


@dataclass(frozen=True)
class RunResult:
    """One story translated, aligned with its reference (when there is one), scored and checked.

    ``translations``: one per source sentence. ``alignment``: source (= MT) ids ↔ reference ids, or the
    identity source ↔ MT alignment without a reference. ``scores``: None without a reference. ``flags``:
    QA flags per bead. ``signature``: the settings behind every number."""

    source: Document
    translations: tuple[Translation, ...]
    reference: Document | None
    alignment: Alignment
    scores: DocumentScores | None
    signature: Signature
    flags: tuple[tuple[Flag, ...], ...]

    @property
    def mt(self) -> tuple[str, ...]:
        return tuple(t.text for t in self.translations)

    @property
    def beads(self) -> tuple[Bead, ...]:
        return self.alignment.beads

    def texts(self, k: int) -> BeadTexts:
        """The source, MT and reference texts of bead ``k``."""
        ref = None if self.reference is None else [s.text for s in self.reference.sentences]
        return BeadTexts.of(self.beads[k], [s.text for s in self.source.sentences], self.mt, ref)

    def all_texts(self) -> list[BeadTexts]:
        src = [s.text for s in self.source.sentences]
        ref = None if self.reference is None else [s.text for s in self.reference.sentences]
        mt = self.mt
        return [BeadTexts.of(b, src, mt, ref) for b in self.beads]

    def to_json(self) -> dict[str, Any]:
        """The ``result.json`` document (schema ``aligner.run/2``, described in the README)."""
        sig = self.signature
        beads = []
        for k, b in enumerate(self.beads):
            bead: dict[str, Any] = {
                "id": k,
                "kind": b.kind,
                "source": list(b.left),
                "mt": list(b.left),
                "reference": list(b.right) if self.reference is not None else [],
                "confidence": b.score,
            }
            if self.scores is not None:
                bead["bleu"] = self.scores.per_bead[k].bleu
                bead["chrf"] = self.scores.per_bead[k].chrf
            bead["flags"] = [f.to_json() for f in self.flags[k]]
            beads.append(bead)
        scores = None
        if self.scores is not None:
            s = self.scores
            scores = {
                "document": s.document.to_json(sig),
                "beads": s.beads.to_json(sig),
                "paragraphs": [
                    {"paragraph": p.paragraph, "beads": list(p.beads), **p.scores.to_json(sig)} for p in s.per_paragraph
                ],
                "by_length": [b.to_json(sig, "beads") for b in s.by_length],
                "worst_beads": list(s.worst_beads),
            }
        return {
            "schema": RUN_SCHEMA,
            "signature": sig.render(),
            "source": document_to_json(self.source),
            "mt": [
                {
                    "id": i,
                    "text": t.text,
                    "unk": list(t.unk),
                    "chunks": t.chunks,
                    "hit_length_limit": t.hit_length_limit,
                }
                for i, t in enumerate(self.translations)
            ],
            "reference": document_to_json(self.reference) if self.reference is not None else None,
            "beads": beads,
            "scores": scores,
            "qa": {
                "units": "beads" if self.reference is not None else "sentences",
                "counts": flag_counts(self.flags),
                "flags": [[f.to_json() for f in flags] for flags in self.flags],
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RunResult:
        if data.get("schema") != RUN_SCHEMA:
            raise InputError(f"schema {data.get('schema')!r} is not {RUN_SCHEMA}; rerun `aligner run` to upgrade")
        signature = Signature.parse(str(data["signature"]))
        reference = document_from_json(data["reference"]) if data["reference"] is not None else None
        beads = tuple(
            Bead(
                tuple(b["source"]), tuple(b["reference"] if reference is not None else b["mt"]), float(b["confidence"])
            )
            for b in data["beads"]
        )
        alignment = Alignment(beads, signature.align, signature.align_settings, signature.lexicon)
        translations = tuple(
            Translation(str(m["text"]), tuple(m["unk"]), int(m["chunks"]), bool(m["hit_length_limit"]))
            for m in data["mt"]
        )
        scores = None
        if data["scores"] is not None:
            s = data["scores"]
            scores = DocumentScores(
                Scores.from_json(s["document"]),
                Scores.from_json(s["beads"]),
                tuple(BeadScore(float(b["bleu"]), float(b["chrf"])) for b in data["beads"]),
                tuple(
                    ParagraphScore(int(p["paragraph"]), tuple(p["beads"]), Scores.from_json(p)) for p in s["paragraphs"]
                ),
                tuple(Bucket.from_json(b, "beads") for b in s["by_length"]),
                tuple(s["worst_beads"]),
            )
        flags = tuple(tuple(Flag.from_json(f) for f in unit) for unit in data["qa"]["flags"])
        return cls(document_from_json(data["source"]), translations, reference, alignment, scores, signature, flags)


def alignment_to_json(alignment: Alignment) -> dict[str, Any]:
    """``aligner align --json``: the beads (source ids ↔ reference ids) and the aligner's signature."""
    sig = Signature().with_alignment(alignment.method, alignment.settings, alignment.lexicon)
    beads = [
        {"id": k, "kind": b.kind, "source": list(b.left), "reference": list(b.right), "confidence": b.score}
        for k, b in enumerate(alignment.beads)
    ]
    return {"schema": "aligner.align/1", "signature": sig.render(), "beads": beads}


# ----------------------------------------------------------------------------------------------- batch


@dataclass(frozen=True)
class StorySummary:
    """One line of a batch's summary: a finished story's scores and flags, or why it failed."""

    id: str
    status: str  # "ok" or "error"
    sentences: int = 0
    flagged: int = 0
    flags: tuple[tuple[str, int], ...] = ()
    scores: tuple[tuple[str, float], ...] = ()  # ("document_bleu", 23.4), ("beads_ter", …), …
    error: str = ""

    COLUMNS = ("id", "status", "sentences", "document_bleu", "document_chrf", "beads_bleu", "beads_chrf",
               "flagged", "error")  # fmt: skip

    @classmethod
    def of(cls, result: RunResult) -> StorySummary:
        scores: list[tuple[str, float]] = []
        if result.scores is not None:
            for level, s in (("document", result.scores.document), ("beads", result.scores.beads)):
                scores += [(f"{level}_{key}", m["score"]) for key, m in s.to_json().items()]
        return cls(
            result.source.id,
            "ok",
            len(result.translations),
            sum(1 for f in result.flags if f),
            tuple(flag_counts(result.flags).items()),
            tuple(scores),
        )

    def score(self, key: str) -> float | None:
        return dict(self.scores).get(key)

    def to_json(self) -> dict[str, Any]:
        if self.status != "ok":
            return {"id": self.id, "status": self.status, "error": self.error}
        return {
            "id": self.id,
            "status": self.status,
            "sentences": self.sentences,
            "flagged": self.flagged,
            "flags": dict(self.flags),
            **dict(self.scores),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StorySummary:
        if data["status"] != "ok":
            return cls(str(data["id"]), str(data["status"]), error=str(data.get("error", "")))
        fixed = {"id", "status", "sentences", "flagged", "flags"}
        scores = tuple((k, float(v)) for k, v in data.items() if k not in fixed)
        flags = tuple((str(k), int(v)) for k, v in data["flags"].items())
        return cls(str(data["id"]), "ok", int(data["sentences"]), int(data["flagged"]), flags, scores)

    def tsv_row(self) -> str:
        values = {**self.to_json()}
        return "\t".join(str(values.get(c, "")) for c in self.COLUMNS)


# ----------------------------------------------------------------------------------------------- evaluations


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
