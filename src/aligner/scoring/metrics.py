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
is scored from its segments' statistics, through the same sacreBLEU code that ``corpus_score`` runs. The
sacreBLEU (2.x) internals relied on, each pinned by ``tests/test_metrics_speed.py``:

- ``Metric._extract_corpus_statistics(hyps, [refs])``: one statistics list per segment (what ``corpus_score``
  computes before aggregating);
- ``Metric._aggregate_and_compute(stats)``: the score of the summed statistics (what ``corpus_score`` returns;
  with a single segment, what ``sentence_score`` returns, so sentence BLEU with effective order is that of
  a ``BLEU(effective_order=True)`` on the bead's statistics);
- chrF++'s statistics are chrF's (``[hyp, ref, match]`` per character order 1-6) followed by its word-order
  triples, so chrF is read off chrF++'s first ``3 * char_order`` numbers (one reference per segment: no
  best-reference choice that could differ between the two);
- ``TER._cache_references`` (reference tokenisation) and ``sacrebleu.metrics.lib_ter`` (its edit-distance
  constants, ``_perform_shift``, ``_flip_trace``, ``trace_to_alignment``): TER's per-segment edit distance is
  sacreBLEU's algorithm, ported below with the same beam, cache and tie-breaking and faster inner loops,
  because TER alone was a third of a batch's scoring time.
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
            plus = metrics.chrfpp._extract_corpus_statistics(hyps, references)
            chars = 3 * metrics.chrf.char_order
            chrf = [s[:chars] for s in plus]
        else:
            plus = None
            chrf = metrics.chrf._extract_corpus_statistics(hyps, references)
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


# --- TER: sacreBLEU's edit distance (sacrebleu.metrics.lib_ter, 2.x), ported for speed ---------------------------
#
# Same algorithm step for step: the shift search (Tercom's candidate ranking), the beam around the length-scaled
# diagonal, the cache of matrix rows by hypothesis prefix and the tie-breaking of edit operations (no-op or
# substitution, then deletion, then insertion; strictly-better only). What differs is bookkeeping: a row is a list
# of costs beside a list of operations instead of (cost, op) tuples, and shift candidates are found from an index
# of reference word positions instead of trying every (hypothesis, reference) position pair. The tests compare
# every segment statistic with sacreBLEU's own on real MT and on generated near-misses.


def _lib_ter() -> Any:
    from sacrebleu.metrics import lib_ter  # imported when TER is first computed, as sacreBLEU itself does

    return lib_ter


def _ter_statistics(ter: Any, hyps: Sequence[str], refs: Sequence[str]) -> _Stats:
    """``ter._extract_corpus_statistics(hyps, [refs])``, with the edit distance below."""
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
    edits = distance.distance(words)
    return shifts + edits, len(words_ref)


def _shift(
    words_h: list[str],
    words_r: list[str],
    positions: dict[str, list[int]],
    distance: _BeamEditDistance,
    checked: int,
) -> tuple[int, list[str], int]:
    """The shift that lowers the edit distance most: (gain, shifted words, candidates checked so far)."""
    lib_ter = _lib_ter()
    pre_score, inverse_trace = distance(words_h)
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
            checked += 1
            # Only a candidate that gains at least 1 and at least the best gain so far (ties: the ranking's other
            # keys) can change what the search does: with no positive gain it stops, whichever candidate ranks
            # first. The distance of any other is not needed, and its computation stops as soon as it is certain.
            needed = max(1, best[0]) if best else 1
            score = distance.at_most(shifted, pre_score - needed)
            if score is None:
                continue
            candidate = (pre_score - score, length, -start_h, -idx, shifted)
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


