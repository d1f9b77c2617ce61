"""Glass-box signals: what the MT model itself thinks of its translations (Fomicheva et al. 2020, "Unsupervised
Quality Estimation for Neural Machine Translation"): the log-probability of each token of a translation given its
source (CTranslate2's ``Translator.score_batch``, a forward pass with transformers), and how much its n-best
hypotheses agree with one another.

``GlassBox`` is what a translator offers when it can: the Marian front end (``aligner.translation.frontend``) does,
existing translations cannot. The risk model shipped with the package was fitted without these signals (the model
behind LIG's MT is not at hand, and the real opus-mt weights cannot be fetched where it was fitted), so a run
records them per bead but its risk does not depend on them until a model is fitted with them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from .features import GlassBoxSentence


@runtime_checkable
class GlassBox(Protocol):
    """A translator that can score translations of its sources and list its n-best hypotheses."""

    def score(self, sources: Sequence[str], targets: Sequence[str]) -> list[list[float]]:
        """Per pair, the log-probability of each target token (end of sentence included) given the source."""
        ...

    def nbest(self, sources: Sequence[str], n: int) -> list[list[str]]:
        """Per source, its ``n`` best translations, best first."""
        ...


def glassbox_signals(
    model: GlassBox, sources: Sequence[str], targets: Sequence[str], *, nbest: int = 4
) -> list[GlassBoxSentence]:
    """The glass-box signals of each (source, translation) pair: token log-probabilities and the other n-best
    hypotheses (``nbest`` ≤ 1: none)."""
    logprobs = model.score(sources, targets)
    alternatives = model.nbest(sources, nbest) if nbest > 1 else [[] for _ in sources]
    return [
        GlassBoxSentence(tuple(float(v) for v in lp), tuple(h for h in hyps if h != target))
        for lp, hyps, target in zip(logprobs, alternatives, targets)
    ]
