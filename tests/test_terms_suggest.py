"""``aligner terms``: glossary entries suggested from confirmed post-edits (library and command), and the review's
glossary kept in the review database and exported. Sentences: newstest2014 lines 662, 663, 674 (Kiev) and 294,
301, 305 (programme), French source and human reference; the "MT" is the reference with the desk's old spellings."""

from __future__ import annotations

from pathlib import Path

import pytest

from aligner.alignment.beads import identity_alignment
from aligner.alignment.bitext import load_lexicon
from aligner.cli import main
from aligner.errors import InputError
from aligner.reading.reader import parse_text
from aligner.results import RunResult
from aligner.results.rundir import write_run
from aligner.review.effort import slots
from aligner.signature import Signature
from aligner.store import SqliteStore
from aligner.terms import Entry, load_glossary
from aligner.terms.suggest import PostEdit, Suggestion, looks_like_verb, suggest
from aligner.translation.base import Translation

FR = [
    "Kiev a besoin par ailleurs de liquidités pour régler ses importations de gaz à la Russie, qui l'accuse de ne "
    "pas avoir payé une facture de 882 millions de dollars.",
    "Cette annonce constitue une mauvaise nouvelle pour le pouvoir ukrainien dans une période de vives tensions avec "
    "son voisin russe, furieux de la volonté de Kiev de signer un accord d'association avec l'UE fin novembre.",
    "La Russie, qui représente le quart des exportations ukrainiennes, a prévenu qu'en cas de création d'une zone de "
    "libre échange entre l'UE et Kiev, elle devrait renforcer ses contrôles à la frontière pour les marchandises "
    "importées.",
    "Nous pensons que Bombardier enregistrera de nouvelles commandes pour ses avions CSeries au fur et à mesure que "
    "le programme d'essais en vol avancera.",
    "Les dirigeants ont également rassurés les analystes et les médias jeudi en leur indiquant que le programme "
    "avançait conformément au calendrier.",
    "Cela se reproduira tout au long du programme de vol.",
]
MT = [
    "Moreover, Kiev needs liquid assets to pay for its gas imports from Russia, which accuses it of not having paid "
    "a bill of 882 million dollars.",
    "The announcement comes as bad news for the Ukrainian government in a period of serious tension with its "
    "Russian neighbour, which is furious with Kiev's willingness to sign an association agreement with the EU at "
    "the end of November.",
    "Russia, which is responsible for a quarter of Ukrainian exports, has warned that if a free trade area is "
    "created between the EU and Kiev, it will have to reinforce its border controls for imported goods.",
    "We believe that Bombardier will receive new orders for the CSeries as the flight test programme progresses.",
    "Executives also reassured analysts and media on Thursday the programme was progressing according to schedule.",
    "That will happen all through the flight programme.",
]
POST_EDIT = [
    MT[0].replace("Kiev", "Kyiv"),
    MT[1].replace("Kiev", "Kyiv"),
    MT[2].replace("Kiev", "Kyiv").replace("has warned", "warned"),  # a deletion: not a term
    MT[3].replace("programme", "program"),
    MT[4].replace("programme", "program"),
    MT[5],  # the translator left this one
]


def lexicon() -> dict[str, dict[str, float]]:
    return load_lexicon().table


def test_kiev_to_kyiv_in_three_post_edits_comes_first() -> None:
    edits = [PostEdit(f, m, p, f"line {k + 1}") for k, (f, m, p) in enumerate(zip(FR, MT, POST_EDIT))]
    found = suggest(edits, lexicon=lexicon(), function_words=["the", "of", "in"])
    assert found[0] == Suggestion("Kiev", "Kyiv", "Kiev", 3, ("line 1", "line 2", "line 3"), 1.0, "copied")
    assert found[0].line() == "Kiev → Kyiv\t3\t100%\tMT: Kiev (copied)\tline 1, line 2, line 3"
    assert found[1].source == "programme" and found[1].target == "program" and found[1].count == 2
    assert found[1].agreement == pytest.approx(2 / 3)  # "programme" is in three beads, "program" in two post-edits
    assert len(found) == 2
    assert suggest(edits, lexicon=lexicon(), min_count=3) == found[:1]
    assert found[0].entry() == Entry("Kiev", ("Kyiv",), note="suggested: 3 post-edits replaced MT 'Kiev'")


@pytest.mark.parametrize(
    ("mt", "post_edit"),
    [
        ("The programme is ready.", "The programme is ready."),  # unchanged
        ("The programmes is ready.", "The programme is ready."),  # inflection only
        ("It is in the programme.", "It is of the programme."),  # function words only
        ("The programme is ready.", "The  PROGRAMME is ready."),  # case only
        ("Le programme est prêt.", "Le programme est prêt, vraiment."),  # an insertion
    ],
)
def test_grammar_and_unchanged_text_suggest_nothing(mt: str, post_edit: str) -> None:
    edits = [PostEdit("Le programme est prêt.", mt, post_edit, f"line {k}") for k in range(3)]
    assert suggest(edits, lexicon=lexicon(), function_words=["the", "of", "in", "is", "it"]) == []


def test_a_replacement_no_french_word_explains_is_left_out() -> None:
    edits = [PostEdit("Bonjour.", "Hello zorglub.", "Hello frobnicate.", f"line {k}") for k in range(3)]
    assert suggest(edits, lexicon=lexicon()) == []


# ----------------------------------------------------------------------------------------------- the command


