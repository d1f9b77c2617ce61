"""Risk per bead and per word (``aligner.quality``): the features on hand-made cases, the shipped model's behaviour on
cases whose answer is known, the TER word labels, and what a run keeps of it (round trip, nothing else changed).

Each test names the mutation it catches."""

from __future__ import annotations

import gzip
import json
import math
import random
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from aligner.alignment.beads import Alignment, Bead
from aligner.files import data_file
from aligner.pipeline import AssessingTranslator, RiskOptions, run_story
from aligner.quality import Resources, RiskEstimator, RiskModel, english_ranks, story_features, word_spans
from aligner.quality.features import edited_units
from aligner.reading.document import Document
from aligner.reading.reader import parse_story, parse_text
from aligner.results import Flag, RunResult
from aligner.results.quality import Quality, WordRisk
from aligner.scoring.statistics import _translation_edit_rate, ter_edited_words
from aligner.signature import Signature
from aligner.translation import Translation
from aligner.translation.memory import FileTranslator
from conftest import SEED, SEED_REFERENCE, TINY_MODEL, needs_shared

LEXICON = {
    "le": {"the": 0.9},
    "chat": {"cat": 0.8},
    "noir": {"black": 0.7},
    "dort": {"sleeps": 0.6},
}


def resources(lexicon: dict[str, dict[str, float]] | None = None) -> Resources:
    return Resources(LEXICON if lexicon is None else lexicon, english_ranks())


def one_bead_run(source: str, mt: str, reference: str | None = None, flags: tuple[Flag, ...] = ()) -> RunResult:
    """A run of one sentence, made by hand (no model, no aligner)."""
    src = parse_text(source, doc_id="s", presegmented=True)
    ref = parse_text(reference, doc_id="s", lang="en", presegmented=True) if reference is not None else None
    alignment = Alignment((Bead((0,), (0,), 0.9),), "bitext" if ref is not None else "identity")
    signature = Signature(model="hand", align=alignment.method)
    return RunResult(src, (Translation(mt),), ref, alignment, None, signature, (flags,))


# ----------------------------------------------------------------------------------------------- word units


@pytest.mark.parametrize(
    ("text", "units"),
    [
        ("", []),
        ("The cat sleeps.", ["The", "cat", "sleeps", "."]),
        ("Don't stop, it's 3.5%", ["Don", "'t", "stop", ",", "it", "'s", "3", ".", "5", "%"]),
        ("A well-known “quote”", ["A", "well-known", "“", "quote", "”"]),
        ("l'Élysée", ["l", "'Élysée"]),
    ],
)
def test_word_spans(text: str, units: list[str]) -> None:
    # mutation: a tokeniser that splits hyphenated words or keeps punctuation on words
    spans = word_spans(text)
    assert [text[a:b] for a, b in spans] == units
    assert all(0 <= a < b <= len(text) for a, b in spans)


# ----------------------------------------------------------------------------------------------- features


def test_lexical_features_read_the_table_in_both_directions() -> None:
    # mutation: fr→en coverage computed from the MT's side (or the reverse) gives 1.0 for both below
    good = story_features(one_bead_run("Le chat noir dort.", "The black cat sleeps."), resources())
    row = dict(zip(good.beads.names, good.beads.rows[0]))
    assert row["lex_fr_cov"] == 1.0 and row["lex_en_cov"] == 1.0
    half = story_features(one_bead_run("Le chat noir dort.", "The cat."), resources())
    row = dict(zip(half.beads.names, half.beads.rows[0]))
    assert row["lex_fr_cov"] == pytest.approx(2 / 4)  # noir, dort untranslated
    assert row["lex_en_cov"] == 1.0  # both English words are explained
    extra = story_features(one_bead_run("Le chat.", "The cat sleeps on a black mat."), resources())
    row = dict(zip(extra.beads.names, extra.beads.rows[0]))
    assert row["lex_fr_cov"] == 1.0
    assert row["lex_en_cov"] == pytest.approx(2 / 7)  # the, cat of seven words


def test_a_copied_source_reads_as_french() -> None:
    # mutation: french_in_mt / copied not counted (a French copy then looks like any other MT)
    feats = story_features(
        one_bead_run("Le chat noir dort dans la maison.", "Le chat noir dort dans la maison."), resources()
    )
    row = dict(zip(feats.beads.names, feats.beads.rows[0]))
    assert row["french_in_mt"] >= 2  # le, la
    assert row["lex_en_cov"] == 1.0  # identical words are explained ...
    assert row["lex_en_mass"] < 0.5  # ... but the table does not translate French to itself


