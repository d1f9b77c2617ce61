"""Where to look in a run: the estimated ``risk`` of every bead and the probability that each MT word needs an edit
(``Quality``), as ``aligner.quality`` estimates them and ``result.json`` stores them.

Conventions: ``risk[k]`` is bead ``k``'s estimated share of MT words a post-editor changes (0–1; a bead with no MT,
reference content the MT lacks, is 1). ``words[i]`` holds MT sentence ``i``'s words (0-based sentence id = source
id) as character spans ``[start, end)`` of its text with the probability that the word needs an edit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class WordRisk:
    """One MT word: its characters ``text[start:end]`` and the probability that a post-editor changes it."""

    start: int
    end: int
    p: float

    def to_json(self) -> list[float]:
        return [self.start, self.end, self.p]

    @classmethod
    def from_json(cls, data: Sequence[Any]) -> WordRisk:
        return cls(int(data[0]), int(data[1]), float(data[2]))


@dataclass(frozen=True)
class Quality:
    """The risk estimate of a run. ``model``: the fitted model's short id; ``signals``: what it was computed from
    (``source``, ``reference``, ``second-opinion``, ``glass-box``); ``threshold``: the word probability from which a
    word counts as needing an edit (chosen by cross-validation when the model was fitted); ``second_opinion``: the
    other system whose MT was compared (its name and revision; "" without one); ``glassbox``: per bead, the model's
    own signals when they were computed (mean and lowest token log-probability, n-best agreement), else empty."""

    risk: tuple[float, ...]
    words: tuple[tuple[WordRisk, ...], ...]
    model: str
    signals: tuple[str, ...]
    threshold: float
    second_opinion: str = ""
    glassbox: tuple[tuple[tuple[str, float], ...], ...] = ()

    def bead_spans(self, left: Sequence[int], mt: Sequence[str]) -> tuple[tuple[int, int, float], ...]:
        """The word probabilities of a bead's MT sentences ``left``, as ``(start, end, p)`` spans of their texts
        ``mt[i]`` joined by single spaces (the bead's MT as ``BeadTexts`` gives it)."""
        out: list[tuple[int, int, float]] = []
        offset = 0
        for i in left:
            out += [(offset + w.start, offset + w.end, w.p) for w in self.words[i]]
            offset += len(mt[i]) + 1
        return tuple(out)

    def to_json(self) -> dict[str, Any]:
        """The run-level part of ``result.json``'s ``quality`` (risks go on the beads, words on the MT records)."""
        return {
            "model": self.model,
            "signals": list(self.signals),
            "threshold": self.threshold,
            "second_opinion": self.second_opinion,
        }

    @classmethod
    def from_json(
        cls, data: Mapping[str, Any], beads: Sequence[Mapping[str, Any]], mt: Sequence[Mapping[str, Any]]
    ) -> Quality:
        return cls(
            risk=tuple(float(b["risk"]) for b in beads),
            words=tuple(tuple(WordRisk.from_json(w) for w in m.get("words", ())) for m in mt),
            model=str(data["model"]),
            signals=tuple(str(s) for s in data["signals"]),
            threshold=float(data["threshold"]),
            second_opinion=str(data.get("second_opinion", "")),
            glassbox=tuple(tuple((str(k), float(v)) for k, v in b.get("glassbox", {}).items()) for b in beads)
            if any("glassbox" in b for b in beads)
            else (),
        )
