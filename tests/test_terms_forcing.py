"""A glossary obeyed by the MT (detect and re-decode, ``aligner.translation.terms`` and the Marian front end), on
both engines, with the tiny trained model and a random-weight model (which never writes a term by itself: every
term in its output is the forcing's doing). Each test says which bug it catches."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from aligner.alignment.lexicon import Lexicon
from aligner.pipeline import run_story
from aligner.reading.reader import parse_text
from aligner.results import Identity
from aligner.signature import Signature
from aligner.terms import Entry, Glossary, find_terms, target_used
from aligner.translation import make_translator
from aligner.translation.frontend import MarianTranslator
from aligner.translation.memory import MemoryTranslator, TranslationMemory
from aligner.translation.pieces import MarianPieces
from aligner.translation.terms import (
    Links,
    Violation,
    breaches,
    forced_text,
    glossary_tag,
    segmentations,
    term_success,
    violations,
)
from conftest import ROOT, TINY_MODEL

ENGINES = ["ctranslate2", "transformers"]
RANDOM_OPUS = ROOT / "eval" / "artifacts" / "random-opus-mt-fr-en"

KIM = Entry("Kim", ("Kim Jong Un",))
SPACEPORT = Entry("cosmodrome", ("spaceport",), forbidden=("cosmodrome",))
NO_COSMODROME = Entry("cosmodrome", (), forbidden=("cosmodrome",))
MANSION = Entry("Maison Blanche", ("Executive Mansion",))  # pieces the tiny vocabulary lacks: cannot be forced
SUMMIT = "Le Premier ministre estime que le sommet a eu lieu au cosmodrome de Vostochny."


def marian(engine: str, model: Path, glossary: Glossary | None = None, *, beam: int = 2) -> MarianTranslator:
    translator = make_translator(engine, model=str(model), beam=beam, threads=1, glossary=glossary)
    assert isinstance(translator, MarianTranslator)
    return translator


@pytest.fixture(scope="module")
def random_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny model's architecture and tokenizer with random weights (seeded): its output is noise, so a term in
    it was put there by the forcing."""
    import torch
    from transformers import MarianConfig, MarianMTModel

    out = tmp_path_factory.mktemp("random-marian")
    for name in ("source.spm", "target.spm", "vocab.json", "tokenizer_config.json", "generation_config.json"):
        shutil.copy(TINY_MODEL / name, out / name)
    config = MarianConfig(**json.loads((TINY_MODEL / "config.json").read_text(encoding="utf-8")))
    torch.manual_seed(18)
    model = MarianMTModel(config).eval()
    with torch.no_grad():
        model.model.shared.weight[config.pad_token_id].zero_()  # CTranslate2 starts from a zero vector, as the pad row
    model.save_pretrained(out)
    return out


# ------------------------------------------------------------------------------------------ pure planning


def test_forced_text_replaces_the_words_at_the_violation_and_stops_after_the_term() -> None:
    """Bug caught: the prefix keeps the wrong words, runs past the word after the term (the decoder could not
    rephrase the rest) or stops right on it (the decoder glues pieces onto the term: "North Korea" + "n"), glues
    a term to the next word at an insertion point, or loses the capital at the start of a sentence."""
    english = "The summit took place at the Vostochny cosmodrome on Monday."
    start = english.index("cosmodrome")
    v = Violation(SPACEPORT, (0, 0), (start, start + len("cosmodrome")), ("cosmodrome",))
    assert forced_text(english, [v]) == "The summit took place at the Vostochny spaceport on"
    assert forced_text("At the cosmodrome.", [Violation(SPACEPORT, (0, 0), (7, 17))]) == "At the spaceport."
    kim = Violation(KIM, (0, 3), (0, 3))
    assert forced_text("Kim spoke.", [kim]) == "Kim Jong Un spoke"
    lower = Violation(Entry("sommet", ("summit meeting",)), (0, 0), (0, 3))
    assert forced_text("Top leaders met.", [lower]) == "Summit meeting leaders"
    inserted = Violation(KIM, (0, 0), (4, 4))  # nothing to replace: the term goes before "said"
    assert forced_text("Kim said it.", [inserted]) == "Kim Kim Jong Un said"
    only_forbidden = Violation(NO_COSMODROME, (0, 0), (start, start + 10), ("cosmodrome",))
    assert forced_text(english, [only_forbidden]).rstrip() == "The summit took place at the Vostochny"
    two = [Violation(KIM, (0, 3), (0, 3)), Violation(SPACEPORT, (0, 0), (start, start + 10))]
    assert forced_text("Kim " + english[4:], two) == "Kim Jong Un summit took place at the Vostochny spaceport on"