class _BeamEditDistance:
    """``lib_ter.BeamEditDistance``: edit distance to a fixed reference, with a beam, a row cache and the trace.

    Row ``i`` of the matrix holds the costs of the hypothesis prefix of ``i`` words against every reference prefix
    (``j`` = 0 … ``len(reference)``); rows are cached in a trie keyed by hypothesis words. sacreBLEU stores each
    cell's operation beside its cost; here costs alone are stored and the operations of the few cells on the
    trace are recomputed from them (``_operation``), which is most of the speed-up: shift candidates only need
    the distance.
    """

    def __init__(self, words_ref: list[str]) -> None:
        lib_ter = self._lib = _lib_ter()
        self._ref = words_ref
        self._initial = [j * lib_ter._COST_INS for j in range(len(words_ref) + 1)]
        self._cache: dict[str, tuple[dict[str, Any], list[int]]] = {}
        self._cache_size = 0

    def __call__(self, words_hyp: list[str]) -> tuple[int, str]:
        """(edit distance, trace of operations rewriting the hypothesis into the reference)."""
        rows = self._rows(words_hyp, None)
        return rows[-1][-1], self._trace(words_hyp, rows)

    def distance(self, words_hyp: list[str]) -> int:
        """The edit distance alone."""
        return self._rows(words_hyp, None)[-1][-1]

    def at_most(self, words_hyp: list[str], limit: int) -> int | None:
        """The edit distance if it is at most ``limit``, else None (found out as early as possible)."""
        rows = self._rows(words_hyp, limit)
        return rows[-1][-1] if len(rows) == len(words_hyp) + 1 and rows[-1][-1] <= limit else None

    def _rows(self, words_hyp: list[str], limit: int | None) -> list[list[int]]:
        """The rows of the matrix for ``words_hyp``: the cached ones, then the rest, which are cached in turn; with a
        ``limit``, only until a row shows that the distance exceeds it."""
        node = self._cache
        rows = [self._initial]
        for word in words_hyp:
            if word not in node:
                break
            node, row = node[word]
            rows.append(row)
        cached = len(rows)
        self._extend(words_hyp, rows, limit)
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

    def _beam(self, n_h: int) -> tuple[float, int]:
        lib, n_r = self._lib, len(self._ref)
        length_ratio = n_r / n_h if n_h else 1
        beam = math.ceil(length_ratio / 2 + lib._BEAM_WIDTH) if lib._BEAM_WIDTH < length_ratio / 2 else lib._BEAM_WIDTH
        return length_ratio, beam

    def _columns(self, i: int, n_h: int, length_ratio: float, beam: int) -> tuple[int, int]:
        """The half-open range of reference positions computed in row ``i`` (the beam); the rest stay infinite."""
        n_r = len(self._ref)
        diagonal = math.floor(i * length_ratio)
        return max(0, diagonal - beam), n_r + 1 if i == n_h else min(n_r + 1, diagonal + beam)

    def _extend(self, words_h: list[str], rows: list[list[int]], limit: int | None) -> None:
        """Appends the rows after the cached ones (``rows``: row 0 first) up to the whole hypothesis, or until the
        smallest cost of a row exceeds ``limit``: every path to the last cell crosses each row, and costs never
        decrease along a path, so the distance is at least that."""
        if limit is not None and min(rows[-1]) > limit:
            return
        lib = self._lib
        infinity, cost_sub, cost_del, cost_ins = lib._INT_INFINITY, lib._COST_SUB, lib._COST_DEL, lib._COST_INS
        ref, n_r, n_h = self._ref, len(self._ref), len(words_h)
        length_ratio, beam = self._beam(n_h)
        prev = rows[-1]
        for i in range(len(rows), n_h + 1):
            lo, hi = self._columns(i, n_h, length_ratio, beam)
            costs = [infinity] * lo
            if lo == 0:
                costs.append(prev[0] + cost_del)
                lo = 1
            append = costs.append
            left = costs[lo - 1]
            word = words_h[i - 1]
            for ref_word, diag, up in zip(ref[lo - 1 : hi - 1], prev[lo - 1 : hi - 1], prev[lo:hi]):
                # sacreBLEU starts a cell at infinity and lowers it to each of substitution (or no-op), deletion and
                # insertion in turn: the minimum of the four
                cost = diag if word == ref_word else diag + cost_sub
                if up + cost_del < cost:
                    cost = up + cost_del
                if left + cost_ins < cost:
                    cost = left + cost_ins
                if cost > infinity:
                    cost = infinity
                append(cost)
                left = cost
            costs += [infinity] * (n_r + 1 - len(costs))
            rows.append(costs)
            prev = costs
            if limit is not None and min(costs) > limit:
                return

    def _trace(self, words_h: list[str], rows: list[list[int]]) -> str:
        """sacreBLEU's trace: the operation of each cell from the end back to the start, recomputed from costs."""
        lib = self._lib
        length_ratio, beam = self._beam(len(words_h))
        trace: list[str] = []
        i, j = len(words_h), len(self._ref)
        while i > 0 or j > 0:
            op = self._operation(words_h, rows, i, j, self._columns(i, len(words_h), length_ratio, beam))
            trace.append(op)
            if op in (lib._OP_SUB, lib._OP_NOP):
                i, j = i - 1, j - 1
            elif op == lib._OP_INS:
                j -= 1
            elif op == lib._OP_DEL:
                i -= 1
            else:
                raise RuntimeError(f"TER edit distance: unknown operation {op!r}")
        return "".join(reversed(trace))

    def _operation(self, words_h: list[str], rows: list[list[int]], i: int, j: int, columns: tuple[int, int]) -> str:
        """The operation sacreBLEU records for cell (i, j): the first of no-op/substitution, deletion, insertion
        that is strictly cheaper than what the cell held before it (infinity at first)."""
        lib = self._lib
        if i == 0:
            return str(lib._OP_INS)  # the initial row
        lo, hi = columns
        if not lo <= j < hi:
            return str(lib._OP_UNDEF)  # outside the beam
        if j == 0:
            return str(lib._OP_DEL)
        best, op = lib._INT_INFINITY, lib._OP_UNDEF
        match = words_h[i - 1] == self._ref[j - 1]
        candidates = (
            (rows[i - 1][j - 1] + (0 if match else lib._COST_SUB), lib._OP_NOP if match else lib._OP_SUB),
            (rows[i - 1][j] + lib._COST_DEL, lib._OP_DEL),
            (rows[i][j - 1] + lib._COST_INS, lib._OP_INS),
        )
        for cost, name in candidates:
            if best > cost:
                best, op = cost, name
        return str(op)
