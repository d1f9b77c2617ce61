"""A batch's summary line per story (``StorySummary``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .run import RunResult, flag_counts


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
    risk: tuple[tuple[float, int], ...] = ()  # per bead: its risk and its MT words (empty: risk not estimated)

    COLUMNS = ("id", "status", "sentences", "document_bleu", "document_chrf", "beads_bleu", "beads_chrf",
               "flagged", "error")  # fmt: skip

    @classmethod
    def of(cls, result: RunResult) -> StorySummary:
        scores: list[tuple[str, float]] = []
        if result.scores is not None:
            for level, s in (("document", result.scores.document), ("beads", result.scores.beads)):
                scores += [(f"{level}_{key}", m["score"]) for key, m in s.to_json().items()]
        risk: tuple[tuple[float, int], ...] = ()
        if result.quality is not None:
            q = result.quality
            risk = tuple((q.risk[k], sum(len(q.words[i]) for i in b.left)) for k, b in enumerate(result.beads))
        return cls(
            result.source.id,
            "ok",
            len(result.translations),
            sum(1 for f in result.flags if f),
            tuple(flag_counts(result.flags).items()),
            tuple(scores),
            risk=risk,
        )

    @property
    def mean_risk(self) -> float | None:
        """The story's estimated share of MT words to change (bead risks weighted by their words)."""
        words = sum(w for _, w in self.risk)
        return sum(r * w for r, w in self.risk) / words if words else None

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
            **({"risk": [[r, w] for r, w in self.risk]} if self.risk else {}),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StorySummary:
        if data["status"] != "ok":
            return cls(str(data["id"]), str(data["status"]), error=str(data.get("error", "")))
        fixed = {"id", "status", "sentences", "flagged", "flags", "risk"}
        scores = tuple((k, float(v)) for k, v in data.items() if k not in fixed)
        flags = tuple((str(k), int(v)) for k, v in data["flags"].items())
        risk = tuple((float(r), int(w)) for r, w in data.get("risk", ()))
        return cls(str(data["id"]), "ok", int(data["sentences"]), int(data["flagged"]), flags, scores, risk=risk)

    def tsv_row(self) -> str:
        values = {**self.to_json()}
        # an error message may hold tabs or line breaks: they would split the row
        return "\t".join(" ".join(str(values.get(c, "")).split()) for c in self.COLUMNS)
