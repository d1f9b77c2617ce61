"""Per-segment statistics of chrF and TER, as sacreBLEU extracts them but faster (``aligner.scoring.metrics`` sums
them per group; why, and which sacreBLEU internals this relies on, is in that module's docstring).

Written by hand because sacreBLEU's own extraction is the cost once groups are summed: its chrF counts
n-grams with Python dictionaries and its TER is pure Python; each is pinned against sacreBLEU's own output,
statistic for statistic, by ``tests/test_metrics_speed.py`` (hand-made edge cases and all 10,881 LIG lines).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from functools import cache
from typing import Any, cast

Stats = list[list[Any]]  # one sacreBLEU statistics list per segment (ints; TER's reference length is a float)


# --- chrF: sacreBLEU's statistics, counted with numpy ---------------------------------------------------------------
#
# chrF's statistics of a segment are, per order n, [hypothesis n-grams (0 if the reference has none), reference
# n-grams, matches], matches being the clipped count sum over n-grams of min(hypothesis count, reference count);
# character n-grams come from the text without whitespace, word n-grams (chrF++) from ``CHRF._remove_punctuation``.
# sacreBLEU builds a Counter per segment and order; here every n-gram of every segment becomes one integer (segment
# id and n-gram in base ``alphabet``) and the counting is done by sorting. Exactly the same integers: the tests
# compare them with sacreBLEU's on real MT and on hostile text. When the integers would not fit in 63 bits (an
# alphabet of thousands of characters), sacreBLEU counts.


def chrf_statistics(metric: Any, hyps: Sequence[str], refs: Sequence[str]) -> Stats:
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
    stats: Stats = counts.reshape(len(hyp_texts), -1).tolist()
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
# differs: a row keeps costs only, not a (cost, operation) pair per cell, and the trace works out the operations
# of the cells on its path from the costs around them; candidates are found from an index of reference word
# positions instead of by trying every (hypothesis, reference) position pair; and a candidate whose Levenshtein
# distance (rapidfuzz, in C++, no beam) already shows that it cannot gain enough to be chosen is not worked out:
# the beam only removes paths, so the beamed distance is never below Levenshtein's, and every candidate that could
# win or tie is still computed exactly.
# The tests compare every segment's statistics with sacreBLEU's on real MT and on generated near-misses.


@cache
def _levenshtein() -> Any:
    """rapidfuzz's Levenshtein distance (imported when TER is first computed)."""
    from rapidfuzz.distance import Levenshtein

    return Levenshtein.distance


def _lib_ter() -> Any:
    from sacrebleu.metrics import lib_ter  # imported when TER is first computed, as sacreBLEU itself does

    return lib_ter


def ter_statistics(ter: Any, hyps: Sequence[str], refs: Sequence[str]) -> Stats:
    """``ter._extract_corpus_statistics(hyps, [refs])`` (``TER._compute_segment_statistics`` per segment), with the
    edit distance below."""
    stats: Stats = []
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


class _Word(str):
    """A hypothesis word that remembers its position before any shift (equal to, and hashed as, the word itself)."""

    position: int


