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
  ``_chrf_statistics``, and chrF is read off chrF++'s first ``3 * char_order`` numbers (one reference per
  segment: no best-reference choice that could differ between the two);
- ``TER._cache_references`` and ``TER._preprocess_segment`` (tokenisation) and ``sacrebleu.metrics.lib_ter``
  (its constants, ``_perform_shift``, ``_flip_trace``, ``trace_to_alignment``): ``_translation_edit_rate``
  is its algorithm with the same beam, row cache and tie-breaking.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Any

from ..alignment.beads import Alignment
from ..results import BeadScore, BeadTexts, Bucket, DocumentScores, MetricScore, ParagraphScore, Scores, rounded

_Stats = list[list[Any]]  # one sacreBLEU statistics list per segment (ints; TER's reference length is a float)


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


# --- chrF: sacreBLEU's statistics, counted with numpy ---------------------------------------------------------------
#
# chrF's statistics of a segment are, per order n, [hypothesis n-grams (0 if the reference has none), reference
# n-grams, matches], matches being the clipped count sum over n-grams of min(hypothesis count, reference count);
# character n-grams come from the text without whitespace, word n-grams (chrF++) from ``CHRF._remove_punctuation``.
# sacreBLEU builds a Counter per segment and order; here every n-gram of every segment becomes one integer (segment
# id and n-gram in base ``alphabet``) and the counting is done by sorting. Exactly the same integers: the tests
# compare them with sacreBLEU's on real MT and on hostile text. When the integers would not fit in 63 bits (an
# alphabet of thousands of characters), sacreBLEU counts.


def _chrf_statistics(metric: Any, hyps: Sequence[str], refs: Sequence[str]) -> _Stats:
    """``metric._extract_corpus_statistics(hyps, [refs])`` of a sacreBLEU ``CHRF`` (one reference per segment)."""
    import numpy as np

    if not hyps:
        return []
    hyp_texts = [metric._preprocess_segment(h) for h in hyps]
    ref_texts = [metric._preprocess_segment(r) for r in refs]

    def chars(text: str) -> str:
        return text if metric.whitespace else "".join(text.split())

    hyp_chars, ref_chars = [chars(t) for t in hyp_texts], [chars(t) for t in ref_texts]
    codes = np.frombuffer(("".join(hyp_chars) + "".join(ref_chars)).encode("utf-32-le", "surrogatepass"), "<u4")
    alphabet, ids = np.unique(codes, return_inverse=True)
    n_hyp_chars = sum(map(len, hyp_chars))
    counts = _ngram_statistics(
        ids[:n_hyp_chars] + 1,
        [len(t) for t in hyp_chars],
        ids[n_hyp_chars:] + 1,
        [len(t) for t in ref_chars],
        len(alphabet) + 1,
        metric.char_order,
    )
    if counts is None:
        return list(metric._extract_corpus_statistics(list(hyps), [list(refs)]))
    if metric.word_order > 0:
        vocabulary: dict[str, int] = {}
        hyp_words = [metric._remove_punctuation(t) for t in hyp_texts]
        ref_words = [metric._remove_punctuation(t) for t in ref_texts]

        def word_ids(words: list[list[str]]) -> Any:
            return np.array([vocabulary.setdefault(w, len(vocabulary) + 1) for ws in words for w in ws], np.int64)

        hyp_ids, ref_ids = word_ids(hyp_words), word_ids(ref_words)
        words = _ngram_statistics(
            hyp_ids,
            [len(ws) for ws in hyp_words],
            ref_ids,
            [len(ws) for ws in ref_words],
            len(vocabulary) + 1,
            metric.word_order,
        )
        if words is None:
            return list(metric._extract_corpus_statistics(list(hyps), [list(refs)]))
        counts = np.concatenate([counts, words], axis=1)
    stats: _Stats = counts.reshape(len(hyp_texts), -1).tolist()
    return stats


