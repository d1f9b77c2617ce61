"""Build a tiny, real MarianMT checkpoint in the Helsinki-NLP layout, deterministically.

The checkpoint lets the tests run the exact transformers code path that the real
``Helsinki-NLP/opus-mt-fr-en`` model takes (``MarianTokenizer`` + ``MarianMTModel.generate``)
without downloading anything. It is trained on a few hundred templated French/English
news-like sentence pairs until it reproduces them, so its output is recognisable English
for those sentences (and nonsense elsewhere, as expected of a 250k-parameter model).

Usage::

    python models/build_tiny_marian.py [--out models/tiny-marian-fr-en] [--steps 1200]

Determinism: fixed seeds, one torch thread, SentencePiece trained through ``model_writer`` with
``num_threads=1`` (a ``model_prefix`` path would be stored inside the ``.spm``), weights written
with safetensors. Two runs on the same machine and library versions give byte-identical files.
The ``<pad>`` embedding row is kept at zero after every optimiser step, as in converted OPUS-MT
checkpoints, so that other engines (CTranslate2) decode exactly like transformers.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))  # run from a checkout

SEED = 20231013

# (French, English) fragments. Sentences are the product of these lists, sampled with a seed.
SUBJECTS = [
    ("Le dirigeant nord-coréen Kim Jong Un", "North Korean leader Kim Jong Un"),
    ("Le président russe Vladimir Poutine", "Russian President Vladimir Putin"),
    ("Le ministère sud-coréen des Affaires étrangères", "South Korea's Foreign Ministry"),
    ("Le porte-parole du Département d’État", "The State Department spokesman"),
    ("Le gouvernement français", "The French government"),
    ("La Maison Blanche", "The White House"),
    ("Un analyste basé à Séoul", "An analyst based in Seoul"),
    ("Le Premier ministre", "The prime minister"),
]
VERBS = [
    ("a déclaré mercredi que", "said on Wednesday that"),
    ("a affirmé que", "said that"),
    ("a ajouté que", "added that"),
    ("estime que", "believes that"),
]
CLAUSES = [
    ("la rencontre a duré plus de quatre heures.", "the meeting lasted more than four hours."),
    ("les deux pays vont approfondir leur coopération.", "the two countries will deepen their cooperation."),
    ("la Corée du Nord a tiré deux missiles balistiques.", "North Korea fired two ballistic missiles."),
    ("la Russie cherche des munitions pour la guerre.", "Russia is seeking munitions for the war."),
    ("le sommet a eu lieu au cosmodrome de Vostochny.", "the summit took place at the Vostochny cosmodrome."),
    ("les États-Unis ont condamné les lancements.", "the United States condemned the launches."),
    ("la situation dans la région reste tendue.", "the situation in the region remains tense."),
    ("le train blindé est arrivé en Russie.", "the armoured train arrived in Russia."),
    ("l’accord porte sur 650 millions de dollars.", "the deal is worth 650 million dollars."),
    ("la guerre de 1950 à 1953 a changé la région.", "the war from 1950 to 1953 changed the region."),
]
QUOTES = [
    ("« Nous voulons la paix »", '"We want peace"'),
    ("« La coopération est notre priorité »", '"Cooperation is our priority"'),
    ("« Ce voyage est historique »", '"This trip is historic"'),
]
SHORT = [
    ("CE QU’IL FAUT SAVOIR :", "WHAT TO KNOW:"),
    ("Ce qu’il faut savoir :", "What to know:"),
    ("Merci.", "Thank you."),
    ("Oui.", "Yes."),
    ("Non.", "No."),
    ("Kim a pris la parole.", "Kim spoke."),
    ("Poutine a souhaité la bienvenue à Kim.", "Putin welcomed Kim."),
    ("Les dirigeants se sont réunis mercredi.", "The leaders met on Wednesday."),
]


def training_pairs(n: int = 300) -> list[tuple[str, str]]:
    """The templated corpus: every SHORT pair, then ``n`` sampled subject-verb-clause/quote pairs.

    The French side goes through the same Moses punctuation normalisation that OPUS-MT's training
    applied and that ``aligner`` applies before translating; the English side keeps straight
    quotes, as OPUS-MT output does, so that the output typography step has work to do.
    """
    from aligner.typography import normalize_source

    rng = random.Random(SEED)
    statements = [
        (f"{sf} {vf} {cf}", f"{se} {ve} {ce}")
        for (sf, se), (vf, ve), (cf, ce) in itertools.product(SUBJECTS, VERBS, CLAUSES)
    ]
    quoted = [
        (f"{sf} a déclaré : {qf}.", f"{se} said: {qe}.") for (sf, se), (qf, qe) in itertools.product(SUBJECTS, QUOTES)
    ]
    pool = statements + quoted
    rng.shuffle(pool)
    return [(normalize_source(f), e) for f, e in SHORT + pool[:n]]


def train_spm(sentences: list[str], vocab_size: int) -> bytes:
    import sentencepiece as spm

    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(sentences),
        model_writer=buf,
        vocab_size=vocab_size,
        hard_vocab_limit=False,
        model_type="unigram",
        character_coverage=1.0,
        num_threads=1,
        seed_sentencepiece_size=10000,
        normalization_rule_name="nmt_nfkc",
        minloglevel=2,
    )
    return buf.getvalue()


def build(out: Path, steps: int) -> None:
    import numpy as np
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    np.random.seed(SEED)
    torch.use_deterministic_algorithms(True)

    pairs = training_pairs()
    out.mkdir(parents=True, exist_ok=True)
    src_model = train_spm([f for f, _ in pairs], 200)
    tgt_model = train_spm([e for _, e in pairs], 200)
    (out / "source.spm").write_bytes(src_model)
    (out / "target.spm").write_bytes(tgt_model)

    # One joint vocabulary, Helsinki-NLP style: </s>=0, <unk>=1, the pieces, <pad> last.
    pieces: list[str] = []
    seen = {"</s>", "<unk>", "<pad>", "<s>"}
    for blob in (src_model, tgt_model):
        proc = spm.SentencePieceProcessor(model_proto=blob)
        for i in range(proc.get_piece_size()):
            piece = proc.id_to_piece(i)
            if piece not in seen and not proc.is_control(i) and not proc.is_unknown(i):
                seen.add(piece)
                pieces.append(piece)
    vocab = {"</s>": 0, "<unk>": 1}
    for piece in pieces:
        vocab[piece] = len(vocab)
    vocab["<pad>"] = len(vocab)
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    pad = vocab["<pad>"]
    (out / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "source_lang": "fr",
                "target_lang": "en",
                "model_max_length": 128,
                "separate_vocabs": False,
                "tokenizer_class": "MarianTokenizer",
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )

    config = MarianConfig(
        vocab_size=len(vocab),
        decoder_vocab_size=len(vocab),
        d_model=64,
        encoder_layers=2,
        decoder_layers=2,
        encoder_attention_heads=4,
        decoder_attention_heads=4,
        encoder_ffn_dim=128,
        decoder_ffn_dim=128,
        max_position_embeddings=128,
        activation_function="swish",
        scale_embedding=True,
        dropout=0.0,
        pad_token_id=pad,
        decoder_start_token_id=pad,
        eos_token_id=0,
        forced_eos_token_id=0,
        share_encoder_decoder_embeddings=True,
        tie_word_embeddings=True,
        architectures=["MarianMTModel"],
    )
    model = MarianMTModel(config)
    with torch.no_grad():
        model.model.shared.weight[pad].zero_()
    tok = MarianTokenizer(
        str(out / "source.spm"),
        str(out / "target.spm"),
        str(out / "vocab.json"),
        source_lang="fr",
        target_lang="en",
        model_max_length=128,
    )

    batch_size = 32
    optim = torch.optim.Adam(model.parameters(), lr=3e-3)
    order = list(range(len(pairs)))
    rng = random.Random(SEED)
    model.train()
    step = 0
    while step < steps:
        rng.shuffle(order)
        for start in range(0, len(order), batch_size):
            chunk = [pairs[i] for i in order[start : start + batch_size]]
            enc = tok([f for f, _ in chunk], text_target=[e for _, e in chunk], padding=True, return_tensors="pt")
            labels = enc["labels"].masked_fill(enc["labels"] == pad, -100)
            loss = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"], labels=labels).loss
            optim.zero_grad()
            loss.backward()
            optim.step()
            with torch.no_grad():
                model.model.shared.weight[pad].zero_()
            step += 1
            if step % 100 == 0:
                print(f"step {step}: loss {loss.item():.4f}", flush=True)
            if step >= steps:
                break
    model.eval()

    model.save_pretrained(out)
    (out / "generation_config.json").write_text(
        json.dumps(
            {
                "bad_words_ids": [[pad]],
                "bos_token_id": 0,
                "decoder_start_token_id": pad,
                "eos_token_id": 0,
                "forced_eos_token_id": 0,
                "max_length": 128,
                "num_beams": 4,
                "pad_token_id": pad,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    (out / "train.fr").write_text("".join(f + "\n" for f, _ in pairs), encoding="utf-8")
    (out / "train.en").write_text("".join(e + "\n" for _, e in pairs), encoding="utf-8")
    (out / "README.md").write_text(
        "# tiny-marian-fr-en\n\n"
        "A 2+2-layer, d_model 64 MarianMT checkpoint in the Helsinki-NLP layout, built by\n"
        "`python models/build_tiny_marian.py` for tests. Trained only on `train.fr`/`train.en`\n"
        "(templated news-like sentences); it translates those and little else.\n",
        encoding="utf-8",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "tiny-marian-fr-en")
    parser.add_argument("--steps", type=int, default=1200)
    args = parser.parse_args()
    build(args.out, args.steps)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