def test_links_place_a_term_where_its_translation_is() -> None:
    """Bug caught: the position is taken from the French characters alone (the term lands inside the wrong words)
    instead of the lexical table's links, or an unlinked term is put at the start of the sentence."""
    lexicon = Lexicon.load()
    french = "Selon la Maison Blanche, le président a parlé lundi."
    english = "According to the White House, the president spoke on Monday."
    span = (french.index("Maison"), french.index(","))
    s, e = Links(lexicon, french, english).place(span)
    assert english[s:e] == "White House"
    # an unknown name: after the English of the nearest linked word before it ("président" → "president")
    french = "Le président Zorglub a parlé lundi."
    english = "President Xyz spoke on Monday."
    s, e = Links(lexicon, french, english).place((french.index("Zorglub"), french.index(" a parlé")))
    assert (s, e) == (len("President"), len("President"))


def test_violations_count_occurrences_and_find_forbidden_terms_where_they_are() -> None:
    """Bug caught: an entry whose French occurs twice passes with one English use (WMT 2023 counts occurrences),
    or a forbidden term is replaced somewhere else than where it is."""
    glossary = Glossary.of([SPACEPORT, KIM])
    french = "Kim a parlé à Kim au cosmodrome."
    matches = find_terms(glossary, french)
    assert term_success(matches, "Kim Jong Un spoke to him at the spaceport.") == (2, 3)
    assert breaches(matches, "Kim Jong Un spoke to Kim Jong Un at the spaceport.") == 0
    english = "Kim Jong Un spoke to Kim Jong Un at the cosmodrome."
    found = violations(matches, french, english, Lexicon.load())
    assert [(v.entry.source, english[v.english[0] : v.english[1]], v.forbidden) for v in found] == [
        ("cosmodrome", "cosmodrome", ("cosmodrome",))
    ]


def test_segmentations_cover_every_spelling_of_a_forbidden_term() -> None:
    """Bug caught: only SentencePiece's own spelling is suppressed, and the decoder writes the forbidden word with
    other pieces."""
    pieces = MarianPieces(TINY_MODEL)
    vocab = set(pieces.vocab)
    spellings = segmentations(" cosmodrome", vocab, limit=1000)
    assert tuple(pieces.target.encode("cosmodrome", out_type=str)) in spellings
    assert all("".join(s) == "\u2581cosmodrome" for s in spellings)
    assert len(spellings) > 1
    assert len(segmentations(" cosmodrome", vocab, limit=3)) == 3
    assert segmentations("\u00e6\u00e6", {"a"}) == []


# ------------------------------------------------------------------------------------------ the tiny model


@pytest.mark.parametrize("engine", ENGINES)
def test_a_missing_required_term_is_forced_in(engine: str) -> None:
    """Bug caught: no re-decode (the term stays missing), or a prefix that drops the rest of the sentence."""
    glossary = Glossary.of([KIM])
    plain = marian(engine, TINY_MODEL).translate(["Kim a pris la parole."])[0].text
    assert not target_used(KIM, plain)  # the model writes "Kim" alone: the test means something
    forced = marian(engine, TINY_MODEL, glossary).translate(["Kim a pris la parole."])[0].text
    assert target_used(KIM, forced)
    assert forced.startswith("Kim Jong Un") and "spoke" in forced


@pytest.mark.parametrize("engine", ENGINES)
def test_the_term_replaces_the_wrong_words_and_the_forbidden_one_is_gone(engine: str) -> None:
    """Bug caught: the forced prefix is not the first output up to the violation (words before it change), the
    term is appended at the end instead of replacing the wrong words, or the forbidden term comes back."""
    plain = marian(engine, TINY_MODEL).translate([SUMMIT])[0].text
    assert "cosmodrome" in plain
    forced = marian(engine, TINY_MODEL, Glossary.of([SPACEPORT])).translate([SUMMIT])[0].text
    assert forced.startswith(plain[: plain.index("cosmodrome")] + "spaceport")
    assert "cosmodrome" not in forced.lower()


