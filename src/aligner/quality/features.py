"""What the risk model reads: features of every bead and of every MT word of a run, from the texts the run holds.

Pure functions over in-memory data (the lexical table, the frequent-word list and the English trigram model come in
a ``Resources``, loaded at the edge). Every feature is case-insensitive, so that a lower-cased MT (LIG's Moses
output, which the model was fitted on) and a cased one (a MarianMT model's) read alike. Groups, by the signal they need:

- ``source`` (always): fluency (an English trigram model's log-probability of the MT's words, and how many of
  their bigrams and trigrams English text never had), lengths, the lexical table in both directions (how much of
  the French the MT's words translate, how much of the MT the French explains, an IBM-1 log-likelihood), French
  and rare words left in the MT, figures, repetition, and the QA flags (their code and severity; ``capitalisation`` and
  ``end-punctuation`` are left out: they only see case, which a lower-cased MT loses everywhere);
- ``reference``: chrF and TER of the MT against the bead's reference, their length ratio, the alignment's
  confidence;
- ``second-opinion``: the same against another system's MT of the same sentences (cross-system agreement);
- ``glass-box``: the MT model's own token log-probabilities and the agreement of its n-best hypotheses.

Word units (``word_spans``) are what the review page highlights: runs of letters and digits (with inner hyphens),
an apostrophe with the letters after it (``'s``, ``'t``: Moses' split), or one punctuation character; spans are
0-based, half-open character offsets into the MT sentence.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from ..alignment.lexicon import strip_accents, tokens
from ..qa.untranslated import FRENCH_ONLY
from ..results import Flag, RunResult
from ..scoring.metrics import pair_chrf
from .fluency import NgramLM

SIGNALS = ("source", "reference", "second-opinion", "glass-box")

_UNIT = re.compile(r"['’]\w+|\w+(?:-\w+)*|[^\w\s]")
_ALNUM = re.compile(r"\w")
_DIGIT = re.compile(r"\d")
# p(en|fr) from which a French word and an English word count as translations of each other
LINKED = 0.05
# the rank given to a word the frequent-word list lacks (it has 5,000 words)
RARE = 5000
# flags that see only case (a lower-cased MT trips them everywhere) are not features
CASE_ONLY = frozenset({"capitalisation", "end-punctuation"})
FLAG_GROUPS = {
    "numbers": ("numbers",),
    "untranslated": ("untranslated", "partly-untranslated", "unchanged"),
    "names": ("missing-name",),
    "length": ("too-short", "too-long", "dropped", "added", "length-limit"),
    "repetition": ("repetition", "repeated-word"),
    "marks": ("quotes", "brackets"),
}


@dataclass(frozen=True)
class Resources:
    """What the features look words up in: the lexical table ``lexicon[fr][en] = p(en|fr)``, English word ranks
    (0 = most frequent) and the English trigram model (``aligner.quality.fluency``)."""

    lexicon: Mapping[str, Mapping[str, float]]
    ranks: Mapping[str, int]
    lm: NgramLM | None = None  # English trigram counts; without them the fluency features are missing (NaN)


@dataclass(frozen=True)
class GlassBoxSentence:
    """The MT model's view of one of its translations: the log-probability of each target token (pieces, end of
    sentence included) and its other n-best hypotheses (best first; may be empty)."""

    logprobs: tuple[float, ...]
    nbest: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    """Named feature columns: ``rows[k][j]`` is feature ``names[j]`` of row ``k``."""

    names: tuple[str, ...]
    rows: tuple[tuple[float, ...], ...]

    def column(self, name: str) -> list[float]:
        j = self.names.index(name)
        return [r[j] for r in self.rows]


@dataclass(frozen=True)
class StoryFeatures:
    """A run's features. ``beads``: one row per bead. ``words``: one row per MT word unit, sentence after
    sentence; ``spans[i]`` the units of MT sentence ``i`` and ``word_bead[n]`` the bead of word row ``n``. The word
    columns ``b_risk`` (the bead's risk) are 0 until the bead model has run (``with_bead_risk``)."""

    beads: Table
    words: Table
    spans: tuple[tuple[tuple[int, int], ...], ...]
    word_bead: tuple[int, ...]
    signals: tuple[str, ...]
    glassbox: tuple[tuple[tuple[str, float], ...], ...] = field(default=())

    def with_bead_risk(self, risk: Sequence[float]) -> StoryFeatures:
        j = self.words.names.index("b_risk")
        rows = tuple((*r[:j], risk[self.word_bead[n]], *r[j + 1 :]) for n, r in enumerate(self.words.rows))
        return StoryFeatures(
            self.beads, Table(self.words.names, rows), self.spans, self.word_bead, self.signals, self.glassbox
        )


def word_spans(text: str) -> list[tuple[int, int]]:
    """The word units of ``text`` as ``[start, end)`` character spans (0-based), in order."""
    return [m.span() for m in _UNIT.finditer(text)]


def _key(unit: str) -> str:
    return unit.lower().lstrip("'’")


def _is_word(unit: str) -> bool:
    return _ALNUM.search(unit) is not None


def _rank(ranks: Mapping[str, int], unit: str) -> int:
    if not _is_word(unit):
        return 0
    if _DIGIT.search(unit):
        return 0  # figures are checked by the numbers flag
    return ranks.get(_key(unit), RARE)


@dataclass(frozen=True)
class _Lex:
    """A bead's French words looked up once: for each English word the table links to them, the highest and the
    summed p(en|fr); the French words themselves and their five-letter accent-free prefixes (cognates)."""

    best: dict[str, float]
    total: dict[str, float]
    french: list[str]
    prefixes: frozenset[str]
    known: dict[str, tuple[float, float, bool, bool]] = field(default_factory=dict)  # explains(), once per word

    @classmethod
    def of(cls, source: str, lexicon: Mapping[str, Mapping[str, float]]) -> _Lex:
        french = tokens(source)
        best: dict[str, float] = {}
        total: dict[str, float] = {}
        for f in french:
            for e, p in lexicon.get(f, {}).items():
                best[e] = max(best.get(e, 0.0), p)
                total[e] = total.get(e, 0.0) + p
        prefixes = frozenset(strip_accents(f)[:5] for f in french if len(f) >= 5)
        return cls(best, total, french, prefixes)

    def explains(self, word: str) -> tuple[float, float, bool, bool]:
        """(highest p(word|f), summed p(word|f), the French has the word itself, a cognate of it)."""
        if word in self.known:
            return self.known[word]
        parts = tokens(word) or [word.lower()]
        best = max(self.best.get(w, 0.0) for w in parts)
        total = max(self.total.get(w, 0.0) for w in parts)
        identical = any(w in self.french for w in parts)
        cognate = any(len(w) >= 5 and strip_accents(w)[:5] in self.prefixes for w in parts)
        self.known[word] = (best, total, identical, cognate)
        return best, total, identical, cognate


def _linked(lexicon: Mapping[str, Mapping[str, float]], f: str, english: set[str], prefixes: set[str]) -> float:
    """How well the MT's words translate French word ``f``: the highest p(e|f) over them (1 for the word itself
    or a cognate)."""
    if f in english or (len(f) >= 5 and strip_accents(f)[:5] in prefixes):
        return 1.0
    return max((p for e, p in lexicon.get(f, {}).items() if e in english), default=0.0)


def _french_word(unit: str, ranks: Mapping[str, int]) -> bool:
    key = _key(unit)
    if key in FRENCH_ONLY:
        return True
    return key != strip_accents(key) and key not in ranks


def _source_features(
    source: str, mt_units: Sequence[str], flags: Sequence[Flag], sentences: int, res: Resources, lex: _Lex
) -> dict[str, float]:
    words = [u for u in mt_units if _is_word(u)]
    english = {w for u in words for w in tokens(u)}
    mt_prefixes = {strip_accents(w)[:5] for w in english if len(w) >= 5}
    french = lex.french
    fr_links = [_linked(res.lexicon, f, english, mt_prefixes) for f in french]
    explained = [lex.explains(u) for u in words]
    n_f, n_e = len(french), len(words)
    ibm1 = [math.log((total + (1.0 if ident or cog else 0.0) + 1e-3) / (n_f + 1)) for _, total, ident, cog in explained]
    ranks = [_rank(res.ranks, u) for u in words]
    source_digits = set(re.findall(r"\d+", source))
    mt_digits = set(re.findall(r"\d+", " ".join(mt_units)))
    bigrams = [(a.lower(), b.lower()) for a, b in pairwise(words)]
    codes = {f.code for f in flags if f.code not in CASE_ONLY}
    severities = [f.severity for f in flags if f.code not in CASE_ONLY]
    out = {
        "src_words": float(n_f),
        "mt_words": float(n_e),
        "log_mt_words": math.log1p(n_e),
        "len_ratio": n_e / max(n_f, 1),
        "char_ratio": len(" ".join(mt_units)) / max(len(source), 1),
        "punct_diff": abs(sum(not _is_word(u) for u in mt_units) - len(re.findall(r"[^\w\s]", source))) / (n_e + 1),
        "lex_fr_cov": sum(v >= LINKED for v in fr_links) / max(n_f, 1),
        "lex_fr_mass": sum(fr_links) / max(n_f, 1),
        "lex_unknown_fr": sum(f not in res.lexicon for f in french) / max(n_f, 1),
        "lex_en_cov": sum(b >= LINKED or i or c for b, _, i, c in explained) / max(n_e, 1),
        "lex_en_mass": sum(min(1.0, t) for _, t, _, _ in explained) / max(n_e, 1),
        "ibm1": sum(ibm1) / max(n_e, 1),
        "ibm1_min": min(ibm1, default=0.0),
        "rare": sum(r >= RARE for r in ranks) / max(n_e, 1),
        "log_rank": sum(math.log1p(r) for r in ranks) / max(n_e, 1),
        "french_in_mt": float(sum(_french_word(u, res.ranks) for u in words)),
        "copied": sum(i and _rank(res.ranks, u) >= RARE and len(u) >= 4 for u, (_, _, i, _) in zip(words, explained))
        / max(n_e, 1),
        "digits_diff": float(len(source_digits ^ mt_digits)),
        "repeated_bigrams": float(len(bigrams) - len(set(bigrams))),
        "sentences": float(sentences),
        "flag_error": float(severities.count("error")),
        "flag_warning": float(severities.count("warning")),
        "flag_info": float(severities.count("info")),
    }
    for name, group in FLAG_GROUPS.items():
        out[f"flag_{name}"] = float(any(c in codes for c in group))
    return out


def edited_units(hyp: Sequence[str], ref: Sequence[str]) -> tuple[int, list[bool]]:
    """(word edit distance, and per ``hyp`` unit whether the cheapest edit script substitutes or deletes it).

    Levenshtein over word units (rapidfuzz, in C++), not TER: a TER shift search per bead costs ~10 ms in Python and
    marks the same words (a moved phrase is edited either way); only the count differs (a shift costs 1 in TER, a
    deletion and an insertion per word here), and a feature does not need TER's count."""
    from rapidfuzz.distance import Levenshtein

    edited = [False] * len(hyp)
    ops = Levenshtein.editops(list(hyp), list(ref))
    for op in ops:
        if op.tag != "insert":
            edited[op.src_pos] = True
    return len(ops), edited


def _agreement(prefix: str, mt_units: Sequence[str], other: str, chrf: float) -> tuple[dict[str, float], list[bool]]:
    """Bead features of the MT against another English text (the reference or a second opinion) and, per MT
    unit, whether the word edit script to that text changes it."""
    hyp = [u.lower() for u in mt_units]
    ref = [m.group().lower() for m in _UNIT.finditer(other)]
    edits, edited = edited_units(hyp, ref)
    n_h = sum(_is_word(u) for u in mt_units)
    n_r = sum(_is_word(u) for u in ref)
    return {
        f"{prefix}_chrf": chrf / 100.0,
        f"{prefix}_wer": min(2.0, edits / max(len(ref), 1)),
        f"{prefix}_edited": sum(edited) / max(len(edited), 1),
        f"{prefix}_len_ratio": n_h / max(n_r, 1),
    }, edited


NAN = float("nan")
Scored = Sequence[tuple[float, bool, bool]]  # NgramLM.score: per unit and the sentence's end


def _fluency_features(scored: Sequence[Scored] | None) -> dict[str, float]:
    """The bead's MT sentences under the English trigram model (NaN without one)."""
    points = [p for s in scored or () for p in s]
    if not points:
        return dict.fromkeys(("lm_mean", "lm_min", "lm_q25", "lm_unseen2", "lm_unseen3"), NAN)
    logprobs = sorted(lp for lp, _, _ in points)
    n = len(points)
    return {
        "lm_mean": sum(logprobs) / n,
        "lm_min": logprobs[0],
        "lm_q25": logprobs[n // 4],
        "lm_unseen2": sum(not s2 for _, s2, _ in points) / n,
        "lm_unseen3": sum(not s3 for _, _, s3 in points) / n,
    }


def _glassbox_features(sentences: Sequence[GlassBoxSentence], mt: Sequence[str]) -> dict[str, float]:
    logprobs = [lp for s in sentences for lp in s.logprobs]
    others = [(h, alt) for s, h in zip(sentences, mt) for alt in s.nbest]
    agreement = pair_chrf([h for h, _ in others], [a for _, a in others], lowercase=True) if others else []
    return {
        "gb_logprob": sum(logprobs) / max(len(logprobs), 1),
        "gb_logprob_min": min(logprobs, default=0.0),
        "gb_nbest_chrf": (sum(agreement) / len(agreement) / 100.0) if agreement else 1.0,
    }


def story_features(
    result: RunResult,
    resources: Resources,
    *,
    second: Sequence[str] | None = None,
    glassbox: Sequence[GlassBoxSentence | None] | None = None,
) -> StoryFeatures:
    """Every feature of ``result``'s beads and MT words. ``second``: another system's MT of each source sentence
    (0-based sentence ids); ``glassbox``: the MT model's signals per source sentence (None for a sentence the model
    did not make: a byline, a translation memory's)."""
    if second is not None and len(second) != len(result.source.sentences):
        raise ValueError(f"{len(second)} second-opinion sentences for {len(result.source.sentences)} source sentences")
    signals = ["source"]
    has_ref = result.reference is not None
    if has_ref:
        signals.append("reference")
    if second is not None:
        signals.append("second-opinion")
    if glassbox is not None:
        signals.append("glass-box")
    mt = result.mt
    spans = tuple(tuple(word_spans(text)) for text in mt)
    units = [[text[a:b] for a, b in s] for text, s in zip(mt, spans)]
    lm = resources.lm
    fluency = [lm.score(u) for u in units] if lm is not None else None
    texts = result.all_texts()
    res = resources
    bead_rows: list[dict[str, float]] = []
    word_rows: list[dict[str, float]] = []
    word_bead: list[int] = []
    glass: list[tuple[tuple[str, float], ...]] = []
    ref_chrf = pair_chrf([t.mt for t in texts], [t.reference or "" for t in texts], lowercase=True) if has_ref else []
    seconds = [" ".join(second[i] for i in b.left) for b in result.beads] if second is not None else []
    so_chrf = pair_chrf([t.mt for t in texts], seconds, lowercase=True) if second is not None else []
    so_rev = pair_chrf(seconds, [t.mt for t in texts], lowercase=True) if second is not None else []
    so_ref = (
        pair_chrf(seconds, [t.reference or "" for t in texts], lowercase=True) if second is not None and has_ref else []
    )
    word_at: dict[tuple[int, int], dict[str, float]] = {}
    for k, (bead, t) in enumerate(zip(result.beads, texts)):
        bead_units = [u for i in bead.left for u in units[i]]
        lex = _Lex.of(t.source, res.lexicon)
        row = _source_features(t.source, bead_units, result.flags[k], len(bead.left), res, lex)
        row |= _fluency_features([fluency[i] for i in bead.left] if fluency is not None else None)
        ref_edited: list[bool] = []
        so_edited: list[bool] = []
        ref_units: set[str] = set()
        so_units: set[str] = set()
        so_bigrams: set[tuple[str, str]] = set()
        if has_ref:
            extra, ref_edited = _agreement("ref", bead_units, t.reference or "", ref_chrf[k])
            row |= extra
            row["ref_confidence"] = bead.score
            row["ref_empty"] = float(not bead.right)
            ref_units = {m.group().lower() for m in _UNIT.finditer(t.reference or "")}
        if second is not None:
            extra, so_edited = _agreement("so", bead_units, seconds[k], so_chrf[k])
            row |= extra
            row["so_chrf_rev"] = so_rev[k] / 100.0
            if has_ref:
                row["so_ref_chrf"] = so_ref[k] / 100.0
            so_list = [m.group().lower() for m in _UNIT.finditer(seconds[k])]
            so_units = set(so_list)
            so_bigrams = set(pairwise(so_list))
        if glassbox is not None:
            made = [(g, mt[i]) for i in bead.left if (g := glassbox[i]) is not None]
            gb = _glassbox_features([g for g, _ in made], [h for _, h in made])
            row |= gb
            glass.append(tuple((name, round(v, 4)) for name, v in gb.items()))
        bead_rows.append(row)
        n = 0
        for i in bead.left:
            sentence = units[i]
            explained = [lex.explains(u) if _is_word(u) else (0.0, 0.0, False, False) for u in sentence]
            # per unit and then the end of the sentence; NaN everywhere without a language model
            scored = fluency[i] if fluency is not None else [(NAN, NAN, NAN)] * (len(sentence) + 1)
            lowered = [u.lower() for u in sentence]
            for j, u in enumerate(sentence):
                best, total, ident, cog = explained[j]
                w: dict[str, float] = {
                    "w_punct": float(not _is_word(u)),
                    "w_digit": float(_DIGIT.search(u) is not None),
                    "w_chars": float(len(u)),
                    "w_log_rank": math.log1p(_rank(res.ranks, u)),
                    "w_lex": best,
                    "w_lex_sum": min(total, 2.0),
                    "w_ident": float(ident),
                    "w_cognate": float(cog),
                    "w_french": float(_is_word(u) and _french_word(u, res.ranks)),
                    "w_pos": j / max(len(sentence) - 1, 1),
                    "w_first": float(j == 0),
                    "w_last": float(j == len(sentence) - 1),
                    "w_repeat": float(_is_word(u) and lowered.count(lowered[j]) > 1),
                    # the word after the two before it, and the next word (or the end) after this one
                    "w_lm": scored[j][0],
                    "w_seen2": float(scored[j][1]),
                    "w_seen3": float(scored[j][2]),
                    "r_lm": scored[j + 1][0],
                    "r_seen2": float(scored[j + 1][1]),
                    "b_risk": 0.0,
                    "b_lex_en_cov": row["lex_en_cov"],
                    "b_ibm1": row["ibm1"],
                    "b_len_ratio": row["len_ratio"],
                    "b_log_mt_words": row["log_mt_words"],
                }
                for side, jj in (("l", j - 1), ("r", j + 1)):
                    inside = 0 <= jj < len(sentence)
                    w[f"{side}_lex"] = explained[jj][0] if inside else 1.0
                    w[f"{side}_punct"] = float(not _is_word(sentence[jj])) if inside else 1.0
                    w[f"{side}_log_rank"] = math.log1p(_rank(res.ranks, sentence[jj])) if inside else 0.0
                if has_ref:
                    w["ref_match"] = float(not ref_edited[n + j]) if ref_edited else 0.0
                    w["ref_occurs"] = float(lowered[j] in ref_units)
                    w["b_ref_chrf"] = row["ref_chrf"]
                if second is not None:
                    w["so_match"] = float(not so_edited[n + j]) if so_edited else 0.0
                    w["so_occurs"] = float(lowered[j] in so_units)
                    w["so_bigram"] = float(j > 0 and (lowered[j - 1], lowered[j]) in so_bigrams)
                    w["b_so_chrf"] = row["so_chrf"]
                word_at[(i, j)] = w
            n += len(sentence)
        # neighbours' agreement, once every word of the bead is known
        for i in bead.left:
            for j in range(len(units[i])):
                w = word_at[(i, j)]
                for side, jj in (("l", j - 1), ("r", j + 1)):
                    other = word_at.get((i, jj))
                    if has_ref:
                        w[f"{side}_ref_match"] = other["ref_match"] if other else 1.0
                    if second is not None:
                        w[f"{side}_so_match"] = other["so_match"] if other else 1.0
    bead_of = {i: k for k, b in enumerate(result.beads) for i in b.left}
    for i, sentence in enumerate(units):
        for j in range(len(sentence)):
            word_rows.append(word_at[(i, j)])
            word_bead.append(bead_of[i])
    return StoryFeatures(
        beads=_table(bead_rows),
        words=_table(word_rows),
        spans=spans,
        word_bead=tuple(word_bead),
        signals=tuple(signals),
        glassbox=tuple(glass),
    )


def _table(rows: Sequence[dict[str, float]]) -> Table:
    names = tuple(rows[0]) if rows else ()
    return Table(names, tuple(tuple(float(r[n]) for n in names) for r in rows))
