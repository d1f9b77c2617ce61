"""Where to look: the estimated ``risk`` of every bead (the share of its MT words a post-editor would change) and,
per MT word, the probability that it needs an edit, from every signal a run has, combined by a model fitted on
real post-edits (``eval/quality/fit.py``, LIG lines 1–8,681; measured on the held-out lines in
``eval/quality/results.md``).

A stage after QA: ``RiskEstimator.assess(result, ...)`` reads a finished ``RunResult`` (source, MT, reference,
alignment, flags) plus, when given, another system's MT of the same sentences (``second``) and the MT model's own
signals (``glassbox``), and returns a ``Quality``. It changes nothing else in the run. Pure apart from loading the
fitted model, the lexical table and the English trigram model once (``RiskEstimator.load``; the trigram model takes
about 0.5 s, once per process).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..results import RunResult
from ..results.quality import Quality, WordRisk
from .features import SIGNALS, GlassBoxSentence, Resources, StoryFeatures, Table, story_features, word_spans
from .fluency import LM_FILE, NgramLM
from .glassbox import GlassBox
from .model import MODEL_FILE, RiskModel, SubModel, Trees

__all__ = [
    "LM_FILE",
    "MODEL_FILE",
    "SIGNALS",
    "GlassBox",
    "GlassBoxSentence",
    "NgramLM",
    "Quality",
    "Resources",
    "RiskEstimator",
    "RiskModel",
    "StoryFeatures",
    "SubModel",
    "Table",
    "Trees",
    "WordRisk",
    "english_lm",
    "english_ranks",
    "resources",
    "story_features",
    "word_spans",
]


@lru_cache(maxsize=1)
def english_ranks() -> dict[str, int]:
    """The package's 5,000 frequent English words (``aligner/data/english-frequent.txt``) by rank, 0 first."""
    from ..files import data_file

    words = data_file("english-frequent.txt").read_text(encoding="utf-8").split()
    return {w: k for k, w in reversed(list(enumerate(words)))}


@lru_cache(maxsize=1)
def english_lm() -> NgramLM:
    """The package's English trigram model (``aligner/data/english-lm.npz``, ``models/build_english_lm.py``)."""
    from ..files import data_file

    return NgramLM.load(data_file(LM_FILE))


def resources(lexicon: str | Path | None = None) -> Resources:
    """What the features read: the project's lexical table (or ``lexicon``; ``$ALIGNER_LEXICON`` is honoured as
    everywhere), the frequent-word ranks and the English trigram model."""
    from ..alignment.bitext import load_lexicon

    return Resources(load_lexicon(lexicon).table, english_ranks(), english_lm())


@dataclass(frozen=True)
class RiskEstimator:
    """A fitted ``RiskModel`` and the resources its features read."""

    model: RiskModel
    resources: Resources

    @classmethod
    def load(cls, model: str | Path | None = None, *, lexicon: str | Path | None = None) -> RiskEstimator:
        """The shipped model (or ``model``) with the resources its features read (``resources``)."""
        return cls(RiskModel.load(model), resources(lexicon))

    def features(
        self,
        result: RunResult,
        *,
        second: Sequence[str] | None = None,
        glassbox: Sequence[GlassBoxSentence | None] | None = None,
    ) -> StoryFeatures:
        return story_features(result, self.resources, second=second, glassbox=glassbox)

    def assess(
        self,
        result: RunResult,
        *,
        second: Sequence[str] | None = None,
        second_name: str = "",
        glassbox: Sequence[GlassBoxSentence | None] | None = None,
    ) -> Quality:
        """The risk of every bead of ``result`` and of every MT word. ``second``: another system's MT of each source
        sentence (``second_name`` says which); ``glassbox``: the MT model's signals per source sentence."""
        feats = self.features(result, second=second, glassbox=glassbox)
        sub = self.model.pick(feats.signals)
        risk = [min(1.0, max(0.0, float(r))) for r in _predict(sub.bead, feats.beads)] if feats.beads.rows else []
        for k, bead in enumerate(result.beads):
            if not bead.left:  # reference content the MT lacks: all of it has to be written
                risk[k] = 1.0
        feats = feats.with_bead_risk(risk)
        probs = [float(p) for p in _predict(sub.word, feats.words)] if feats.words.rows else []
        words: list[list[WordRisk]] = [[] for _ in feats.spans]
        n = 0
        for i, spans in enumerate(feats.spans):
            for start, end in spans:
                words[i].append(WordRisk(start, end, round(probs[n], 3)))
                n += 1
        return Quality(
            risk=tuple(round(r, 4) for r in risk),
            words=tuple(tuple(w) for w in words),
            model=self.model.id,
            signals=tuple(s for s in feats.signals if s in sub.signals or s == "source"),
            threshold=sub.threshold,
            second_opinion=second_name if second is not None else "",
            glassbox=feats.glassbox,
        )


def _predict(trees: Trees, table: Table) -> list[float]:
    import numpy as np

    try:
        columns = [table.names.index(name) for name in trees.features]
    except ValueError as exc:
        raise ValueError(f"the risk model needs a feature the run lacks: {exc}") from None
    rows = np.asarray(table.rows, dtype=float)[:, columns]
    return [float(v) for v in trees.predict(rows)]