@pytest.mark.parametrize("engine", ENGINES)
def test_an_entry_that_only_forbids_is_obeyed_by_suppression(engine: str) -> None:
    """Bug caught: ``suppress_sequences`` / the transformers processor do not reach the decoder, or an entry
    without a preferred term crashes the forcing."""
    forced = marian(engine, TINY_MODEL, Glossary.of([NO_COSMODROME])).translate([SUMMIT])[0].text
    assert "cosmodrome" not in forced.lower()
    assert forced.startswith("The prime minister")


@pytest.mark.parametrize("engine", ENGINES)
def test_sentences_without_terms_are_byte_identical(engine: str, training_pairs: list[tuple[str, str]]) -> None:
    """Bug caught: the glossary changes the batching or ordering of the first decode (other sentences' outputs move
    by a padding difference), touches outputs it does not need to, or a glossary with no term in the text changes
    anything."""
    story = [fr for fr, _ in training_pairs[5:40]] + [SUMMIT, "Kim a pris la parole."]
    glossary = Glossary.of([KIM, SPACEPORT, MANSION])
    plain = marian(engine, TINY_MODEL).translate(story)
    forced_translator = marian(engine, TINY_MODEL, glossary)
    forced = forced_translator.translate(story)
    assert forced_translator.forced >= 2  # the two sentences that break it were re-decoded
    for source, a, b in zip(story, plain, forced):
        if not find_terms(glossary, source):
            assert a == b, source
    changed = [s for s, a, b in zip(story, plain, forced) if a != b]
    assert set(changed) <= {s for s in story if find_terms(glossary, s)}
    unrelated = Glossary.of([Entry("Pyongyang", ("Pyongyang",))])
    assert marian(engine, TINY_MODEL, unrelated).translate(story) == plain


@pytest.mark.parametrize("engine", ENGINES)
def test_a_term_the_vocabulary_cannot_write_leaves_the_output_alone(engine: str) -> None:
    """Bug caught: a term with pieces outside the vocabulary is forced as ``<unk>`` (silently dropped at decoding),
    making the output worse and still wrong."""
    sentence = "La Maison Blanche a ajouté que la Corée du Nord a tiré deux missiles balistiques."
    plain = marian(engine, TINY_MODEL).translate([sentence])
    assert marian(engine, TINY_MODEL, Glossary.of([MANSION])).translate([sentence]) == plain


# ------------------------------------------------------------------------------------------ random weights

RANDOM_GLOSSARY = [
    Entry("Séoul", ("Seoul",), forbidden=("Séoul",)),
    Entry("Poutine", ("Vladimir Putin",), admitted=("Putin",)),
    Entry("Corée du Nord", ("North Korea",)),
    Entry("cosmodrome", ("spaceport",), forbidden=("cosmodrome",)),
    Entry("Maison Blanche", ("White House",)),
]
RANDOM_SENTENCES = [
    "Un analyste basé à Séoul a affirmé que la Corée du Nord a tiré deux missiles balistiques.",
    "Poutine a souhaité la bienvenue à Kim.",
    SUMMIT,
    "La Maison Blanche estime que le sommet a eu lieu au cosmodrome de Vostochny.",
    "Les dirigeants se sont réunis mercredi.",
]


@pytest.mark.parametrize("engine", ENGINES)
def test_every_term_is_used_on_a_random_weight_model(engine: str, random_model: Path) -> None:
    """The mechanism alone (the model never writes a term by itself): every required occurrence is used and no
    forbidden term is left, in one translate call with several terms per sentence. Bug caught: a second term in a
    sentence is lost, a term is forced into the wrong sentence of the batch, or the re-decode's cap cuts a term."""
    glossary = Glossary.of(RANDOM_GLOSSARY)
    plain = [t.text for t in marian(engine, random_model).translate(RANDOM_SENTENCES)]
    forced = [t.text for t in marian(engine, random_model, glossary).translate(RANDOM_SENTENCES)]
    used = total = used_before = 0
    for source, before, after in zip(RANDOM_SENTENCES, plain, forced):
        matches = find_terms(glossary, source)
        u, t = term_success(matches, after)
        used, total = used + u, total + t
        used_before += term_success(matches, before)[0]
        assert breaches(matches, after) == 0, (source, after)
        if not matches:
            assert after == before
    assert used == total == 6
    assert used_before < total  # the model does not write them by itself