def ter_edited_words(words_hyp: Sequence[str], words_ref: Sequence[str]) -> tuple[int, list[bool]]:
    """(TER's number of edits, and per hypothesis word whether TER edits it) for tokenised words (no
    preprocessing here: lower-case or tokenise first). A word is edited when, in the alignment TER ends with, it is
    substituted, deleted (the reference has nothing for it) or moved by a shift: the words a post-editor changed
    when ``words_ref`` is a post-edit of ``words_hyp`` (the BAD words of word-level quality estimation). The number
    of edits is ``_translation_edit_rate``'s (sacreBLEU's)."""
    lib_ter = _lib_ter()
    if not words_ref:
        return len(words_hyp), [True] * len(words_hyp)
    words: list[str] = []
    for k, w in enumerate(words_hyp):
        tagged = _Word(w)
        tagged.position = k
        words.append(tagged)
    refs = list(words_ref)
    distance = _BeamEditDistance(refs)
    positions: dict[str, list[int]] = {}
    for j, word in enumerate(refs):
        positions.setdefault(word, []).append(j)
    moved: set[int] = set()
    shifts, checked = 0, 0
    while True:
        delta, shifted, checked, block = _best_shift(words, refs, positions, distance, checked)
        if checked >= lib_ter._MAX_SHIFT_CANDIDATES or delta <= 0:
            break
        shifts += 1
        moved.update(cast(_Word, words[k]).position for k in block)
        words = shifted
    edits, trace = distance.with_trace(words)
    _, _, hyp_err = lib_ter.trace_to_alignment(lib_ter._flip_trace(trace))
    edited = [False] * len(words)
    for k, word in enumerate(words):
        position = cast(_Word, word).position
        edited[position] = bool(hyp_err[k]) or position in moved
    return shifts + edits, edited


def _shift(
    words_h: list[str],
    words_r: list[str],
    positions: dict[str, list[int]],
    distance: _BeamEditDistance,
    checked: int,
) -> tuple[int, list[str], int]:
    """``lib_ter._shift``: the shift that lowers the edit distance most, as (gain, shifted words, candidates
    checked so far)."""
    gain, shifted, checked, _ = _best_shift(words_h, words_r, positions, distance, checked)
    return gain, shifted, checked


def _best_shift(
    words_h: list[str],
    words_r: list[str],
    positions: dict[str, list[int]],
    distance: _BeamEditDistance,
    checked: int,
) -> tuple[int, list[str], int, range]:
    """``_shift`` and the positions of ``words_h`` that the chosen shift moves (empty when there is none)."""
    lib_ter = _lib_ter()
    pre_score, inverse_trace = distance.with_trace(words_h)
    levenshtein = _levenshtein()
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
            # a candidate matters only with a gain of at least 1 and at least the best's so far (a tie can win on
            # length or position); Levenshtein's distance (rapidfuzz, no beam) is a lower bound of the beamed
            # one, so a candidate it already rules out is not worked out
            limit = pre_score - (max(1, best[0]) if best else 1)
            if limit < 0 or levenshtein(shifted, words_r, score_cutoff=limit) > limit:
                continue
            # Tercom's ranking: largest gain, then longest, earliest match, earliest target
            candidate = (pre_score - distance.distance(shifted), length, -start_h, -idx, shifted)
            if not best or candidate > best:
                best = candidate
        if checked >= lib_ter._MAX_SHIFT_CANDIDATES:
            break
    if not best:
        return 0, words_h, checked, range(0)
    return best[0], best[4], checked, range(-best[2], -best[2] + best[1])


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


_Row = list[int]  # the costs of one row of the edit-distance matrix


