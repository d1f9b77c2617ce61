"""A French–English lexical translation table: IBM Model 1, trained with numpy, stored as a small TSV.

``models/build_lexicon.py`` trains it on the parallel data in ``../shared/data`` and writes
``src/aligner/data/lexicon-fr-en.tsv.gz`` (one ``fr  en  p(en|fr)`` line per kept pair) with
its provenance beside it; it ships inside the package. The aligner uses it as hunalign uses a
dictionary: a French word and an English word "match" when the table links them strongly enough.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import marshal
import os
import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)

LEXICON_FILE = "lexicon-fr-en.tsv.gz"


def default_lexicon_path() -> Path:
    """``$ALIGNER_LEXICON`` when set, else the table shipped in the package (``aligner/data``)."""
    from ..files import data_file

    override = os.environ.get("ALIGNER_LEXICON")
    return Path(override) if override else data_file(LEXICON_FILE)


def strip_accents(text: str) -> str:
    """The text without combining marks: "Équateur" → "Equateur" (case kept)."""
    if text.isascii():  # most words: nothing to decompose
        return text
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens (letters and digits; punctuation and apostrophes split off)."""
    return _TOKEN.findall(html.unescape(text).lower())


@dataclass(frozen=True)
class Lexicon:
    """``table[fr][en] = p(en|fr)`` for the pairs kept; ``sha256``: the first 16 hex digits of the file's."""

    table: dict[str, dict[str, float]]
    source: str
    sha256: str = ""

    def __len__(self) -> int:
        return sum(len(v) for v in self.table.values())

    @classmethod
    def load(cls, path: str | Path | None = None) -> Lexicon:
        """The table at ``path``. Parsing its 235,000 lines takes 0.3 s, paid by every process (each batch
        worker, each ``aligner run``); the parsed table is kept in ``$ALIGNER_CACHE/lexicon`` by the file's
        sha256 (marshal: data only, no code, read in a quarter of the time) and read from there next time."""
        path = Path(path) if path is not None else default_lexicon_path()
        raw = path.read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        table = _cached_table(digest)
        if table is None:
            table = {}
            for line in gzip.decompress(raw).decode("utf-8").split("\n"):
                if not line or line.startswith("#"):
                    continue
                fr, en, p_ef = line.split("\t")[:3]
                table.setdefault(fr, {})[en] = float(p_ef)
            _cache_table(digest, table)
        return cls(table, str(path), digest[:16])

    def save(self, path: str | Path, header: Sequence[str] = ()) -> None:
        """Write the table (gzip, sorted lines, mtime 0: the same training gives a byte-identical file)."""
        import io

        from ..files import write_atomic

        buf = io.BytesIO()
        with gzip.GzipFile(filename="", fileobj=buf, mode="wb", mtime=0) as gz:
            out = "".join(f"# {h}\n" for h in header)
            for fr in sorted(self.table):
                for en, p_ef in sorted(self.table[fr].items()):
                    out += f"{fr}\t{en}\t{p_ef:.4f}\n"
            gz.write(out.encode("utf-8"))
        write_atomic(path, buf.getvalue())


def _table_cache(digest: str) -> Path:
    from ..files import cache_dir

    # marshal's format belongs to the Python version that wrote it
    return cache_dir("lexicon") / f"{digest}-py{sys.version_info[0]}{sys.version_info[1]}.marshal"


def _cached_table(digest: str) -> dict[str, dict[str, float]] | None:
    try:
        table = marshal.loads(_table_cache(digest).read_bytes())
    except (OSError, ValueError, EOFError, TypeError):  # none yet, unreadable or damaged: parse the file again
        return None
    return table if isinstance(table, dict) else None


def _cache_table(digest: str, table: dict[str, dict[str, float]]) -> None:
    from ..files import write_atomic

    path = _table_cache(digest)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, marshal.dumps(table))
    except OSError:  # a read-only or full cache costs the parse next time, nothing else
        pass


