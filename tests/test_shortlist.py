"""The CTranslate2 vocabulary shortlist (``vmap.txt``) built for the tiny model's own SentencePiece models.

Expected keys and targets are derived here from the SentencePiece models themselves (what the rules are
documented to be made of), not from ``vmap_lines``'s output.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import aligner
from aligner.alignment.lexicon import Lexicon
from aligner.translation.pieces import SPIECE_UNDERLINE, MarianPieces
from aligner.translation.shortlist import frequent_words_path, vmap_lines
from conftest import TINY_MODEL

LEXICON = Lexicon({"chat": {"cat": 0.9, "dog": 0.01}, "maison": {"house": 0.8}}, "test")


@pytest.fixture(scope="module")
def pieces() -> MarianPieces:
    return MarianPieces(TINY_MODEL)


def source_key(pieces: MarianPieces, text: str) -> tuple[str, ...]:
    return tuple(pieces.source.encode(text, out_type=str))


def target_vocab(pieces: MarianPieces) -> set[str]:
    return {pieces.target.id_to_piece(i) for i in range(pieces.target.get_piece_size())} & set(pieces.vocab)


def parse(lines: list[str]) -> tuple[list[str], dict[tuple[str, ...], list[str]]]:
    """(the fixed set, rules) of ``vmap.txt`` lines; each line must have exactly one tab."""
    fixed: list[str] = []
    rules: dict[tuple[str, ...], list[str]] = {}
    for n, line in enumerate(lines):
        key, tab, targets = line.partition("\t")
        assert tab and "\t" not in targets, line
        if n == 0:
            assert key == ""
            fixed = targets.split(" ")
        else:
            assert key, f"line {n}: only the first line has an empty key"
            rules[tuple(key.split(" "))] = targets.split(" ")
    return fixed, rules


def test_first_line_is_the_fixed_set(pieces: MarianPieces) -> None:
    lines = vmap_lines(pieces, LEXICON, ["the", "of"], frequent=2)
    assert lines[0].startswith("\t")
    fixed, _ = parse(lines)
    assert fixed == sorted(set(fixed))
    assert set(fixed) <= set(pieces.vocab)  # nothing the model cannot produce
    vocab = target_vocab(pieces)
    letterless = {p for p in vocab if not any(c.isalpha() for c in p)}
    assert letterless <= set(fixed)  # punctuation and digits are always allowed
    assert {".", '"', "0", "1"} <= set(fixed)
    for word in ("the", "of"):  # the frequent words' pieces
        assert set(pieces.target.encode(word, out_type=str)) & vocab <= set(fixed)


def test_frequent_is_a_limit(pieces: MarianPieces) -> None:
    the = set(pieces.target.encode("the", out_type=str)) - {SPIECE_UNDERLINE}
    assert the and all(any(c.isalpha() for c in p) for p in the)  # precondition: "the" has letter pieces
    with_the, _ = parse(vmap_lines(pieces, LEXICON, ["the"], frequent=1))
    without, _ = parse(vmap_lines(pieces, LEXICON, ["the"], frequent=0))
    assert the <= set(with_the)
    assert not the & set(without)


def test_rules_are_sorted_and_deterministic(pieces: MarianPieces) -> None:
    lines = vmap_lines(pieces, LEXICON, ["the"])
    _, rules = parse(lines)
    keys = list(rules)
    assert keys == sorted(keys)
    assert len(keys) == len(lines) - 1  # one line per key
    for key, targets in rules.items():
        assert targets == sorted(set(targets)), key
    assert vmap_lines(pieces, LEXICON, ["the"]) == lines


@pytest.mark.parametrize("form", ["chat", "Chat", "CHAT"])
def test_every_casing_of_a_french_word_gets_a_rule(pieces: MarianPieces, form: str) -> None:
    """Sentence-initial and all-caps copy ("CHAT") must find the word's translations too."""
    _, rules = parse(vmap_lines(pieces, LEXICON, [], frequent=0))
    cat = set(pieces.target.encode("cat", out_type=str)) & target_vocab(pieces)
    cat -= {p for p in cat if not any(c.isalpha() for c in p)}  # those are in the fixed set
    assert cat
    key = source_key(pieces, form)
    assert key in rules
    assert cat <= set(rules[key])


def test_a_word_glued_to_an_apostrophe_gets_a_rule(pieces: MarianPieces) -> None:
    glued = source_key(pieces, "l'chat")
    assert glued[:2] == ("▁l", "'")  # precondition on the tiny model's pieces
    _, rules = parse(vmap_lines(pieces, LEXICON, [], frequent=0))
    assert glued[2:] in rules
    assert set(pieces.target.encode("cat", out_type=str)) & set(rules[glued[2:]])


def test_a_translation_below_min_p_adds_nothing(pieces: MarianPieces) -> None:
    """The translation "dog" has p = 0.01 < min_p: the table gives the same rules with and without it; a lower
    min_p keeps it."""
    without_dog = Lexicon({"chat": {"cat": 0.9}, "maison": {"house": 0.8}}, "test")
    assert vmap_lines(pieces, LEXICON, ["the"]) == vmap_lines(pieces, without_dog, ["the"])
    assert vmap_lines(pieces, LEXICON, ["the"], min_p=0.005) != vmap_lines(pieces, without_dog, ["the"], min_p=0.005)


def test_keys_longer_than_max_ngram_are_dropped(pieces: MarianPieces) -> None:
    upper = source_key(pieces, "MAISON")
    assert len(upper) == 6  # precondition: ▁M A I S O N
    _, short = parse(vmap_lines(pieces, LEXICON, [], frequent=0, max_ngram=4))
    _, long = parse(vmap_lines(pieces, LEXICON, [], frequent=0, max_ngram=6))
    assert upper not in short
    assert upper in long
    assert all(len(key) <= 4 for key in short if len(key) > 1)


def test_a_source_piece_that_is_a_target_piece_maps_to_itself(pieces: MarianPieces) -> None:
    """Names and numbers are copied: "▁P" (of "Paris") is a piece on both sides and must be allowed after itself."""
    lines = vmap_lines(pieces, Lexicon({}, "empty"), [], frequent=0)
    fixed, rules = parse(lines)
    assert pieces.source.encode("Paris", out_type=str)[0] == "▁P" == pieces.target.encode("Paris", out_type=str)[0]
    assert rules[("▁P",)] == ["▁P"]
    vocab = target_vocab(pieces)
    shared = {pieces.source.id_to_piece(i) for i in range(pieces.source.get_piece_size())} & vocab
    for piece in shared - set(fixed):
        assert piece in rules[(piece,)], piece
    # with an empty lexicon, the copy rules are the only rules
    assert all(len(key) == 1 and targets == list(key) for key, targets in rules.items())


def test_frequent_words_path_is_inside_the_package() -> None:
    path = frequent_words_path()
    assert path == Path(aligner.__file__).parent / "data" / "english-frequent.txt"
    assert path.is_file()
    words = path.read_text(encoding="utf-8").split()
    assert "the" in words[:5]  # most frequent first


def test_the_fixed_set_holds_only_pieces_of_the_model(pieces: MarianPieces) -> None:
    words = frequent_words_path().read_text(encoding="utf-8").split()
    fixed, _ = parse(vmap_lines(pieces, Lexicon({}, "empty"), words))
    assert set(fixed) <= set(pieces.vocab)