@pytest.mark.slow
@pytest.mark.skipif(not RANDOM_OPUS.is_dir(), reason=f"{RANDOM_OPUS} is absent: python models/build_random_opus.py")
def test_every_term_is_used_on_the_random_opus_model() -> None:
    """The same on opus-mt-fr-en's architecture and vocabulary (random weights), CTranslate2, beam 4."""
    glossary = Glossary.of([*RANDOM_GLOSSARY, Entry("États-Unis", ("United States",), forbidden=("Etats-Unis",))])
    sentences = [*RANDOM_SENTENCES, "Les États-Unis et la Corée du Nord ont parlé à Séoul."]
    forced = marian("ctranslate2", RANDOM_OPUS, glossary, beam=4).translate(sentences)
    for source, t in zip(sentences, forced):
        assert breaches(find_terms(glossary, source), t.text) == 0, (source, t.text)


BOWIE = "Le concert de David Bowie à Berlin a été annulé."
MOSCOW = "Le ministre est arrivé à Moscou hier soir."


class _NoReset:
    """A CTranslate2 translator that drops the one-step full-vocabulary decodes (what clears the shortlist's
    position table), as when another caller's job runs between the reset and the re-decode."""

    def __init__(self, model: object) -> None:
        self.model = model

    def translate_batch(self, *args: object, **kwargs: object) -> object:
        if kwargs.get("max_decoding_length") == 1 and kwargs.get("use_vmap") is False:
            return None
        return self.model.translate_batch(*args, **kwargs)  # type: ignore[attr-defined]


@pytest.mark.slow
@pytest.mark.skipif(not RANDOM_OPUS.is_dir(), reason=f"{RANDOM_OPUS} is absent: python models/build_random_opus.py")
@pytest.mark.parametrize("reset", ["queued", "lost"])
@pytest.mark.parametrize("shortlist", [True, False])
def test_a_forced_prefix_survives_the_shortlist_of_an_earlier_sentence(shortlist: bool, reset: str) -> None:
    """CTranslate2 4.8 keeps the shortlist's position table from one call to the next: "The concert of David Bowie"
    forced after another sentence was decoded came back as "Prague argument Al Car Bowie". Bug caught: a re-decode
    on the shortlist without clearing the table first, or without checking its prefix came back (``lost``: the
    clearing decode never ran, the re-decode is done again on the full vocabulary)."""
    from aligner.translation.backends import CTranslate2Backend
    from aligner.translation.frontend import Batch, ForcedBatch

    translator = marian("ctranslate2", RANDOM_OPUS, beam=4)
    backend = translator.backend
    assert isinstance(backend, CTranslate2Backend)
    if not shortlist:
        backend = CTranslate2Backend(backend.folder, threads=1, shortlist=False)
    assert backend.use_vmap == shortlist
    if reset == "lost":
        backend.model = _NoReset(backend.model)
    first = tuple(translator.pieces.encode(MOSCOW))
    source = tuple(translator.pieces.encode(BOWIE))
    prefix = tuple(translator.pieces.target.encode("The concert of David Bowie", out_type=str))
    list(backend.generate([Batch((first,), 12)], beam=4))
    [[hyps]] = list(backend.force([ForcedBatch((source,), (prefix,), (), 12)], beam=4, alternatives=4))
    assert len(hyps) == 4
    assert all(h.pieces[: len(prefix)] == prefix for h in hyps), [h.pieces[: len(prefix)] for h in hyps]


