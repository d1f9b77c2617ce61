"""Scoring MT against reference English with sacreBLEU, at document, paragraph and bead level.

Every score keeps sacreBLEU's signature; ``aligner.signature.score_signature`` appends the run's own (model,
revision, engine, beam, aligner settings, package version) so that a number says how it was made.

Unaligned sentences count against the MT: a bead with no reference side is scored as the MT
against an empty reference (extra words lower precision), and a bead with no MT side as an empty
hypothesis against its reference (missing words lower recall and BLEU's brevity penalty).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise
from typing import Any

from ..alignment.beads import Alignment
from ..results import BeadScore, BeadTexts, Bucket, DocumentScores, MetricScore, ParagraphScore, Scores, rounded


def corpus_scores(
    hyps: Sequence[str], refs: Sequence[str], *, ter: bool = True, chrfpp: bool = True, lowercase: bool = False
) -> Scores:
    """Corpus BLEU, chrF, chrF++ (and TER) of line-parallel hypotheses and references, as the sacrebleu CLI
    computes them (``lowercase``: its ``-lc``)."""
    from sacrebleu.metrics.bleu import BLEU
    from sacrebleu.metrics.chrf import CHRF
    from sacrebleu.metrics.ter import TER

    if len(hyps) != len(refs):
        raise ValueError(f"{len(hyps)} hypotheses but {len(refs)} references")
    metrics: dict[str, Any] = {"bleu": BLEU(lowercase=lowercase), "chrf": CHRF(lowercase=lowercase)}
    if chrfpp:
        metrics["chrfpp"] = CHRF(word_order=2, lowercase=lowercase)
    if ter:
        metrics["ter"] = TER()  # case-insensitive by default, as in the sacrebleu CLI
    results = {}
    for key, metric in metrics.items():
        s = metric.corpus_score(list(hyps), [list(refs)])
        results[key] = MetricScore(s.name, rounded(s.score), str(metric.get_signature()))
    return Scores(**results)


def sentence_scores(hyp: str, ref: str) -> BeadScore:
    """Sentence BLEU (effective order, as sacreBLEU recommends for sentences) and chrF of one pair."""
    bleu, chrf = _sentence_metrics()
    if not hyp and not ref:
        return BeadScore(100.0, 100.0)
    return BeadScore(rounded(bleu.sentence_score(hyp, [ref]).score), rounded(chrf.sentence_score(hyp, [ref]).score))


@lru_cache(maxsize=1)
def _sentence_metrics() -> tuple[Any, Any]:
    from sacrebleu.metrics.bleu import BLEU
    from sacrebleu.metrics.chrf import CHRF

    return BLEU(effective_order=True), CHRF()


LENGTH_EDGES = (1, 10, 20, 30, 40)


def length_buckets(pairs: Sequence[tuple[str, str]], edges: Sequence[int] = LENGTH_EDGES) -> tuple[Bucket, ...]:
    """Group (hypothesis, reference) pairs by the reference's word count and score each group.

    The first bucket, "0", holds segments with no reference at all (MT that nothing matches);
    then ``edges[0]``–``edges[1]-1`` words and so on, the last open-ended.
    """
    labels = ["0"] + [f"{lo}-{hi - 1}" for lo, hi in pairwise(edges)] + [f"{edges[-1]}+"]
    groups: list[list[int]] = [[] for _ in labels]
    for k, (_, ref) in enumerate(pairs):
        n = len(ref.split())
        slot = 0 if n == 0 else 1 + sum(1 for e in edges[1:] if n >= e)
        groups[slot].append(k)
    out = []
    for label, ks in zip(labels, groups):
        scores = (
            corpus_scores([pairs[k][0] for k in ks], [pairs[k][1] for k in ks], ter=False, chrfpp=False) if ks else None
        )
        out.append(Bucket(label, tuple(ks), scores))
    return tuple(out)


def worst(per_segment: Sequence[BeadScore], n: int = 10) -> tuple[int, ...]:
    """Ids of the ``n`` segments with the lowest sentence chrF (ties: lower BLEU, then reading order)."""
    order = sorted(range(len(per_segment)), key=lambda k: (per_segment[k].chrf, per_segment[k].bleu, k))
    return tuple(order[:n])


def score_document(
    alignment: Alignment,
    mt: Sequence[str],
    reference: Sequence[str],
    paragraph_of: Sequence[int],
) -> DocumentScores:
    """Score MT sentences against reference sentences through their alignment.

    ``paragraph_of[i]`` is the source paragraph of MT sentence ``i``; a bead belongs to the
    paragraph of its first MT sentence, and a reference-only bead to the paragraph before it.
    """
    texts = [BeadTexts.of(b, mt, mt, reference) for b in alignment.beads]
    pairs = [(t.mt, t.reference or "") for t in texts]
    # TER of a whole story as one segment costs tens of seconds (shift search); it is given per bead.
    document = corpus_scores([" ".join(t for t in mt if t)], [" ".join(t for t in reference if t)], ter=False)
    beads = corpus_scores([h for h, _ in pairs], [r for _, r in pairs])
    per_bead = tuple(sentence_scores(h, r) for h, r in pairs)
    groups: dict[int, list[int]] = {}
    current = paragraph_of[0] if paragraph_of else 0
    for k, bead in enumerate(alignment.beads):
        if bead.left:
            current = paragraph_of[bead.left[0]]
        groups.setdefault(current, []).append(k)
    per_paragraph = tuple(
        ParagraphScore(
            p,
            tuple(ks),
            corpus_scores([pairs[k][0] for k in ks], [pairs[k][1] for k in ks], ter=False),
        )
        for p, ks in sorted(groups.items())
    )
    return DocumentScores(document, beads, per_bead, per_paragraph, length_buckets(pairs), worst(per_bead))
