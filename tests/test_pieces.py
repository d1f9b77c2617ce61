"""aligner.pieces against transformers' MarianTokenizer: same source pieces, same detokenized text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aligner.translation.pieces import MarianPieces
from conftest import DATA, TINY_MODEL, needs_shared

ODD = [
    "",
    "   ",
    "Il a dit « oui » – vraiment\u00a0?",
    ">>fra<< Bonjour.",
    "un </s> dans le texte et <unk> aussi",
    "Ça coûte 3,5 M€ (2024) — 12 % de plus…",
    "日本語のテキスト",
]


def _tokenizer() -> Any:
    from transformers import MarianTokenizer

    return MarianTokenizer.from_pretrained(str(TINY_MODEL), local_files_only=True)


def check_same(texts: list[str]) -> None:
    tok = _tokenizer()
    pieces = MarianPieces(TINY_MODEL)
    for text in texts:
        expected = tok.convert_ids_to_tokens(tok(text)["input_ids"])
        ours = pieces.encode(text)
        # transformers maps pieces missing from vocab.json to <unk>; CTranslate2 does the same with ours
        assert [p if p in pieces.vocab else "<unk>" for p in ours] == expected, text
        assert pieces.pieces(text) == ours[:-1] and ours[-1] == "</s>"


def test_source_pieces_match_marian_tokenizer_on_odd_text() -> None:
    check_same(ODD + (TINY_MODEL / "train.fr").read_text(encoding="utf-8").splitlines())


@needs_shared
def test_source_pieces_match_marian_tokenizer_on_newstest() -> None:
    lines = (DATA / "wmt-newstest-fren" / "txt" / "newstest2014.fr").read_text(encoding="utf-8").splitlines()
    check_same(lines[:500])


@pytest.mark.parametrize("with_unk", [False, True])
def test_decode_matches_marian_tokenizer(with_unk: bool) -> None:
    tok = _tokenizer()
    pieces = MarianPieces(TINY_MODEL)
    for line in (TINY_MODEL / "train.en").read_text(encoding="utf-8").splitlines()[:100]:
        target = pieces.target.encode(line, out_type=str)
        if with_unk:
            target = [*target[:2], "<unk>", *target[2:]]
        assert pieces.decode(target) == tok.convert_tokens_to_string(target)


def test_a_folder_without_a_vocabulary_is_a_model_error(tmp_path: Path) -> None:
    from aligner.errors import ModelError

    with pytest.raises(ModelError, match=r"vocab\.json"):
        MarianPieces(tmp_path)