@pytest.mark.parametrize(
    ("prefixes", "suppress", "hypotheses", "obeyed"),
    [
        ((("a", "b"),), (), [[("a", "b", "c")]], True),
        ((("a", "b"),), (), [[("a", "x", "c")]], False),  # the prefix came back as other pieces
        ((("a", "b"),), (), [[("a", "b")], [("x",)]], True),  # one row: the second list is never read
        ((("a",),), (("c", "d"),), [[("a", "c", "d")]], False),
        ((("a", "c"),), (("c", "d"),), [[("a", "c", "d")]], False),  # suppressed across the prefix's end
        ((("c", "d", "a"),), (("c", "d"),), [[("c", "d", "a", "b")]], True),  # inside the prefix: forced, allowed
        (((),), (("c",),), [[("a", "b")], []], True),
        (((),), (("c",),), [[("a", "b"), ("c",)]], False),  # any hypothesis
    ],
)
def test_a_shortlisted_redecode_is_checked_for_its_prefix_and_suppressed_sequences(
    prefixes: tuple[tuple[str, ...], ...],
    suppress: tuple[tuple[str, ...], ...],
    hypotheses: list[list[tuple[str, ...]]],
    obeyed: bool,
) -> None:
    from aligner.translation.backends import _obeyed
    from aligner.translation.frontend import ForcedBatch, Hypothesis

    batch = ForcedBatch(tuple(() for _ in prefixes), prefixes, suppress, 20)
    rows = [[Hypothesis(h, False) for h in row] for row in hypotheses]
    assert _obeyed(batch, rows) is obeyed


# ------------------------------------------------------------------------------------------ signature


def test_the_signature_names_the_glossary_sha256_and_entry_count(tmp_path: Path) -> None:
    """Bug caught: a run with a glossary has the same signature (and identity) as one without, so a batch keeps
    stories translated without it; or the signature does not survive rendering and parsing."""
    glossary = Glossary.of([KIM, SPACEPORT])
    tag = f"{glossary.sha256[:16]}#2"
    assert glossary_tag(glossary) == tag
    plain = marian("ctranslate2", TINY_MODEL).signature
    with_terms = marian("ctranslate2", TINY_MODEL, glossary).signature
    assert plain.glossary == "" and with_terms.glossary == tag
    assert f"|glossary:{tag}|" in with_terms.render()
    assert Signature.parse(with_terms.render()) == with_terms
    assert with_terms.translation_part().glossary == tag  # cached translations are told apart too
    other = marian("ctranslate2", TINY_MODEL, Glossary.of([KIM])).signature
    assert other.glossary.endswith("#1") and other != with_terms
    doc = parse_text("Kim a pris la parole.")
    assert Identity.of(doc, None, plain).changes(Identity.of(doc, None, with_terms)) == ["settings"]
    # existing translations and a translation memory keep it
    lines = tmp_path / "mt.txt"
    lines.write_text("Kim spoke.\n", encoding="utf-8")
    checked = make_translator(translations=lines, sources=["Kim a pris la parole."], glossary=glossary)
    assert checked.signature.glossary == tag
    memory = MemoryTranslator(checked, TranslationMemory([], name="tm"))
    assert memory.signature.glossary == tag


def test_run_story_checks_the_glossary_the_translator_was_given(tmp_path: Path) -> None:
    """Bug caught: the pipeline does not pass the glossary to the QA (no ``term`` flag), or the run's identity and
    signature do not name it."""
    glossary = Glossary.of([KIM])
    lines = tmp_path / "mt.txt"
    lines.write_text("Kim spoke.\n", encoding="utf-8")
    doc = parse_text("Kim a pris la parole.")
    translator = make_translator(translations=lines, sources=["Kim a pris la parole."], glossary=glossary)
    result = run_story(doc, translator)
    assert [f.code for f in result.flags[0] if f.code == "term"] == ["term"]
    assert result.signature.glossary == glossary_tag(glossary)
    assert result.identity is not None and "glossary:" in result.identity.settings
    # a glossary given to run_story alone: checked, and named in the identity
    bare = make_translator(translations=lines, sources=["Kim a pris la parole."])
    alone = run_story(doc, bare, glossary=glossary)
    assert any(f.code == "term" for f in alone.flags[0])
    assert alone.identity is not None and alone.identity == result.identity
    assert run_story(doc, bare).identity != result.identity
