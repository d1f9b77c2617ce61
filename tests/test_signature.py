"""Signatures: rendered sacreBLEU-style as key:value|key:value and parsed back into their fields."""

from __future__ import annotations

import pytest

from aligner.errors import InputError
from aligner.signature import Signature, score_signature, split_score_signature

FULL = Signature(
    model="Helsinki-NLP/opus-mt-fr-en",
    revision="0123456789abcdef0123456789abcdef01234567",
    engine="ctranslate2",
    engine_version="4.8.5",
    compute_type="int8",
    beam="4",
    shortlist="on",
    normalize="moses-fr",
    typography="english",
    lexicon="60f7b5af2bf5c3a5",
    align="bitext+mt",
    align_settings=(("width", "10"), ("null", "8"), ("mix", "0.2")),
    version="0.1.0",
)


def test_render_puts_nested_settings_under_their_own_keys() -> None:
    text = FULL.render()
    assert text == (
        "model:Helsinki-NLP/opus-mt-fr-en|revision:0123456789abcdef0123456789abcdef01234567|engine:ctranslate2|"
        "engine.version:4.8.5|compute:int8|beam:4|shortlist:on|normalize:moses-fr|typography:english|"
        "lexicon:60f7b5af2bf5c3a5|align:bitext+mt|align.width:10|align.null:8|align.mix:0.2|aligner:0.1.0"
    )
    assert all(part.count(":") >= 1 for part in text.split("|"))


@pytest.mark.parametrize(
    "signature",
    [
        FULL,
        Signature(),
        Signature(model="models/tiny|odd:name%20x", revision="local", engine="file"),  # | and % in a folder name
        Signature(model="C:\\models\\opus", align="length", align_settings=(("ratio", "1.1"),)),
        Signature(test="wmt14", langpair="fr-en", origlang="fr", docs="first3", system="google.en"),
    ],
    ids=["full", "empty", "delimiters-in-a-value", "colon-in-a-value", "test-set"],
)
def test_parse_inverts_render(signature: Signature) -> None:
    assert Signature.parse(signature.render()) == signature


def test_a_value_never_holds_a_delimiter() -> None:
    text = Signature(model="a|b").render()
    assert text.split("|")[0] == "model:a%7Cb"


@pytest.mark.parametrize(
    ("text", "message"),
    [("model", r"'model' has no ':'"), ("model:x|colour:red", r"key 'colour' is not one of aligner's")],
)
def test_bad_signatures_are_named(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        Signature.parse(text)


def test_score_signatures_split_where_ours_begin() -> None:
    sacrebleu = "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0"
    full = score_signature(sacrebleu, FULL)
    assert full == sacrebleu + "|" + FULL.render()
    assert split_score_signature(full) == (sacrebleu, FULL)
    # sacreBLEU's TER has a key ("norm") that looks like ours ("normalize") but is not
    ter = "nrefs:1|case:lc|tok:tercom|norm:no|punct:yes|asian:no|version:2.6.0"
    assert split_score_signature(score_signature(ter, FULL)) == (ter, FULL)
    assert split_score_signature(sacrebleu) == (sacrebleu, Signature(version=""))


def test_translation_part_keeps_what_decides_the_mt() -> None:
    part = FULL.translation_part()
    assert (part.model, part.engine, part.beam, part.compute_type, part.shortlist) == (
        FULL.model, FULL.engine, FULL.beam, FULL.compute_type, FULL.shortlist
    )  # fmt: skip
    assert part.align == "" and part.align_settings == () and part.lexicon == "" and part.version == ""