def _ngram_statistics(
    hyp_ids: Any, hyp_lengths: list[int], ref_ids: Any, ref_lengths: list[int], alphabet: int, order: int
) -> Any:
    """[hypothesis n-grams (0 if the reference has none), reference n-grams, matches] per segment and order 1 …
    ``order``, an int64 array of shape (segments, order, 3); None if the n-gram keys would overflow.

    ``*_ids``: the units (characters or words) of all segments one after the other, as ids in 1 … ``alphabet``-1;
    ``*_lengths``: units per segment.
    """
    import numpy as np

    segments = len(hyp_lengths)
    per_call = (2**63 - 1) // alphabet**order  # segments whose keys fit in an int64
    if per_call < 1:
        return None
    if segments > per_call:
        hyp_at, ref_at = [0, *np.cumsum(hyp_lengths).tolist()], [0, *np.cumsum(ref_lengths).tolist()]
        parts = [
            _ngram_statistics(
                hyp_ids[hyp_at[start] : hyp_at[stop]],
                hyp_lengths[start:stop],
                ref_ids[ref_at[start] : ref_at[stop]],
                ref_lengths[start:stop],
                alphabet,
                order,
            )
            for start, stop in ((a, min(a + per_call, segments)) for a in range(0, segments, per_call))
        ]
        return np.concatenate(parts)
    out = np.zeros((segments, order, 3), np.int64)
    hyp_len, ref_len = np.array(hyp_lengths, np.int64), np.array(ref_lengths, np.int64)
    sides = []
    for ids, lengths in ((hyp_ids, hyp_len), (ref_ids, ref_len)):
        ids = np.asarray(ids, np.int64)
        segment_of = np.repeat(np.arange(segments, dtype=np.int64), lengths)
        end_of = np.repeat(np.cumsum(lengths), lengths)  # the end (exclusive) of each unit's segment
        keys, per_order = ids, []
        for n in range(1, order + 1):
            if n > 1:
                keys = keys[:-1] * alphabet + ids[n - 1 :]  # the n units starting at each position, in base alphabet
            inside = np.arange(len(keys)) + n <= end_of[: len(keys)]
            per_order.append(segment_of[: len(keys)][inside] * alphabet**n + keys[inside])
        sides.append(per_order)
    for n in range(1, order + 1):
        hyp_keys, hyp_counts = np.unique(sides[0][n - 1], return_counts=True)
        ref_keys, ref_counts = np.unique(sides[1][n - 1], return_counts=True)
        common, at_hyp, at_ref = np.intersect1d(hyp_keys, ref_keys, assume_unique=True, return_indices=True)
        matches = np.zeros(segments, np.int64)
        np.add.at(matches, common // alphabet**n, np.minimum(hyp_counts[at_hyp], ref_counts[at_ref]))
        hyp_total, ref_total = np.maximum(hyp_len - n + 1, 0), np.maximum(ref_len - n + 1, 0)
        out[:, n - 1, 0] = np.where(ref_total > 0, hyp_total, 0)
        out[:, n - 1, 1] = ref_total
        out[:, n - 1, 2] = matches
    return out


# --- TER: sacreBLEU's edit distance (sacrebleu.metrics.lib_ter, 2.x), ported for speed ---------------------------
#
# Same algorithm step for step: the shift search (Tercom's candidate ranking, at most _MAX_SHIFT_CANDIDATES), the
# beam around the length-scaled diagonal, the cache of matrix rows by hypothesis prefix and the tie-breaking of
# edit operations (no-op or substitution, then deletion, then insertion, each only if strictly cheaper). What
# differs is bookkeeping: a row is a list of costs beside a list of operations instead of a list of (cost, op)
# tuples, the trace is only read back when the search needs it (not for every shift candidate), and candidates
# are found from an index of reference word positions instead of by trying every (hypothesis, reference) position
# pair. The tests compare every segment's statistics with sacreBLEU's on real MT and on generated near-misses.


def _lib_ter() -> Any:
    from sacrebleu.metrics import lib_ter  # imported when TER is first computed, as sacreBLEU itself does

    return lib_ter


def _ter_statistics(ter: Any, hyps: Sequence[str], refs: Sequence[str]) -> _Stats:
    """``ter._extract_corpus_statistics(hyps, [refs])`` (``TER._compute_segment_statistics`` per segment), with the
    edit distance below."""
    stats: _Stats = []
    for hyp, ref_info in zip(hyps, ter._cache_references([list(refs)])):
        words_hyp = ter._preprocess_segment(hyp).split()
        ref_words: list[list[str]] = ref_info["ref_words"]
        best, ref_lengths = None, 0
        for words_ref in ref_words:
            edits, ref_len = _translation_edit_rate(words_hyp, words_ref)
            ref_lengths += ref_len
            best = edits if best is None else min(best, edits)
        stats.append([best, ref_lengths / len(ref_words)])
    return stats


def _translation_edit_rate(words_hyp: list[str], words_ref: list[str]) -> tuple[int, int]:
    """(number of edits, reference length): ``lib_ter.translation_edit_rate``."""
    lib_ter = _lib_ter()
    if not words_ref:
        return len(words_hyp), 0
    distance = _BeamEditDistance(words_ref)
    positions: dict[str, list[int]] = {}
    for j, word in enumerate(words_ref):
        positions.setdefault(word, []).append(j)
    shifts, checked = 0, 0
    words = words_hyp
    while True:
        delta, shifted, checked = _shift(words, words_ref, positions, distance, checked)
        if checked >= lib_ter._MAX_SHIFT_CANDIDATES or delta <= 0:
            break
        shifts += 1
        words = shifted
    return shifts + distance.distance(words), len(words_ref)


def _shift(
    words_h: list[str],
    words_r: list[str],
    positions: dict[str, list[int]],
    distance: _BeamEditDistance,
    checked: int,
) -> tuple[int, list[str], int]:
    """``lib_ter._shift``: the shift that lowers the edit distance most, as (gain, shifted words, candidates
    checked so far)."""
    lib_ter = _lib_ter()
    pre_score, inverse_trace = distance.with_trace(words_h)
    align, ref_err, hyp_err = lib_ter.trace_to_alignment(lib_ter._flip_trace(inverse_trace))
    best: tuple[int, int, int, int, list[str]] | None = None
    for start_h, start_r, length in _shifted_pairs(words_h, words_r, positions):
        if sum(hyp_err[start_h : start_h + length]) == 0 or sum(ref_err[start_r : start_r + length]) == 0:
            continue
        if start_h <= align[start_r] < start_h + length:
            continue
        prev_idx = -1
        for offset in range(-1, length):
            if start_r + offset == -1:
                idx = 0
            elif start_r + offset in align:
                idx = align[start_r + offset] + 1
            else:
                break
            if idx == prev_idx:
                continue
            prev_idx = idx
            shifted = lib_ter._perform_shift(words_h, start_h, length, idx)
            # Tercom's ranking: largest gain, then longest, earliest match, earliest target
            candidate = (pre_score - distance.distance(shifted), length, -start_h, -idx, shifted)
            checked += 1
            if not best or candidate > best:
                best = candidate
        if checked >= lib_ter._MAX_SHIFT_CANDIDATES:
            break
    if not best:
        return 0, words_h, checked
    return best[0], best[4], checked


def _shifted_pairs(
    words_h: list[str], words_r: list[str], positions: dict[str, list[int]]
) -> Iterator[tuple[int, int, int]]:
    """``lib_ter._find_shifted_pairs``: (h_start, r_start, length) of equal runs, in its order. It tries every
    position pair; only pairs whose first words are equal yield anything, so those are looked up instead."""
    lib_ter = _lib_ter()
    max_dist, max_size = lib_ter._MAX_SHIFT_DIST, lib_ter._MAX_SHIFT_SIZE
    n_h, n_r = len(words_h), len(words_r)
    for start_h in range(n_h):
        for start_r in positions.get(words_h[start_h], ()):
            if abs(start_r - start_h) > max_dist:
                continue
            length = 0
            while words_h[start_h + length] == words_r[start_r + length] and length < max_size:
                length += 1
                yield start_h, start_r, length
                if n_h == start_h + length or n_r == start_r + length:
                    break


_Row = tuple[list[int], list[str]]  # costs and operations of one row of the edit-distance matrix


class _BeamEditDistance:
    """``lib_ter.BeamEditDistance``: edit distance to a fixed reference, with a beam, a row cache and the trace.

    Row ``i`` of the matrix is the hypothesis prefix of ``i`` words against every reference prefix (``j`` = 0
    … ``len(reference)``); rows are cached in a trie keyed by hypothesis words. All hypotheses given to one
    instance have the same length (they are shifts of one another), as in sacreBLEU: the beam depends on it.
    """

    def __init__(self, words_ref: list[str]) -> None:
        lib_ter = self._lib = _lib_ter()
        self._ref = words_ref
        n_r = len(words_ref)
        self._initial: _Row = ([j * lib_ter._COST_INS for j in range(n_r + 1)], [lib_ter._OP_INS] * (n_r + 1))
        self._cache: dict[str, tuple[dict[str, Any], _Row]] = {}
        self._cache_size = 0

    def distance(self, words_hyp: list[str]) -> int:
        return self._rows(words_hyp)[-1][0][-1]

    def with_trace(self, words_hyp: list[str]) -> tuple[int, str]:
        """(edit distance, trace of the operations, one per cell from (0, 0) to the last)."""
        rows = self._rows(words_hyp)
        lib = self._lib
        trace: list[str] = []
        i, j = len(words_hyp), len(self._ref)
        while i > 0 or j > 0:
            op = rows[i][1][j]
            trace.append(op)
            if op == lib._OP_SUB or op == lib._OP_NOP:
                i, j = i - 1, j - 1
            elif op == lib._OP_INS:
                j -= 1
            elif op == lib._OP_DEL:
                i -= 1
            else:
                raise RuntimeError(f"TER edit distance: unknown operation {op!r}")
        return rows[-1][0][-1], "".join(reversed(trace))

    def _rows(self, words_hyp: list[str]) -> list[_Row]:
        """Every row of the matrix for ``words_hyp``: the cached ones, then the rest, which are cached in turn."""
        node = self._cache
        rows = [self._initial]
        for word in words_hyp:
            if word not in node:
                break
            node, row = node[word]
            rows.append(row)
        cached = len(rows)
        self._extend(words_hyp, rows)
        if self._cache_size < self._lib._MAX_CACHE_SIZE:
            node = self._cache
            for word in words_hyp[: cached - 1]:
                node = node[word][0]
            for word, row in zip(words_hyp[cached - 1 :], rows[cached:]):
                if word not in node:
                    node[word] = ({}, row)
                    self._cache_size += 1
                node = node[word][0]
        return rows

    def _extend(self, words_h: list[str], rows: list[_Row]) -> None:
        """Appends the rows after the cached ones (``rows``: row 0 first) up to the whole hypothesis."""
        lib = self._lib
        infinity, cost_sub, cost_del, cost_ins = lib._INT_INFINITY, lib._COST_SUB, lib._COST_DEL, lib._COST_INS
        op_nop, op_sub, op_ins, op_del, op_undef = lib._OP_NOP, lib._OP_SUB, lib._OP_INS, lib._OP_DEL, lib._OP_UNDEF
        ref, n_r, n_h = self._ref, len(self._ref), len(words_h)
        length_ratio = n_r / n_h if words_h else 1
        beam = math.ceil(length_ratio / 2 + lib._BEAM_WIDTH) if lib._BEAM_WIDTH < length_ratio / 2 else lib._BEAM_WIDTH
        prev = rows[-1][0]
        for i in range(len(rows), n_h + 1):
            diagonal = math.floor(i * length_ratio)
            lo = max(0, diagonal - beam)
            hi = n_r + 1 if i == n_h else min(n_r + 1, diagonal + beam)
            # cells outside the beam stay at infinity, undefined (sacreBLEU's empty row)
            costs = [infinity] * lo
            ops = [op_undef] * lo
            if lo == 0:
                costs.append(prev[0] + cost_del)
                ops.append(op_del)
                lo = 1
            left = costs[lo - 1]
            word = words_h[i - 1]
            for ref_word, diag, up in zip(ref[lo - 1 : hi - 1], prev[lo - 1 : hi - 1], prev[lo:hi]):
                # sacreBLEU starts a cell at infinity and takes no-op/substitution, deletion, insertion in turn,
                # each only if strictly cheaper
                if word == ref_word:
                    cost, op = diag, op_nop
                else:
                    cost, op = diag + cost_sub, op_sub
                if cost >= infinity:
                    cost, op = infinity, op_undef
                if up + cost_del < cost:
                    cost, op = up + cost_del, op_del
                if left + cost_ins < cost:
                    cost, op = left + cost_ins, op_ins
                costs.append(cost)
                ops.append(op)
                left = cost
            costs += [infinity] * (n_r + 1 - len(costs))
            ops += [op_undef] * (n_r + 1 - len(ops))
            rows.append((costs, ops))
            prev = costs
