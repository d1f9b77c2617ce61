from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sacrebleu

from aligner.errors import InputError, ModelError
from aligner.reading.typography import english_typography, normalize_source
from aligner.translation import Translation, make_translator, texts_of
from aligner.translation.frontend import MarianTranslator, plan_batches, split_long
from aligner.translation.memory import FileTranslator
from conftest import TINY_MODEL


def tiny(**options: Any) -> MarianTranslator:
    """The tiny model on the transformers engine, with ``options`` as ``make_translator`` takes them."""
    translator = make_translator("transformers", model=str(TINY_MODEL), **options)
    assert isinstance(translator, MarianTranslator)
    return translator


def test_tiny_model_translates_its_training_sentences(
    tiny_translator: MarianTranslator, training_pairs: list[tuple[str, str]]
) -> None:
    sample = training_pairs[::7]
    out = texts_of(tiny_translator.translate([fr for fr, _ in sample]))
    refs = [english_typography(en) for _, en in sample]
    assert sacrebleu.corpus_bleu(out, [refs]).score > 95
    assert out[0] == refs[0]


def test_order_is_kept_and_repeats_and_blanks_are_fine(tiny_translator: MarianTranslator) -> None:
    out = texts_of(tiny_translator.translate(["Oui.", "Merci.", "", "Oui.", "Non."]))
    assert out == ["Yes.", "Thank you.", "", "Yes.", "No."]


def test_output_gets_english_typography(tiny_translator: MarianTranslator) -> None:
    (out,) = texts_of(
        tiny_translator.translate(["Le président russe Vladimir Poutine a déclaré : « Nous voulons la paix »."])
    )
    assert out == "Russian President Vladimir Putin said: “We want peace.”"


def test_unknown_characters_are_reported_not_silently_dropped(tiny_translator: MarianTranslator) -> None:
    (t,) = tiny_translator.translate(["Merci Ω."])
    assert isinstance(t, Translation)
    assert any("Ω" in piece for piece in t.unk)
    (clean,) = tiny_translator.translate(["Merci."])
    assert clean.unk == ()


def test_long_sentences_are_split_at_clauses_never_truncated() -> None:
    translator = tiny(beam=1, max_input_tokens=48)
    first = "Le président russe Vladimir Poutine a déclaré mercredi que la rencontre a duré plus de quatre heures"
    second = "la Maison Blanche a affirmé que les États-Unis ont condamné les lancements."
    (t,) = translator.translate([f"{first}, et {second}"])
    assert t.chunks >= 2
    assert "Russian President Vladimir Putin" in t.text
    assert "condemned the launches" in t.text
    assert not t.hit_length_limit


def test_split_long_rejoins_to_the_input() -> None:
    text = "un deux, trois quatre; cinq six — sept huit et neuf dix"
    parts = split_long(text, lambda s: len(s.split()), 3)
    assert all(len(p.split()) <= 3 for p in parts)
    assert " ".join(parts) == text


def test_progress_counts_sentences() -> None:
    seen: list[int] = []
    translator = tiny(beam=1, batch_size=2, progress=seen.append)
    translator.translate(["Oui.", "Non.", "Merci.", "Oui."])
    assert sum(seen) == 4


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"beam": 0}, "beam size must be at least 1"), ({"batch_size": 0}, "batch size"), ({"device": "tpu"}, "device")],
)
def test_bad_settings(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ModelError, match=message):
        tiny(**kwargs)


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("Il a dit : « oui » ; vraiment ?", 'Il a dit: " oui "; vraiment ?'),
        ("l’armée\u00a0!", "l'armée!"),  # Moses: no-break space before ! ? : ; dropped
        ("l’armée !", "l'armée !"),  # a plain space is not French typography's: kept, as Moses keeps it
    ],
)
def test_source_normalisation_matches_opus_mt_preprocessing(src: str, expected: str) -> None:
    assert normalize_source(src) == expected


