"""A run of one story (``RunResult``, schema ``aligner.run/3``), what produced it (``Identity``), its QA flags, and
the one place a bead becomes its source / MT / reference texts (``BeadTexts.of``)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from ..alignment.beads import Alignment, Bead
from ..errors import InputError
from ..reading.document import Document, Kind, Paragraph, Sentence
from ..signature import Signature
from ..translation.base import Translation
from .quality import Quality
from .scores import BeadScore, Bucket, DocumentScores, ParagraphScore, Scores

RUN_SCHEMA = "aligner.run/3"
READABLE_SCHEMAS = ("aligner.run/2", RUN_SCHEMA)  # /2 has no identity: such a run is redone by a batch
SEVERITIES = ("error", "warning", "info")


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


def _digest(data: object) -> str:
    return hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Identity:
    """What produced a run, to tell a current run from a stale one: the sha256 of the source document and of the
    reference (their JSON form, so the same story read from a CRLF or a BOM file is the same input; ``""`` without a
    reference), and the translator's settings (its signature, rendered without aligner's version: upgrading aligner
    does not make every finished story stale)."""

    source: str
    reference: str
    settings: str

    @classmethod
    def of(cls, source: Document, reference: Document | None, settings: Signature) -> Identity:
        ref = "" if reference is None else _digest(document_to_json(reference))
        return cls(_digest(document_to_json(source)), ref, replace(settings, version="").render())

    def changes(self, other: Identity | None) -> list[str]:
        """What differs in ``other`` (an earlier run's identity; None for a run made before identities were kept):
        ``input``, ``reference``, ``settings``, or ``made by an earlier aligner``."""
        if other is None:
            return ["made by an earlier aligner"]
        names = (("input", self.source, other.source), ("reference", self.reference, other.reference))
        out = [name for name, mine, theirs in names if mine != theirs]
        return out + (["settings"] if self.settings != other.settings else [])

    @cached_property  # computed once: every save in the review server records it
    def digest(self) -> str:
        """One short hex id of the whole identity (16 hex digits), e.g. to tell runs of one story apart."""
        return _digest([self.source, self.reference, self.settings])[:16]

    def to_json(self) -> dict[str, str]:
        return {"source": self.source, "reference": self.reference, "settings": self.settings}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Identity:
        return cls(str(data["source"]), str(data["reference"]), str(data["settings"]))


@dataclass(frozen=True)
class RunResult:
    """One story translated, aligned with its reference (when there is one), scored and checked.

    ``translations``: one per source sentence. ``alignment``: source (= MT) ids ↔ reference ids, or the
    identity source ↔ MT alignment without a reference. ``scores``: None without a reference. ``flags``:
    QA flags per bead. ``signature``: the settings behind every number. ``identity``: what produced it (None in a
    run read from an ``aligner.run/2`` file). ``quality``: the risk of each bead and word (None when not estimated)."""

    source: Document
    translations: tuple[Translation, ...]
    reference: Document | None
    alignment: Alignment
    scores: DocumentScores | None
    signature: Signature
    flags: tuple[tuple[Flag, ...], ...]
    identity: Identity | None = None
    quality: Quality | None = None

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
        """The ``result.json`` document (schema ``aligner.run/3``, described in the README)."""
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
            if self.quality is not None:
                bead["risk"] = self.quality.risk[k]
                if self.quality.glassbox:
                    bead["glassbox"] = dict(self.quality.glassbox[k])
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
            "identity": self.identity.to_json() if self.identity is not None else None,
            "source": document_to_json(self.source),
            "mt": [
                {
                    "id": i,
                    "text": t.text,
                    "unk": list(t.unk),
                    "chunks": t.chunks,
                    "hit_length_limit": t.hit_length_limit,
                    "origin": t.origin,
                    **({"words": [w.to_json() for w in self.quality.words[i]]} if self.quality is not None else {}),
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
            **({"quality": self.quality.to_json()} if self.quality is not None else {}),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RunResult:
        if data.get("schema") not in READABLE_SCHEMAS:
            raise InputError(f"schema {data.get('schema')!r} is not {RUN_SCHEMA}; rerun `aligner run` to upgrade")
        identity = Identity.from_json(data["identity"]) if data.get("identity") is not None else None
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
            Translation(
                str(m["text"]), tuple(m["unk"]), int(m["chunks"]), bool(m["hit_length_limit"]), str(m["origin"])
            )
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
        source = document_from_json(data["source"])
        quality = Quality.from_json(data["quality"], data["beads"], data["mt"]) if data.get("quality") else None
        return cls(source, translations, reference, alignment, scores, signature, flags, identity, quality)


def alignment_to_json(alignment: Alignment) -> dict[str, Any]:
    """``aligner align --json``: the beads (source ids ↔ reference ids) and the aligner's signature."""
    sig = Signature().with_alignment(alignment.method, alignment.settings, alignment.lexicon)
    beads = [
        {"id": k, "kind": b.kind, "source": list(b.left), "reference": list(b.right), "confidence": b.score}
        for k, b in enumerate(alignment.beads)
    ]
    return {"schema": "aligner.align/1", "signature": sig.render(), "beads": beads}
