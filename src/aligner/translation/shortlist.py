"""A vocabulary shortlist for CTranslate2 (its ``vmap``), built from the project's lexical table.

The decoder's output layer scores all ~60,000 target pieces at every step; most of them cannot
translate a given French batch. CTranslate2 restricts the output layer to the union of the
candidates of the batch's source n-grams plus a fixed set (``use_vmap=True``, a ``vmap.txt`` in
the model folder, one rule per line: ``source pieces<TAB>target pieces``). The rules are made for
the model's own SentencePiece models:

- every French word of the lexicon (lower-cased, capitalised and upper-cased, at a word start or
  glued to a preceding apostrophe) → the pieces of its English translations with p(en|fr) ≥
  ``min_p`` (in the same three casings);
- every source piece → itself when it is also a target piece (names and numbers are copied);
- the fixed set (empty key): the ``frequent`` most frequent English words' pieces and every
  target piece without a letter (punctuation, numbers: "$100" is not "100 $" in French).

``vmap_lines`` builds the rules; ``aligner.translation.convert`` writes them beside a converted model.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from ..alignment.lexicon import Lexicon
from ..files import data_file
from .pieces import SPIECE_UNDERLINE, MarianPieces

FREQUENT_FILE = "english-frequent.txt"


def frequent_words_path() -> Path:
    """Words of the English side of the lexicon's corpora, most frequent first (``models/build_frequent.py``),
    shipped in the package."""
    return data_file(FREQUENT_FILE)


def _variants(word: str) -> set[str]:
    return {word, word[:1].upper() + word[1:], word.upper()}


def _source_keys(pieces: MarianPieces, word: str) -> Iterator[tuple[str, ...]]:
    for form in _variants(word):
        yield tuple(pieces.source.encode(form, out_type=str))  # at a word start: "▁homme"
        glued = pieces.source.encode("l'" + form, out_type=str)  # after an apostrophe: "l", "'", "homme"
        if len(glued) > 2 and glued[1] == "'":
            yield tuple(glued[2:])


def _target_pieces(pieces: MarianPieces, word: str) -> set[str]:
    out: set[str] = set()
    for form in _variants(word):
        out.update(pieces.target.encode(form, out_type=str))
        out.update(pieces.target.encode('"' + form, out_type=str)[1:])  # glued to punctuation
    return out


def vmap_lines(
    pieces: MarianPieces,
    lexicon: Lexicon,
    frequent_words: Iterable[str],
    *,
    frequent: int = 5000,
    min_p: float = 0.02,
    max_ngram: int = 4,
) -> list[str]:
    """The rules of a ``vmap.txt`` for the model whose tokenizer is ``pieces``; sorted, deterministic."""
    target_vocab = {pieces.target.id_to_piece(i) for i in range(pieces.target.get_piece_size())}
    target_vocab &= set(pieces.vocab)
    fixed: set[str] = {p for p in target_vocab if not any(c.isalpha() for c in p)}
    for word in list(frequent_words)[:frequent]:
        fixed |= _target_pieces(pieces, word) & target_vocab
    rules: dict[tuple[str, ...], set[str]] = {}
    for fr, translations in lexicon.table.items():
        targets: set[str] = set()
        for en, p in translations.items():
            if p >= min_p:
                targets |= _target_pieces(pieces, en)
        targets = (targets & target_vocab) - fixed
        if not targets:
            continue
        for key in _source_keys(pieces, fr):
            if 0 < len(key) <= max_ngram and key != (SPIECE_UNDERLINE,):
                rules.setdefault(key, set()).update(targets)
    for i in range(pieces.source.get_piece_size()):
        piece = pieces.source.id_to_piece(i)
        if piece in target_vocab and piece not in fixed:
            rules.setdefault((piece,), set()).add(piece)
    lines = ["\t" + " ".join(sorted(fixed))]
    lines.extend(" ".join(key) + "\t" + " ".join(sorted(t)) for key, t in sorted(rules.items()))
    return lines