@pytest.fixture
def reviewed(tmp_path: Path) -> Path:
    """A run directory of the six sentences, with every bead confirmed as POST_EDIT in its review.sqlite."""
    source = parse_text("\n\n".join(FR), presegmented=True, doc_id="kiev")
    translations = tuple(Translation(t) for t in MT)
    result = RunResult(source, translations, None, identity_alignment(len(FR)), None, Signature(), ((),) * len(FR))
    run = tmp_path / "run"
    write_run(result, run)
    store = SqliteStore(run / "review.sqlite")
    for slot, text in zip(slots(result), POST_EDIT):
        assert store.save(source.id, slot, base=0, text=text, status="confirmed", reviewer="ana", seconds=3.0).ok
    store.close()
    return run


def test_terms_suggest_command(reviewed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["terms", "suggest", str(reviewed / "review.sqlite")]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].startswith("# French → English")
    assert lines[1] == "Kiev → Kyiv\t3\t100%\tMT: Kiev (copied)\tkiev#0, kiev#1, kiev#2"
    assert lines[2].startswith("programme → program\t2\t67%")
    assert "2 suggestions from 6 confirmed beads" in err


def test_terms_suggest_as_a_glossary(reviewed: Path, tmp_path: Path) -> None:
    out = tmp_path / "suggested.tbx"
    db = str(reviewed / "review.sqlite")
    assert main(["terms", "suggest", db, "--min-count", "3", "--format", "tbx", "-o", str(out)]) == 0
    assert [(e.source, e.preferred) for e in load_glossary(out).entries] == [("Kiev", ("Kyiv",))]
    assert main(["terms", "suggest", db, "--format", "csv", "-o", str(tmp_path / "s.csv")]) == 0
    assert [e.source for e in load_glossary(tmp_path / "s.csv").entries] == ["Kiev", "programme"]


def test_terms_suggest_errors(reviewed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(reviewed / "review.sqlite")
    assert main(["terms", "suggest", db, "--min-count", "0"]) == 2
    assert "--min-count must be at least 1, got 0" in capsys.readouterr().err
    assert main(["terms", "suggest", db, "--min-count", "9", "--format", "tbx", "-o", str(tmp_path / "x.tbx")]) == 2
    assert "no suggestion from 6 confirmed beads: lower --min-count" in capsys.readouterr().err
    assert main(["terms", "suggest", str(tmp_path / "none.sqlite")]) == 2
    assert "none.sqlite: no such review database" in capsys.readouterr().err


def test_the_reviews_glossary_is_kept_and_exported(reviewed: Path, tmp_path: Path) -> None:
    db = reviewed / "review.sqlite"
    assert main(["terms", "export", str(db), "-o", str(tmp_path / "empty.tbx")]) == 2
    store = SqliteStore(db)
    store.add_term(Entry("Kiev", ("Kiev",)), "ana")
    store.add_term(Entry("cosmodrome", ("spaceport",), forbidden=("cosmodrome",)), "ana")
    store.add_term(Entry("kiev", ("Kyiv",), forbidden=("Kiev",)), "ben")  # replaces the first
    with pytest.raises(InputError, match="a glossary entry needs a French term and an English one"):
        store.add_term(Entry("Kiev", ()), "ana")
    assert store.terms().entries == (
        Entry("kiev", ("Kyiv",), forbidden=("Kiev",)),
        Entry("cosmodrome", ("spaceport",), forbidden=("cosmodrome",)),
    )
    store.close()
    for fmt in ("tbx", "csv"):
        out = tmp_path / f"desk.{fmt}"
        assert main(["terms", "export", str(db), "--format", fmt, "-o", str(out)]) == 0
        readonly = SqliteStore.open_readonly(db)
        assert load_glossary(out).entries == readonly.terms().entries
        readonly.close()


def test_a_word_choice_ranks_after_a_correction() -> None:
    # LIG lines 127 and 6904 (shortened): "safety" is a translation of "sécurité" in the lexical table (a choice the
    # sentence decides), "sondes" left in French by the MT is a correction
    choice = [
        PostEdit("Le Conseil de sécurité a voté.", "The safety Council voted.", "The security Council voted.", f"c{k}")
        for k in range(3)
    ]
    copied = [
        PostEdit("Le vol des sondes spatiales.", "The flight of space sondes.", "The flight of space probes.", f"s{k}")
        for k in range(2)
    ]
    found = suggest(choice + copied, lexicon=lexicon(), function_words=["the", "of"])
    assert [(s.source, s.target, s.count, s.kind) for s in found] == [
        ("sondes", "probes", 2, "copied"),
        ("sécurité", "security", 3, "choice"),
    ]


@pytest.mark.parametrize(
    ("french", "verb"),
    [
        ("restent", True),  # simplemma: rester
        ("exprimé", True),
        ("payer", True),  # an infinitive
        ("maintenir", True),
        ("cafard fuit", True),  # one word of the term is enough
        ("immobilier", False),  # a noun in -ier
        ("programme", False),
        ("Kiev", False),
        ("cristaux", False),
    ],
)
def test_looks_like_verb(french: str, verb: bool) -> None:
    assert looks_like_verb(french) is verb


def test_a_verb_ranks_after_a_noun() -> None:
    # LIG line 1229 (shortened): the MT's "is" for "restent" replaced by "remain", three times; a name twice
    verb = PostEdit("Les arguments restent forts.", "The arguments is strong.", "The arguments remain strong.", "v")
    name = PostEdit("Alemanno a donné l'ordre.", "Refer gave the order.", "Alemanno gave the order.", "n")
    found = suggest([verb] * 3 + [name] * 2, lexicon=lexicon(), function_words=["the", "is"])
    assert [(s.source, s.target, s.count, s.verb) for s in found] == [
        ("Alemanno", "Alemanno", 2, False),
        ("restent", "remain", 3, True),
    ]
    assert "(fix; French verb)" in found[1].line()