@pytest.mark.parametrize(
    ("mt", "expected"),
    [
        ('He said : " We want peace ". It\'s over ; really ?', "He said: “We want peace.” It’s over; really?"),
        ("Kim called it the « first priority » .", "Kim called it the “first priority.”"),
        ('"Yes," he said.', "“Yes,” he said."),
        ("The leaders' plan", "The leaders’ plan"),
    ],
)
def test_english_typography(mt: str, expected: str) -> None:
    assert english_typography(mt) == expected


def test_file_translator_positional_and_jsonl(tmp_path: Path) -> None:
    lines = tmp_path / "mt.txt"
    lines.write_text("One.\nTwo.\n", encoding="utf-8")
    t = FileTranslator.positional(["Un.", "Deux."], lines)
    assert texts_of(t.translate(["Deux.", "Un.", "Deux."])) == ["Two.", "One.", "Two."]
    with pytest.raises(InputError, match=r"mt\.txt: 2 lines but the story has 3 sentences"):
        FileTranslator.positional(["Un.", "Deux.", "Trois."], lines)
    jl = tmp_path / "mt.jsonl"
    jl.write_text(json.dumps({"source": "Un  deux.", "translation": "One two."}) + "\n", encoding="utf-8")
    t2 = FileTranslator.from_jsonl(jl)
    assert texts_of(t2.translate(["Un deux."])) == ["One two."]  # whitespace-folded lookup
    with pytest.raises(InputError, match=r"mt\.jsonl: no translation for the sentence 'Trois\.'"):
        t2.translate(["Trois."])


def test_plan_batches_by_sentences_and_tokens() -> None:
    lengths = [5, 40, 12, 12, 3, 30]
    assert plan_batches(lengths, 2) == [[1, 5], [2, 3], [0, 4]]  # longest first, 2 per batch
    # 64 padded tokens: 40 goes alone (40 × 2 > 64), 30 + 12 fit (30 × 2), then 12 × 3 ...
    assert plan_batches(lengths, 8, 64) == [[1], [5, 2], [3, 0, 4]]
    assert plan_batches([100], 8, 10) == [[0]]  # a sentence longer than the budget still goes, alone
    assert sorted(i for b in plan_batches(lengths, 3, 50) for i in b) == list(range(6))


@pytest.mark.parametrize("compute_type", ["int8", "bfloat16"])
def test_transformers_cheap_wins_keep_the_translations(compute_type: str) -> None:
    sources = (TINY_MODEL / "train.fr").read_text(encoding="utf-8").splitlines()[:120]
    base = texts_of(tiny(beam=1, typography=False).translate(sources))
    fast = tiny(beam=1, typography=False, compute_type=compute_type, batch_tokens=400)
    out = texts_of(fast.translate(sources))
    assert fast.signature.compute_type == compute_type
    changed = sum(a != b for a, b in zip(out, base))
    print(f"transformers {compute_type}: {changed}/{len(out)} outputs differ from fp32")
    assert changed <= 0.1 * len(out)


def test_transformers_refuses_an_unknown_compute_type() -> None:
    with pytest.raises(ModelError, match="float32, bfloat16 or"):
        tiny(compute_type="int4")


@pytest.mark.parametrize("engine", ["transformers", "ctranslate2"])
def test_a_sentence_cut_at_the_cap_says_so_on_both_engines(engine: str) -> None:
    """transformers' Marian generation forces </s> into the last allowed position: a cut sentence must still be
    flagged (the backend once read that forced </s> as a natural end)."""
    cut = make_translator(engine, model=str(TINY_MODEL), beam=1, max_new_tokens=6)
    whole = make_translator(engine, model=str(TINY_MODEL), beam=1)
    long = "Le président russe Vladimir Poutine a déclaré mercredi que la rencontre a duré plus de quatre heures."
    short, cut_long = cut.translate(["Oui.", long])
    assert cut_long.hit_length_limit and len(cut_long.text) < len(whole.translate([long])[0].text)
    assert not short.hit_length_limit and short.text == "Yes."
