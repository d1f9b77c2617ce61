"""Fluency: an English trigram language model over the word units of ``features`` (lower-cased), for the risk
model's fluency features: how probable each MT word is after the two before it, and whether its bigram and
trigram were ever seen in English text.

The model is count tables in ``aligner/data/english-lm.npz``, built by ``models/build_english_lm.py`` from the
English side of public corpora that share nothing with the LIG post-edits or the WMT newstest2009/2010 documents
the risk model is fitted and measured on. Probabilities are interpolated absolute discounting (Ney et al. 1994)
with Kneser–Ney continuation counts for unigrams, derived from the trigram counts when the file is loaded.

Written by hand, not with KenLM or NLTK: KenLM ships no wheels (its ``pip install`` compiles C++) and estimating a
model needs its ``lmplz`` binary (Boost, CMake), which a user's install has no way to build; ``nltk.lm`` scores a
word about a thousand times slower than these numpy lookups and would pull NLTK in for one feature. What is needed
here is small: exact counts of 0.86 M trigrams held as sorted integer keys (about 31 MB in memory with the
bigram and context tables derived from them, looked up with ``numpy.searchsorted``) and three interpolation lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LM_FILE = "english-lm.npz"
BOS, EOS = "<s>", "</s>"
DISCOUNT = 0.75
# the share of the unigram probability given to a uniform distribution over the vocabulary and one unknown word
UNIFORM = 0.1


def _grouped(keys: Any, weights: Any) -> tuple[Any, Any, Any]:
    """Distinct sorted ``keys``, the summed ``weights`` and the number of rows of each."""
    import numpy as np

    uniq, inverse, number = np.unique(keys, return_inverse=True, return_counts=True)
    return uniq, np.bincount(inverse, weights=weights).astype(np.int64), number.astype(np.int64)


def _lookup(table: tuple[Any, ...], keys: Any) -> list[Any]:
    """The columns of ``table`` (its sorted keys first) at ``keys``; 0 where a key is absent."""
    import numpy as np

    sorted_keys = table[0]  # never empty: a model has at least one sentence
    at = np.searchsorted(sorted_keys, keys)
    at_c = np.minimum(at, len(sorted_keys) - 1)
    found = (at < len(sorted_keys)) & (sorted_keys[at_c] == keys)
    return [np.where(found, col[at_c], 0) for col in table[1:]]


@dataclass(frozen=True)
class NgramLM:
    """Trigram counts over ``vocab`` (word ``k`` has id ``k``; an unknown word has id ``len(vocab)``): ``keys`` are
    ``(a * V + b) * V + c`` for the trigram ``a b c`` with ``V = len(vocab) + 1``, sorted, ``counts`` their
    counts."""

    vocab: tuple[str, ...]
    keys: Any
    counts: Any
    ids: dict[str, int]
    tables: dict[str, tuple[Any, ...]]
    bigram_types: int  # the denominator of the Kneser-Ney unigrams

    @classmethod
    def from_counts(cls, vocab: Sequence[str], keys: Any, counts: Any) -> NgramLM:
        import numpy as np

        vocab = tuple(vocab)
        size = len(vocab) + 1
        if BOS not in vocab or EOS not in vocab or not len(keys):
            raise ValueError("a trigram model needs at least one sentence")
        if size**3 >= 2**63:  # the keys would overflow int64 (about 2 M words)
            raise ValueError(f"a vocabulary of {len(vocab)} words is too large for 64-bit trigram keys")
        keys = np.asarray(keys, np.int64)
        counts = np.asarray(counts, np.int64)
        order = np.argsort(keys)
        keys, counts = keys[order], counts[order]
        # every bigram "b c" is counted once per trigram position that ends in it: its count is the trigram
        # counts summed over the first word, and likewise for the contexts
        bigrams, c2, _ = _grouped(keys % (size * size), counts)
        contexts2, ctx2, types2 = _grouped(keys // size, counts)
        contexts1, ctx1, types1 = _grouped(bigrams // size, c2)
        followers, continuation, _ = _grouped(bigrams % size, np.ones(len(bigrams)))
        tables = {
            "tri": (keys, counts),
            "bi": (bigrams, c2),
            "ctx2": (contexts2, ctx2, types2),
            "ctx1": (contexts1, ctx1, types1),
            "cont": (followers, continuation),
        }
        ids = {w: k for k, w in enumerate(vocab)}
        return cls(vocab, keys, counts, ids, tables, len(bigrams))

    @classmethod
    def train(cls, sentences: Iterable[Sequence[str]]) -> NgramLM:
        """Count the trigrams of ``sentences`` (each a list of lower-cased word units), padded with ``<s> <s>`` and
        ``</s>``."""
        from collections import Counter

        import numpy as np

        trigrams: Counter[tuple[str, str, str]] = Counter()
        for s in sentences:
            t = [BOS, BOS, *s, EOS]
            trigrams.update(zip(t, t[1:], t[2:]))
        vocab = sorted({w for g in trigrams for w in g})
        ids = {w: k for k, w in enumerate(vocab)}
        size = len(vocab) + 1
        keys = np.fromiter(((ids[a] * size + ids[b]) * size + ids[c] for a, b, c in trigrams), np.int64, len(trigrams))
        return cls.from_counts(vocab, keys, np.fromiter(trigrams.values(), np.int64, len(trigrams)))

    def save(self, path: Path) -> None:
        import numpy as np

        np.savez_compressed(
            path,
            vocab=np.asarray("\n".join(self.vocab)),
            # sorted keys as differences: they compress to half
            key_steps=np.diff(self.keys, prepend=0),
            counts=self.counts.astype(np.uint32),
        )

    @classmethod
    def load(cls, path: Path) -> NgramLM:
        import numpy as np

        with np.load(path, allow_pickle=False) as data:
            vocab = str(data["vocab"]).split("\n")
            return cls.from_counts(vocab, np.cumsum(data["key_steps"]), data["counts"])

    def __len__(self) -> int:
        return len(self.keys)

    def score(self, units: Sequence[str]) -> list[tuple[float, bool, bool]]:
        """For each unit of ``units`` and then the end of the sentence: (natural log of its probability after the
        two before it, its bigram was seen, its trigram was seen)."""
        import numpy as np

        size = len(self.vocab) + 1
        unknown = len(self.vocab)
        t = np.asarray(
            [self.ids[BOS], self.ids[BOS], *(self.ids.get(u.lower(), unknown) for u in units), self.ids[EOS]],
            np.int64,
        )
        a, b, c = t[:-2], t[1:-1], t[2:]
        (cont,) = _lookup(self.tables["cont"], c)
        p1 = (1 - UNIFORM) * cont / self.bigram_types + UNIFORM / size
        (c2,) = _lookup(self.tables["bi"], b * size + c)
        ctx1, types1 = _lookup(self.tables["ctx1"], b)
        with np.errstate(divide="ignore", invalid="ignore"):
            p2 = np.where(ctx1 > 0, (np.maximum(c2 - DISCOUNT, 0) + DISCOUNT * types1 * p1) / ctx1, p1)
            (c3,) = _lookup(self.tables["tri"], (a * size + b) * size + c)
            ctx2, types2 = _lookup(self.tables["ctx2"], a * size + b)
            p3 = np.where(ctx2 > 0, (np.maximum(c3 - DISCOUNT, 0) + DISCOUNT * types2 * p2) / ctx2, p2)
        return [(float(lp), bool(s2), bool(s3)) for lp, s2, s3 in zip(np.log(p3), c2 > 0, c3 > 0)]