def test_case_only_flags_are_not_features() -> None:
    # mutation: capitalisation / end-punctuation counted (a lower-cased MT trips them on every bead)
    plain = story_features(one_bead_run("Le chat dort.", "the cat sleeps"), resources())
    flagged = story_features(
        one_bead_run(
            "Le chat dort.",
            "the cat sleeps",
            flags=(Flag("capitalisation", "info", "x"), Flag("end-punctuation", "info", "y")),
        ),
        resources(),
    )
    assert plain.beads == flagged.beads
    numbers = story_features(
        one_bead_run("Le chat dort.", "the cat sleeps", flags=(Flag("numbers", "error", "z"),)), resources()
    )
    row = dict(zip(numbers.beads.names, numbers.beads.rows[0]))
    assert row["flag_numbers"] == 1.0 and row["flag_error"] == 1.0


def test_signal_groups_follow_what_the_run_has() -> None:
    # mutation: reference or second-opinion features present without their signal (the model would read zeros)
    bare = story_features(one_bead_run("Le chat dort.", "The cat sleeps."), resources())
    assert bare.signals == ("source",)
    assert not any(n.startswith(("ref_", "so_")) for n in bare.beads.names + bare.words.names)
    both = story_features(
        one_bead_run("Le chat dort.", "The cat sleeps.", "The cat is asleep."), resources(), second=["The cat sleeps."]
    )
    assert both.signals == ("source", "reference", "second-opinion")
    row = dict(zip(both.beads.names, both.beads.rows[0]))
    assert row["so_chrf"] == 1.0 and row["so_wer"] == 0.0
    assert row["ref_chrf"] < 1.0 and row["ref_wer"] > 0.0
    words = [dict(zip(both.words.names, r)) for r in both.words.rows]
    assert [w["ref_match"] for w in words] == [1.0, 1.0, 0.0, 1.0]  # sleeps ≠ is asleep
    assert all(w["so_match"] == 1.0 for w in words)


def test_second_opinion_must_cover_every_sentence() -> None:
    # mutation: a short second opinion silently zipped away
    with pytest.raises(ValueError, match="1 second-opinion sentences for 2 source sentences"):
        story_features(one_bead_run("Un.\nDeux.", "One. Two."), resources(), second=["One."])


@pytest.mark.parametrize(
    ("hyp", "ref", "edited"),
    [
        ("a b c", "a b c", [False, False, False]),
        ("a b c", "a x c", [False, True, False]),
        ("a b c", "a c", [False, True, False]),
        ("a c", "a b c", [False, False]),  # an insertion edits no MT word
        ("", "a", []),
    ],
)
def test_edited_units(hyp: str, ref: str, edited: list[bool]) -> None:
    # mutation: insertions marked on the next MT word, or deletions not marked
    assert edited_units(hyp.split(), ref.split())[1] == edited


# ----------------------------------------------------------------------------------------------- TER word labels


@pytest.mark.parametrize(
    ("hyp", "ref", "edits", "bad"),
    [
        ("the cat sat", "the cat sat", 0, "GGG"),
        ("the cat sat", "the dog sat", 1, "GBG"),
        ("the cat sat down", "the cat sat", 1, "GGGB"),
        ("sat the cat", "the cat sat", 1, "BGG"),  # a shift: the moved word is BAD
        ("a b", "", 2, "BB"),
    ],
)
def test_ter_edited_words(hyp: str, ref: str, edits: int, bad: str) -> None:
    # mutation: shifted words left GOOD, or the edit count not TER's
    n, flags = ter_edited_words(hyp.split(), ref.split())
    assert n == edits
    assert "".join("B" if f else "G" for f in flags) == bad