class _BeamEditDistance:
    """``lib_ter.BeamEditDistance``: edit distance to a fixed reference, with a beam, a row cache and the trace.

    Row ``i`` of the matrix is the hypothesis prefix of ``i`` words against every reference prefix (``j`` = 0
    … ``len(reference)``); rows are cached in a trie keyed by hypothesis words. All hypotheses given to one
    instance have the same length (they are shifts of one another), as in sacreBLEU: the beam depends on it.
    Rows keep costs only: the operation sacreBLEU records in each cell is a function of the costs around it, so
    the trace works it out for the cells on its path (a few dozen) instead of every cell recording one.
    """

    def __init__(self, words_ref: list[str]) -> None:
        lib_ter = self._lib = _lib_ter()
        self._ref = words_ref
        n_r = len(words_ref)
        self._initial: _Row = [j * lib_ter._COST_INS for j in range(n_r + 1)]
        self._cache: dict[str, tuple[dict[str, Any], _Row]] = {}
        self._cache_size = 0
        self._bands: dict[int, list[tuple[int, int]]] = {}  # by hypothesis length

    def distance(self, words_hyp: list[str]) -> int:
        return self._rows(words_hyp)[-1][-1]

    def _band(self, i: int, n_h: int) -> tuple[int, int]:
        """The columns ``lo … hi - 1`` of row ``i`` (1 … n_h) inside the beam, for hypotheses of ``n_h`` words."""
        bands = self._bands.get(n_h)
        if bands is None:
            lib, n_r = self._lib, len(self._ref)
            ratio = n_r / n_h if n_h else 1
            beam = math.ceil(ratio / 2 + lib._BEAM_WIDTH) if lib._BEAM_WIDTH < ratio / 2 else lib._BEAM_WIDTH
            bands = self._bands[n_h] = [
                (
                    max(0, math.floor(k * ratio) - beam),
                    n_r + 1 if k == n_h else min(n_r + 1, math.floor(k * ratio) + beam),
                )
                for k in range(n_h + 1)
            ]
        return bands[i]

    def with_trace(self, words_hyp: list[str]) -> tuple[int, str]:
        """(edit distance, trace of the operations, one per cell from (0, 0) to the last)."""
        rows = self._rows(words_hyp)
        trace: list[str] = []
        i, j = len(words_hyp), len(self._ref)
        while i > 0 or j > 0:
            op = self._operation(words_hyp, rows, i, j)
            trace.append(op)
            if op == self._lib._OP_SUB or op == self._lib._OP_NOP:
                i, j = i - 1, j - 1
            elif op == self._lib._OP_INS:
                j -= 1
            elif op == self._lib._OP_DEL:
                i -= 1
            else:
                raise RuntimeError(f"TER edit distance: no operation reaches cell ({i}, {j})")
        return rows[-1][-1], "".join(reversed(trace))

    def _operation(self, words_h: list[str], rows: list[_Row], i: int, j: int) -> str:
        """The operation sacreBLEU records in cell (i, j): it starts at infinity and takes no-op/substitution,
        deletion, insertion in turn, each only if strictly cheaper (the same comparisons as ``_extend``)."""
        lib = self._lib
        if i == 0:
            return str(lib._OP_INS)
        lo, hi = self._band(i, len(words_h))
        if not lo <= j < hi:
            return str(lib._OP_UNDEF)  # outside the beam
        if j == 0:
            return str(lib._OP_DEL)
        prev, row = rows[i - 1], rows[i]
        op, cost = lib._OP_NOP, prev[j - 1]
        if words_h[i - 1] != self._ref[j - 1]:
            op, cost = lib._OP_SUB, cost + lib._COST_SUB
        if cost >= lib._INT_INFINITY:
            op, cost = lib._OP_UNDEF, lib._INT_INFINITY
        if prev[j] + lib._COST_DEL < cost:
            op, cost = lib._OP_DEL, prev[j] + lib._COST_DEL
        if row[j - 1] + lib._COST_INS < cost:  # infinity left of the beam, as in _extend
            op = lib._OP_INS
        return str(op)

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
        ref, n_r, n_h = self._ref, len(self._ref), len(words_h)
        prev = rows[-1]
        for i in range(len(rows), n_h + 1):
            lo, hi = self._band(i, n_h)
            # cells outside the beam stay at infinity (sacreBLEU's empty row)
            costs = [infinity] * lo
            if lo == 0:
                costs.append(prev[0] + cost_del)
                lo = 1
            left = costs[lo - 1]
            word = words_h[i - 1]
            for ref_word, diag, up in zip(ref[lo - 1 : hi - 1], prev[lo - 1 : hi - 1], prev[lo:hi]):
                # no-op/substitution, deletion, insertion in turn, each only if strictly cheaper (sacreBLEU's order)
                cost = diag if word == ref_word else diag + cost_sub
                if cost >= infinity:
                    cost = infinity
                if up + cost_del < cost:
                    cost = up + cost_del
                if left + cost_ins < cost:
                    cost = left + cost_ins
                costs.append(cost)
                left = cost
            costs += [infinity] * (n_r + 1 - len(costs))
            rows.append(costs)
            prev = costs
