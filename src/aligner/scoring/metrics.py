"""Scoring MT against reference English with sacreBLEU, at document, paragraph and bead level.

Every score keeps sacreBLEU's signature; ``aligner.signature.score_signature`` appends the run's own (model,
revision, engine, beam, aligner settings, package version) so that a number says how it was made.

Unaligned sentences count against the MT: a bead with no reference side is scored as the MT
against an empty reference (extra words lower precision), and a bead with no MT side as an empty
hypothesis against its reference (missing words lower recall and BLEU's brevity penalty).

Why statistics are summed here rather than by ``corpus_score``
-------------------------------------------------------------
A story is scored as a corpus several times over: all its beads, each paragraph's beads, each length
bucket's beads, and every bead on its own. sacreBLEU's public API (``corpus_score``/``sentence_score``)
tokenises and counts every segment anew on each call, and has no way to score groups of one corpus. Its
BLEU, chrF and TER are sums over segments, though: a corpus score is computed from the element-wise sum of
per-segment statistics (this is how its own bootstrap and paired tests resample, in
``sacrebleu/significance.py``). So each metric's statistics are extracted once per segment and every group
is scored from its segments' statistics, through the same sacreBLEU code that ``corpus_score`` runs.
Extraction itself is the other cost: chrF's n-gram counts are made with numpy, and TER's edit distance is a
faster port of sacreBLEU's (TER alone took a third of the time once the rest was summed). The sacreBLEU (2.x)
internals relied on, each pinned by ``tests/test_metrics_speed.py`` (which compares every statistic and
score with sacreBLEU's own on real MT):

- ``Metric._extract_corpus_statistics(hyps, [refs])``: one statistics list per segment (what ``corpus_score``
  computes before aggregating); used as is for BLEU;
- ``Metric._aggregate_and_compute(stats)``: the score of the summed statistics (what ``corpus_score`` returns;
  with a single segment, what ``sentence_score`` returns, so sentence BLEU with effective order is that of
  a ``BLEU(effective_order=True)`` on the bead's statistics);
- chrF's statistics layout (``[hyp, ref, match]`` per character order 1-6, then per word order for chrF++),
  ``CHRF._preprocess_segment`` and ``CHRF._remove_punctuation``: the counts are reproduced in
  ``aligner.scoring.statistics``, and chrF is read off chrF++'s first ``3 * char_order`` numbers (one reference per
  segment: no best-reference choice that could differ between the two);
- ``TER._cache_references`` and ``TER._preprocess_segment`` (tokenisation) and ``sacrebleu.metrics.lib_ter``
  (its constants, ``_perform_shift``, ``_flip_trace``, ``trace_to_alignment``): ``aligner.scoring.statistics``
  ports its algorithm with the same beam, row cache and tie-breaking.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Any

from ..alignment.beads import Alignment
from ..results import BeadScore, BeadTexts, Bucket, DocumentScores, MetricScore, ParagraphScore, Scores, rounded
from .statistics import Stats as _Stats
from .statistics import chrf_statistics as _chrf_statistics
from .statistics import ter_statistics as _ter_statistics


@dataclass(frozen=True)
class _Metrics:
    """sacreBLEU metric objects with the settings of the sacrebleu CLI, and their signatures (one reference)."""

    bleu: Any
    chrf: Any
    chrfpp: Any
    ter: Any
    signatures: dict[str, str]


@lru_cache(maxsize=2)
def _metrics(lowercase: bool) -> _Metrics:
    from sacrebleu.metrics.bleu import BLEU
    from sacrebleu.metrics.chrf import CHRF
    from sacrebleu.metrics.ter import TER

    makers: dict[str, Any] = {
        "bleu": lambda: BLEU(lowercase=lowercase),
        "chrf": lambda: CHRF(lowercase=lowercase),
        "chrfpp": lambda: CHRF(word_order=2, lowercase=lowercase),
        "ter": lambda: TER(),  # case-insensitive by default, as in the sacrebleu CLI
    }
    signatures = {}
    for key, make in makers.items():
        # sacreBLEU learns the number of references (part of the signature) when it reads them
        probe = make()
        probe.corpus_score(["a"], [["a"]])
        signatures[key] = str(probe.get_signature())
    return _Metrics(makers["bleu"](), makers["chrf"](), makers["chrfpp"](), makers["ter"](), signatures)


def release_caches() -> None:
    """Empty sacreBLEU's tokeniser caches: each tokeniser class keeps an ``lru_cache`` of its last 65,536
    lines (13a, its regexp post-tokeniser, TER's), about 100 MB once full. A batch calls this after every
    story, so that its memory does not grow with the number of stories (it never sees those lines again)."""
    from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a
    from sacrebleu.tokenizers.tokenizer_re import TokenizerRegexp
    from sacrebleu.tokenizers.tokenizer_ter import TercomTokenizer

    for tokenizer in (Tokenizer13a, TokenizerRegexp, TercomTokenizer):
        clear = getattr(tokenizer.__call__, "cache_clear", None)
        if clear is not None:  # a sacreBLEU without these caches has nothing to release
            clear()


@dataclass(frozen=True)
class _SegmentStatistics:
    """sacreBLEU's statistics of each segment of a corpus, extracted once; ``scores`` scores any group of them.

    Layouts (sacreBLEU's): BLEU ``[hyp_len, ref_len, correct_1..4, total_1..4]``; chrF ``[hyp, ref, match]``
    per character order 1-6, chrF++ the same followed by word orders 1-2; TER ``[edits, reference length]``.
    """

    metrics: _Metrics
    bleu: _Stats
    chrf: _Stats
    chrfpp: _Stats | None
    ter: _Stats | None

    @classmethod
    def extract(
        cls, hyps: Sequence[str], refs: Sequence[str], *, chrfpp: bool, ter: bool, lowercase: bool = False
    ) -> _SegmentStatistics:
        metrics = _metrics(lowercase)
        hyps, references = list(hyps), [list(refs)]
        bleu = metrics.bleu._extract_corpus_statistics(hyps, references)
        if chrfpp:
            plus = _chrf_statistics(metrics.chrfpp, hyps, refs)
            chars = 3 * metrics.chrf.char_order
            chrf = [s[:chars] for s in plus]
        else:
            plus = None
            chrf = _chrf_statistics(metrics.chrf, hyps, refs)
        return cls(metrics, bleu, chrf, plus, _ter_statistics(metrics.ter, hyps, refs) if ter else None)

    def score(self, key: str, segments: Iterable[int]) -> Any:
        """sacreBLEU's ``Score`` (unrounded) of metric ``key`` over ``segments`` (0-based ids, in order): what
        ``corpus_score`` returns for those lines."""
        stats: _Stats | None = getattr(self, key)
        if stats is None:
            raise ValueError(f"{key} statistics were not extracted")
        return getattr(self.metrics, key)._aggregate_and_compute([stats[k] for k in segments])

    def scores(self, segments: Sequence[int], *, chrfpp: bool, ter: bool) -> Scores:
        """Corpus scores of ``segments``, rounded, with sacreBLEU's signatures."""

        def metric(key: str) -> MetricScore:
            s = self.score(key, segments)
            return MetricScore(s.name, rounded(s.score), self.metrics.signatures[key])

        return Scores(
            bleu=metric("bleu"),
            chrf=metric("chrf"),
            ter=metric("ter") if ter else None,
            chrfpp=metric("chrfpp") if chrfpp else None,
        )

    def sentence_score(self, k: int) -> BeadScore:
        """``sentence_scores`` of segment ``k`` (statistics extracted case-sensitively), from its statistics."""
        bleu, chrf = _sentence_metrics()
        return BeadScore(
            rounded(bleu._aggregate_and_compute([self.bleu[k]]).score),
            rounded(chrf._aggregate_and_compute([self.chrf[k]]).score),
        )


def corpus_scores(
    hyps: Sequence[str], refs: Sequence[str], *, ter: bool = True, chrfpp: bool = True, lowercase: bool = False
) -> Scores:
    """Corpus BLEU, chrF, chrF++ (and TER) of line-parallel hypotheses and references, as the sacrebleu CLI
    computes them (``lowercase``: its ``-lc``)."""
    if len(hyps) != len(refs):
        raise ValueError(f"{len(hyps)} hypotheses but {len(refs)} references")
    metrics = _metrics(lowercase)
    metrics.bleu._check_corpus_score_args(list(hyps), [list(refs)])  # sacreBLEU's own errors for bad input
    stats = _SegmentStatistics.extract(hyps, refs, chrfpp=chrfpp, ter=ter, lowercase=lowercase)
    return stats.scores(range(len(hyps)), chrfpp=chrfpp, ter=ter)


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
    hyps, refs = [h for h, _ in pairs], [r for _, r in pairs]
    stats = _SegmentStatistics.extract(hyps, refs, chrfpp=False, ter=False) if pairs else None
    return _length_buckets(refs, stats, edges)


def _length_buckets(
    refs: Sequence[str], stats: _SegmentStatistics | None, edges: Sequence[int] = LENGTH_EDGES
) -> tuple[Bucket, ...]:
    labels = ["0"] + [f"{lo}-{hi - 1}" for lo, hi in pairwise(edges)] + [f"{edges[-1]}+"]
    groups: list[list[int]] = [[] for _ in labels]
    for k, ref in enumerate(refs):
        n = len(ref.split())
        slot = 0 if n == 0 else 1 + sum(1 for e in edges[1:] if n >= e)
        groups[slot].append(k)
    return tuple(
        Bucket(label, tuple(ks), stats.scores(ks, chrfpp=False, ter=False) if ks and stats else None)
        for label, ks in zip(labels, groups)
    )


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
    hyps = [t.mt for t in texts]
    refs = [t.reference or "" for t in texts]
    # TER of a whole story as one segment costs tens of seconds (shift search); it is given per bead.
    document = corpus_scores([" ".join(t for t in mt if t)], [" ".join(t for t in reference if t)], ter=False)
    stats = _SegmentStatistics.extract(hyps, refs, chrfpp=True, ter=True)
    beads = stats.scores(range(len(texts)), chrfpp=True, ter=True)
    per_bead = tuple(
        BeadScore(100.0, 100.0) if not h and not r else stats.sentence_score(k)
        for k, (h, r) in enumerate(zip(hyps, refs))
    )
    groups: dict[int, list[int]] = {}
    current = paragraph_of[0] if paragraph_of else 0
    for k, bead in enumerate(alignment.beads):
        if bead.left:
            current = paragraph_of[bead.left[0]]
        groups.setdefault(current, []).append(k)
    per_paragraph = tuple(
        ParagraphScore(p, tuple(ks), stats.scores(ks, chrfpp=True, ter=False)) for p, ks in sorted(groups.items())
    )
    return DocumentScores(document, beads, per_bead, per_paragraph, _length_buckets(refs, stats), worst(per_bead))


def edit_scores_of(pairs: Sequence[tuple[str, str]]) -> list[tuple[float, float]]:
    """``edit_scores`` of each (hypothesis, reference) pair, the statistics extracted in one pass (numpy's per-call
    cost is paid once for all pairs: a review summary scores every bead saved since it was last made)."""
    out: list[tuple[float, float] | None] = [
        (0.0, 100.0) if not h.strip() and not r.strip() else None for h, r in pairs
    ]
    todo = [k for k, v in enumerate(out) if v is None]
    if todo:
        stats = _SegmentStatistics.extract(
            [pairs[k][0] for k in todo], [pairs[k][1] for k in todo], chrfpp=False, ter=True
        )
        for i, k in enumerate(todo):
            out[k] = (rounded(stats.score("ter", [i]).score), rounded(stats.score("chrf", [i]).score))
    return [v for v in out if v is not None]


def pair_chrf(hyps: Sequence[str], refs: Sequence[str], *, lowercase: bool = False) -> list[float]:
    """chrF (0–100, unrounded) of each hypothesis against its reference, equal to sacreBLEU's
    ``CHRF(lowercase=lowercase).sentence_score`` of each pair, from one extraction of all pairs' statistics."""
    if len(hyps) != len(refs):
        raise ValueError(f"{len(hyps)} hypotheses but {len(refs)} references")
    metric = _metrics(lowercase).chrf
    return [float(metric._aggregate_and_compute([s]).score) for s in _chrf_statistics(metric, hyps, refs)]


def edit_scores(hyp: str, ref: str) -> tuple[float, float]:
    """(TER, chrF) of one hypothesis against one reference (HTER when ``ref`` is a post-edit of ``hyp``), equal to
    sacreBLEU's ``TER().sentence_score`` and ``CHRF().sentence_score`` (pinned in tests/test_review_store.py) but
    from this package's port of their statistics, about 5× faster. Two empty texts: (0, 100), nothing to change."""
    if not hyp.strip() and not ref.strip():
        return 0.0, 100.0
    stats = _SegmentStatistics.extract([hyp], [ref], chrfpp=False, ter=True)
    return rounded(stats.score("ter", [0]).score), rounded(stats.score("chrf", [0]).score)