def test_ter_edited_words_counts_as_sacrebleu() -> None:
    # mutation: the label search diverging from TER's own (shifts applied differently)
    rng = random.Random(7)
    vocab = "a b c d e f the of".split()
    for _ in range(300):
        ref = [rng.choice(vocab) for _ in range(rng.randint(1, 12))]
        hyp = list(ref)
        for _ in range(rng.randint(0, 4)):
            op = rng.random()
            k = rng.randrange(len(hyp) + 1)
            if op < 0.4 and hyp:
                hyp.pop(min(k, len(hyp) - 1))
            elif op < 0.7:
                hyp.insert(k, rng.choice(vocab))
            elif len(hyp) > 3:
                a = rng.randrange(len(hyp) - 2)
                block = hyp[a : a + 2]
                del hyp[a : a + 2]
                hyp[k % (len(hyp) + 1) : k % (len(hyp) + 1)] = block
        edits, flags = ter_edited_words(hyp, ref)
        assert edits == _translation_edit_rate(hyp, ref)[0]
        assert len(flags) == len(hyp)
        if edits == 0:
            assert not any(flags)
        if any(w not in ref for w in hyp):
            assert any(flags)
        kept = Counter(w for w, bad in zip(hyp, flags) if not bad)
        assert not kept - Counter(ref)  # a GOOD word is one the reference has


# ----------------------------------------------------------------------------------------------- the shipped model


@pytest.fixture(scope="module")
def estimator() -> RiskEstimator:
    return RiskEstimator.load()


def risk_of(
    estimator: RiskEstimator, source: str, mt: str, reference: str | None = None, second: str | None = None
) -> float:
    result = one_bead_run(source, mt, reference)
    return estimator.assess(result, second=[second] if second is not None else None).risk[0]


SOURCE = "Le gouvernement a annoncé mardi une nouvelle réforme des retraites, qui sera présentée au Parlement."
GOOD = "The government announced on Tuesday a new pension reform, which will be presented to Parliament."
REFERENCE = "On Tuesday the government announced a new reform of pensions, to be put before parliament."


def test_a_copy_of_the_source_is_high_risk(estimator: RiskEstimator) -> None:
    # mutation: lexical-table and French-word features dropped from the model (a copy then scores like a translation)
    assert risk_of(estimator, SOURCE, SOURCE) > risk_of(estimator, SOURCE, GOOD) + 0.15
    assert risk_of(estimator, SOURCE, SOURCE, REFERENCE) > risk_of(estimator, SOURCE, GOOD, REFERENCE) + 0.15


def test_mt_equal_to_the_reference_is_low_risk(estimator: RiskEstimator) -> None:
    # mutation: the reference sub-model not picked when there is a reference (or ref features unused)
    assert risk_of(estimator, SOURCE, REFERENCE, REFERENCE) < risk_of(estimator, SOURCE, GOOD, REFERENCE)
    assert risk_of(estimator, SOURCE, REFERENCE, REFERENCE) < 0.15


def test_agreeing_with_the_second_opinion_lowers_the_risk(estimator: RiskEstimator) -> None:
    # mutation: the second-opinion sub-model never picked
    odd = "The government has announced Tuesday one new reform of the retreats, which will be presented at Parliament."
    agree = risk_of(estimator, SOURCE, odd, second=odd)
    disagree = risk_of(estimator, SOURCE, odd, second=GOOD)
    assert agree < disagree


def test_risk_and_word_probabilities_are_in_range(estimator: RiskEstimator) -> None:
    # mutation: raw tree sums returned for the word model (no logistic), or risk not clipped
    result = one_bead_run(SOURCE, "The the the the government government zzqx.", REFERENCE)
    quality = estimator.assess(result, second=[GOOD])
    assert 0.0 <= quality.risk[0] <= 1.0
    assert [result.mt[0][w.start : w.end] for w in quality.words[0]] == [
        result.mt[0][a:b] for a, b in word_spans(result.mt[0])
    ]
    assert all(0.0 <= w.p <= 1.0 for w in quality.words[0])
    assert quality.signals == ("source", "reference", "second-opinion")
    assert 0.0 < quality.threshold < 1.0


def test_a_bead_without_mt_is_all_risk(estimator: RiskEstimator) -> None:
    # mutation: a reference-only bead (content the MT lacks) scored 0 or by the model on empty features
    src = parse_text("Le chat dort.", doc_id="s", presegmented=True)
    ref = parse_text("The cat sleeps.\nIt is tired.", doc_id="s", lang="en", presegmented=True)
    alignment = Alignment((Bead((0,), (0,), 0.9), Bead((), (1,), 0.5)), "bitext")
    result = RunResult(src, (Translation("The cat sleeps."),), ref, alignment, None, Signature(), ((), ()))
    assert estimator.assess(result).risk[1] == 1.0


