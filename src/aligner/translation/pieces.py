"""Marian's tokenization without transformers: a Helsinki-NLP folder's SentencePiece models and vocab.json.

``MarianPieces`` gives the same pieces and the same detokenized strings as transformers'
``MarianTokenizer`` (tests compare the two on newstest sentences), at a fraction of the import
cost, so the CTranslate2 engine runs without torch or transformers in the process.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ..errors import ModelError

SPIECE_UNDERLINE = "\u2581"


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read {path}: {exc}") from None


class MarianPieces:
    """Source pieces in, target text out, exactly as ``MarianTokenizer`` does it.

    ``pieces(text)``: the source pieces (a leading ``>>xx<<`` language code kept whole, special
    tokens written in the text kept whole); ``encode(text)``: the same plus ``</s>``;
    ``decode(tokens)``: target pieces back to text, special tokens kept as words.
    """

    def __init__(self, folder: str | Path) -> None:
        import sentencepiece

        root = Path(folder)
        config: dict[str, Any] = {}
        if (root / "tokenizer_config.json").is_file():
            config = _load_json(root / "tokenizer_config.json")
        if config.get("separate_vocabs"):
            raise ModelError(f"{root}: models with separate source and target vocabularies are not supported")
        self.unk = str(config.get("unk_token", "<unk>"))
        self.eos = str(config.get("eos_token", "</s>"))
        self.pad = str(config.get("pad_token", "<pad>"))
        self.model_max_length = int(config.get("model_max_length", 512))
        self.vocab: dict[str, int] = _load_json(root / "vocab.json")
        if self.unk not in self.vocab:
            raise ModelError(f"{root / 'vocab.json'}: has no {self.unk} entry; is this a Marian vocabulary?")
        try:
            self.source = sentencepiece.SentencePieceProcessor(model_file=str(root / "source.spm"))
            self.target = sentencepiece.SentencePieceProcessor(model_file=str(root / "target.spm"))
        except (OSError, RuntimeError) as exc:
            raise ModelError(f"cannot load the SentencePiece models in {root}: {exc}") from None
        self.special = (self.unk, self.eos, self.pad)
        self._split = re.compile("(" + "|".join(re.escape(t) for t in self.special) + ")")

    def pieces(self, text: str) -> list[str]:
        code: list[str] = []
        if text.startswith(">>") and (end := text.find("<<")) != -1:
            code, text = [text[: end + 2]], text[end + 2 :]
        out = code
        for part in self._split.split(text):
            if part in self.special:
                out.append(part)
            elif part:
                out.extend(self.source.encode(part, out_type=str))
        return out

    def encode(self, text: str) -> list[str]:
        return [*self.pieces(text), self.eos]

    def target_pieces(self, text: str) -> list[str]:
        """The target pieces of an English ``text`` (without ``</s>``): what the model would have generated."""
        return list(self.target.encode(text, out_type=str)) if text else []

    def decode(self, tokens: list[str]) -> str:
        out = ""
        run: list[str] = []
        for token in tokens:
            if token in self.special:
                out += self.target.decode_pieces(run) + token + " "
                run = []
            else:
                run.append(token)
        out += self.target.decode_pieces(run)
        text: str = out.replace(SPIECE_UNDERLINE, " ")
        return text.strip()