def _index(sentences: Iterable[Sequence[str]], vocab: dict[str, int]) -> list[list[int]]:
    return [[vocab.setdefault(w, len(vocab)) for w in s] for s in sentences]


def ibm1(
    src: Sequence[Sequence[str]], tgt: Sequence[Sequence[str]], *, iterations: int = 5
) -> tuple[list[str], list[str], Any, Any, Any]:
    """IBM Model 1 p(tgt word | src word) with a NULL source word, by EM over all co-occurring pairs at once.

    Returns (source vocabulary, target vocabulary, pair source ids, pair target ids, probabilities): one
    entry per distinct co-occurring pair; source id 0 is NULL.
    """
    import numpy as np

    s_vocab: dict[str, int] = {"<null>": 0}
    t_vocab: dict[str, int] = {}
    s_ids = _index(src, s_vocab)
    t_ids = _index(tgt, t_vocab)
    # One entry per (sentence, target position, source position incl. NULL), grouped by target position.
    pair_s: list[Any] = []
    pair_t: list[Any] = []
    sizes: list[Any] = []
    for ss, ts in zip(s_ids, t_ids):
        if not ss or not ts:
            continue
        s_arr = np.array([0, *ss], dtype=np.int64)
        t_arr = np.array(ts, dtype=np.int64)
        pair_s.append(np.tile(s_arr, len(t_arr)))
        pair_t.append(np.repeat(t_arr, len(s_arr)))
        sizes.append(np.full(len(t_arr), len(s_arr), dtype=np.int64))
    all_s = np.concatenate(pair_s)
    all_t = np.concatenate(pair_t)
    group_sizes = np.concatenate(sizes)
    starts = np.concatenate([[0], np.cumsum(group_sizes)[:-1]])
    key = all_s * len(t_vocab) + all_t
    uniq, inverse = np.unique(key, return_inverse=True)
    u_s = uniq // len(t_vocab)
    u_t = uniq % len(t_vocab)
    t_prob = np.full(len(uniq), 1.0 / len(t_vocab))
    for _ in range(iterations):
        p = t_prob[inverse]
        denom = np.add.reduceat(p, starts)
        counts = p / np.repeat(denom, group_sizes)
        pair_counts = np.bincount(inverse, weights=counts, minlength=len(uniq))
        totals = np.bincount(u_s, weights=pair_counts, minlength=len(s_vocab))
        t_prob = pair_counts / np.maximum(totals[u_s], 1e-12)
    return list(s_vocab), list(t_vocab), u_s, u_t, t_prob


def train_lexicon(
    fr: Sequence[Sequence[str]],
    en: Sequence[Sequence[str]],
    *,
    iterations: int = 5,
    min_prob: float = 0.02,
    top: int = 8,
    min_count: int = 2,
    source: str = "trained",
) -> Lexicon:
    """IBM-1 p(en|fr). A pair is kept when p(en|fr) >= ``min_prob``, it is among the ``top`` translations of the
    French word, and that word occurs at least ``min_count`` times."""
    import numpy as np

    fr_counts: dict[str, int] = {}
    for sentence in fr:
        for w in sentence:
            fr_counts[w] = fr_counts.get(w, 0) + 1
    s_vocab, t_vocab, u_s, u_t, prob = ibm1(fr, en, iterations=iterations)
    order = np.lexsort((-prob, u_s))
    boundaries = np.r_[True, u_s[order][1:] != u_s[order][:-1]]
    group_start = np.maximum.accumulate(np.where(boundaries, np.arange(len(order)), 0))
    rank = np.zeros(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - group_start
    table: dict[str, dict[str, float]] = {}
    for k in np.nonzero((prob >= min_prob) & (rank < top) & (u_s != 0))[0]:
        f, e = s_vocab[u_s[k]], t_vocab[u_t[k]]
        if fr_counts.get(f, 0) >= min_count:
            table.setdefault(f, {})[e] = float(prob[k])
    return Lexicon(table, source)