# ----------------------------------------------------------------------------------------------- the model file


def test_the_model_file_says_how_it_was_fitted() -> None:
    # mutation: a model fitted on held-out lines, or written without its provenance
    data = json.loads(gzip.decompress(data_file("risk-model.json.gz").read_bytes()))
    prov = data["provenance"]
    assert prov["training_lines"] == [1, 8681] and prov["heldout_lines"] == [8682, 10881]
    assert prov["fitted_by"] == "eval/quality/fit.py"
    assert {"scikit-learn", "numpy", "python"} <= set(prov["libraries"])
    assert prov["date"][:2] == "20"
    assert {tuple(m["signals"]) for m in data["models"]} == {
        ("source",),
        ("source", "second-opinion"),
        ("source", "reference"),
        ("source", "reference", "second-opinion"),
    }
    for m in data["models"]:
        assert 0.0 < m["threshold"] < 1.0
        assert m["bead"]["features"] and m["word"]["features"]
        assert "b_risk" in m["word"]["features"]


def test_the_numpy_trees_predict_what_scikit_learn_predicted() -> None:
    # mutation: a tree walked with < instead of <=, a leaf value or the baseline dropped, no logistic on the word model
    model = RiskModel.load()
    assert model.id.startswith("lig1-") and len(model.id) == len("lig1-") + 8
    assert len(model.checks) == len(model.models)
    for check in model.checks:
        sub = model.pick(check["signals"])
        assert sub.signals == frozenset(check["signals"])
        assert sub.bead.predict(check["bead_rows"]).tolist() == pytest.approx(check["bead_expected"], abs=1e-9)
        assert sub.word.predict(check["word_rows"]).tolist() == pytest.approx(check["word_expected"], abs=1e-9)


def test_the_richest_usable_sub_model_is_picked() -> None:
    # mutation: pick() taking the first match, or one whose signals the run lacks
    model = RiskModel.load()
    assert model.pick(["source"]).signals == {"source"}
    assert model.pick(["source", "reference"]).signals == {"source", "reference"}
    assert model.pick(["source", "reference", "second-opinion", "glass-box"]).signals == {
        "source",
        "reference",
        "second-opinion",
    }
    with pytest.raises(Exception, match="no sub-model"):
        model.pick(["reference"])


def test_a_broken_model_file_says_what_to_do(tmp_path: Path) -> None:
    # mutation: a bare JSONDecodeError / KeyError instead of the refit hint
    from aligner.errors import ModelError

    bad = tmp_path / "m.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(ModelError, match=r"cannot be read .*fit\.py"):
        RiskModel.load(bad)
    bad.write_text('{"schema": "other"}', encoding="utf-8")
    with pytest.raises(ModelError, match=r"schema 'other' is not aligner\.risk-model/1"):
        RiskModel.load(bad)
    not_gzip = tmp_path / "m.json.gz"
    not_gzip.write_text("{}", encoding="utf-8")
    with pytest.raises(ModelError, match=r"m\.json\.gz: cannot be read .*fit\.py"):
        RiskModel.load(not_gzip)


def test_a_gzipped_model_is_the_same_model(tmp_path: Path) -> None:
    # mutation: the id hashing the gzip bytes (a re-compression would rename the same model) or .gz read as text
    shipped = RiskModel.load()
    plain = tmp_path / "m.json"
    plain.write_bytes(gzip.decompress(data_file("risk-model.json.gz").read_bytes()))
    again = RiskModel.load(plain)
    assert again.id == shipped.id
    assert again.models[0].bead.predict(shipped.checks[0]["bead_rows"]).tolist() == pytest.approx(
        shipped.checks[0]["bead_expected"], abs=1e-12
    )


# ----------------------------------------------------------------------------------------------- runs


