"""Build a MarianMT checkpoint with Helsinki-NLP/opus-mt-fr-en's exact architecture and random weights.

    python models/build_random_opus.py [--data ../shared/data] [--out eval/artifacts/random-opus-mt-fr-en]

For speed benchmarks only (its output is noise): 6+6 layers, d_model 512, 8 heads, FFN 2048,
swish, static sinusoidal positions, tied 59,514-word joint vocabulary, max 512 positions, as in the
real model's config.json. The tokenizer is real: two SentencePiece unigram models (French and
English, 32,000 pieces each, as OPUS-MT's) trained on the French/English news and Europarl text in
../shared/data, merged into one 59,514-entry vocab.json. About 300 MB; not committed.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

VOCAB = 59514  # Helsinki-NLP/opus-mt-fr-en
CONFIG = {
    "activation_dropout": 0.0,
    "activation_function": "swish",
    "architectures": ["MarianMTModel"],
    "attention_dropout": 0.0,
    "bos_token_id": 0,
    "d_model": 512,
    "decoder_attention_heads": 8,
    "decoder_ffn_dim": 2048,
    "decoder_layerdrop": 0.0,
    "decoder_layers": 6,
    "decoder_start_token_id": VOCAB - 1,
    "decoder_vocab_size": VOCAB,
    "dropout": 0.1,
    "encoder_attention_heads": 8,
    "encoder_ffn_dim": 2048,
    "encoder_layerdrop": 0.0,
    "encoder_layers": 6,
    "eos_token_id": 0,
    "forced_eos_token_id": 0,
    "init_std": 0.02,
    "is_encoder_decoder": True,
    "max_length": 512,
    "max_position_embeddings": 512,
    "model_type": "marian",
    "normalize_embedding": False,
    "num_beams": 4,
    "num_hidden_layers": 6,
    "pad_token_id": VOCAB - 1,
    "scale_embedding": True,
    "share_encoder_decoder_embeddings": True,
    "static_position_embeddings": True,
    "tie_word_embeddings": True,
    "vocab_size": VOCAB,
}


def train_spm(lines: list[str], size: int) -> bytes:
    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=model,
        vocab_size=size,
        model_type="unigram",
        character_coverage=1.0,
        num_threads=2,
        input_sentence_size=200000,
        shuffle_input_sentence=True,
        normalization_rule_name="nmt_nfkc",
        unk_id=1,
        eos_id=0,
        bos_id=-1,
        pad_id=-1,
        minloglevel=2,
        hard_vocab_limit=False,  # the English text supports fewer than 32,000 pieces
    )
    return model.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    root = Path(__file__).resolve().parents[1]
    parser.add_argument("--data", type=Path, default=root.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=root / "eval" / "artifacts" / "random-opus-mt-fr-en")
    args = parser.parse_args()
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel

    texts: dict[str, list[str]] = {"fr": [], "en": []}
    for lang in ("fr", "en"):
        for path in sorted((args.data / "wmt-newstest-fren" / "txt").glob(f"*.{lang}")):
            texts[lang] += path.read_text(encoding="utf-8").splitlines()
        europarl = args.data / "europarl-v7-sample20k-tok" / f"europarl-v7.sample20k.tok.{lang}"
        texts[lang] += europarl.read_text(encoding="utf-8").splitlines()
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    vocab: dict[str, int] = {"</s>": 0, "<unk>": 1}
    for lang, name in (("fr", "source.spm"), ("en", "target.spm")):
        blob = train_spm([t for t in texts[lang] if t.strip()], 32000)
        (out / name).write_bytes(blob)
        sp = spm.SentencePieceProcessor(model_proto=blob)
        for i in range(sp.get_piece_size()):
            piece = sp.id_to_piece(i)
            if len(vocab) < VOCAB - 1:
                vocab.setdefault(piece, len(vocab))
    k = 0
    while len(vocab) < VOCAB - 1:  # OPUS-MT's joint vocabulary has 59,514 entries: pad the merge to that size
        vocab.setdefault(f"<filler{k}>", len(vocab))
        k += 1
    vocab["<pad>"] = VOCAB - 1
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    (out / "tokenizer_config.json").write_text(
        json.dumps({"source_lang": "fr", "target_lang": "en", "model_max_length": 512, "separate_vocabs": False,
                    "tokenizer_class": "MarianTokenizer"}), encoding="utf-8")  # fmt: skip
    torch.manual_seed(0)
    model = MarianMTModel(MarianConfig(**CONFIG)).eval()
    with torch.no_grad():
        model.model.shared.weight[VOCAB - 1].zero_()  # CTranslate2 starts from a zero vector, as the pad row
    model.generation_config.max_length = 512
    model.generation_config.num_beams = 4
    model.save_pretrained(out)
    params = sum(p.numel() for p in model.parameters())
    print(f"{out}: {params:,} parameters, vocab {len(vocab):,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