def test_quality_round_trips_through_run_result(estimator: RiskEstimator) -> None:
    # mutation: words or the second opinion's name left out of result.json, or risk read from the wrong key
    result = one_bead_run(SOURCE, GOOD, REFERENCE)
    quality = estimator.assess(result, second=[GOOD], second_name="google@file-1")
    assessed = replace(result, quality=quality)
    data = json.loads(json.dumps(assessed.to_json()))
    assert data["beads"][0]["risk"] == quality.risk[0]
    assert data["mt"][0]["words"][0] == [quality.words[0][0].start, quality.words[0][0].end, quality.words[0][0].p]
    assert data["quality"]["second_opinion"] == "google@file-1"
    assert RunResult.from_json(data) == assessed
    assert "quality" not in result.to_json() and "risk" not in result.to_json()["beads"][0]
    assert RunResult.from_json(result.to_json()).quality is None


def test_glass_box_values_round_trip() -> None:
    # mutation: glass-box values not written per bead
    q = Quality(
        (0.5,),
        ((WordRisk(0, 3, 0.25),),),
        "lig1-00000000",
        ("source",),
        0.4,
        "",
        ((("gb_logprob", -0.5), ("gb_nbest_chrf", 0.9)),),
    )
    result = replace(one_bead_run("Le chat.", "The cat."), quality=q)
    data = json.loads(json.dumps(result.to_json()))
    assert data["beads"][0]["glassbox"] == {"gb_logprob": -0.5, "gb_nbest_chrf": 0.9}
    assert RunResult.from_json(data) == result


def _seed() -> tuple[Document, Document]:
    from aligner.reading.reader import read_document

    return read_document(SEED, lang="fr"), read_document(SEED_REFERENCE, lang="en")


@needs_shared
@pytest.mark.slow
def test_risk_changes_nothing_else_on_the_seed_story(estimator: RiskEstimator) -> None:
    # mutation: assess_run re-aligning, re-scoring or re-flagging (or the second opinion leaking into the MT)
    from aligner.translation import make_translator

    source, reference = _seed()
    translator = make_translator(model=str(TINY_MODEL), beam=1)
    second = make_translator(model=str(TINY_MODEL), beam=2)
    plain = run_story(source, translator, reference)
    risky = run_story(source, translator, reference, risk=RiskOptions(estimator, second, glassbox=True))
    assert risky.translations == plain.translations
    assert risky.alignment == plain.alignment
    assert risky.scores == plain.scores
    assert risky.flags == plain.flags
    assert plain.quality is None and risky.quality is not None
    assert len(risky.quality.risk) == len(risky.beads)
    assert len(risky.quality.words) == len(risky.source.sentences)
    assert risky.quality.glassbox and all(dict(g)["gb_logprob"] <= 0 for g in risky.quality.glassbox if g)
    # the signature and the identity name the risk settings, and only they differ
    assert replace(risky.signature, risk="", second_opinion="") == plain.signature
    assert risky.signature.risk == estimator.model.id + "+glass-box"
    assert risky.signature.second_opinion.startswith(str(TINY_MODEL))
    assert plain.identity is not None and risky.identity is not None
    assert risky.identity.source == plain.identity.source and risky.identity.reference == plain.identity.reference
    assert risky.identity.settings != plain.identity.settings
    # the shipped model has no glass-box sub-model: recording the signals leaves the risk as it was
    no_glass = run_story(source, translator, reference, risk=RiskOptions(estimator, second))
    assert no_glass.quality is not None and no_glass.quality.risk == risky.quality.risk
    assert no_glass.signature.risk == estimator.model.id


def test_an_assessing_translator_is_risk_by_another_route(estimator: RiskEstimator) -> None:
    # mutation: run_story ignoring the translator's risk settings (a batch would write runs without risk)
    story = parse_story({"id": "s", "paragraphs": [["Le chat dort.", "Il pleut."]]}, "t")
    inner = FileTranslator({"Le chat dort.": "The cat sleeps.", "Il pleut.": "It rains."}, name="table")
    options = RiskOptions(
        estimator, FileTranslator({"Le chat dort.": "The cat is asleep.", "Il pleut.": "It rains."}, name="other")
    )
    a = run_story(story.source, AssessingTranslator(inner, options))
    b = run_story(story.source, inner, risk=options)
    assert a == b and a.quality is not None
    assert AssessingTranslator(inner, options).signature.second_opinion == b.signature.second_opinion != ""
    assert (
        a.identity is not None
        and a.identity.settings == replace(AssessingTranslator(inner, options).signature, version="").render()
    )
    assert b.quality is not None and math.isclose(a.quality.risk[1], b.quality.risk[1])
