"""The ``term`` QA check: a glossary's required term missing, or a forbidden one present, in the MT or a post-edit;
threaded through ``flag_beads`` (a run) and ``flag_text`` (a save), and byte-identical flags without a glossary.
French and English are newstest2014 lines 662, 663 and the "Nations unies" line (source and human reference)."""

from __future__ import annotations

import pytest

from aligner.alignment.beads import identity_alignment
from aligner.qa import flag_beads, flag_terms, flag_text
from aligner.qa.checks import check_bead
from aligner.qa.terms import check_terms
from aligner.reading.reader import parse_text
from aligner.results import Flag, RunResult
from aligner.signature import Signature
from aligner.terms import Entry, Glossary
from aligner.translation.base import Translation

KIEV = Entry("Kiev", ("Kyiv",), forbidden=("Kiev",))
UN = Entry("Nations unies", ("United Nations",), ("U.N.", "UN"))
GLOSSARY = Glossary.of([KIEV, UN, Entry("cosmodrome", ("spaceport",))])

FR = [
    "Kiev a besoin par ailleurs de liquidités pour régler ses importations de gaz à la Russie, qui l'accuse de ne "
    "pas avoir payé une facture de 882 millions de dollars.",
    "Des experts des Nations unies accusent le Rwanda, qui le nie farouchement, de soutenir militairement le M23, "
    "constitué au départ d'anciens militaires congolais mutinés.",
    "Cette annonce constitue une mauvaise nouvelle pour le pouvoir ukrainien dans une période de vives tensions avec "
    "son voisin russe, furieux de la volonté de Kiev de signer un accord d'association avec l'UE fin novembre.",
]
EN = [
    "Moreover, Kiev needs liquid assets to pay for its gas imports from Russia, which accuses it of not having paid "
    "a bill of 882 million dollars.",
    "United Nations experts accuse Rwanda of providing military support to the M23, which has initially made up of "
    "mutinous former Congolese soldiers. Rwanda vehemently denies this.",
    "The announcement comes as bad news for the Ukrainian government in a period of serious tension with its "
    "Russian neighbour, which is furious with Kyiv's willingness to sign an association agreement with the EU at "
    "the end of November.",
]


def test_check_terms() -> None:
    assert check_terms(FR[0], EN[0], GLOSSARY) == [
        Flag("term", "error", "glossary: 'Kiev' must be 'Kyiv'"),
        Flag("term", "error", "glossary: 'Kiev' is forbidden for 'Kiev': write 'Kyiv'"),
    ]
    assert check_terms(FR[1], EN[1], GLOSSARY) == []
    assert check_terms(FR[2], EN[2], GLOSSARY) == []  # "Kyiv's"
    assert check_terms(FR[1], EN[1].replace("United Nations", "UNO"), GLOSSARY) == [
        Flag("term", "error", "glossary: 'Nations unies' must be 'United Nations' (or 'U.N.', 'UN')")
    ]
    assert check_terms(FR[0], "", GLOSSARY) == []  # the bead's "dropped" error says it already


def test_a_term_said_twice_is_flagged_once() -> None:
    fr = "Kiev et Kiev"
    assert [f.reason for f in check_terms(fr, "Kiev and Kiev", GLOSSARY)] == [
        "glossary: 'Kiev' must be 'Kyiv'",
        "glossary: 'Kiev' is forbidden for 'Kiev': write 'Kyiv'",
    ]


def test_forbidden_only_entry() -> None:
    glossary = Glossary.of([Entry("Kiev", (), forbidden=("Kiew",))])
    assert check_terms("Kiev a besoin de liquidités.", "Kiew needs cash.", glossary) == [
        Flag("term", "error", "glossary: 'Kiew' is forbidden for 'Kiev'")
    ]
    assert check_terms("Kiev a besoin de liquidités.", "Kiev needs cash.", glossary) == []


@pytest.mark.parametrize("k", range(3))
def test_check_bead_without_glossary_is_unchanged(k: int) -> None:
    with_empty = check_bead(FR[k], EN[k], None, False, glossary=Glossary.of([]))
    assert check_bead(FR[k], EN[k], None, False) == with_empty
    assert not any(f.code == "term" for f in check_bead(FR[k], EN[k], None, False))


def story() -> RunResult:
    source = parse_text("\n\n".join(FR), presegmented=True)
    translations = tuple(Translation(t) for t in EN)
    alignment = identity_alignment(len(FR))
    flags = flag_beads(source, translations, None, alignment)
    return RunResult(source, translations, None, alignment, None, Signature(), flags)


def test_flag_beads_with_a_glossary_adds_term_errors_and_nothing_else() -> None:
    result = story()
    with_glossary = flag_beads(result.source, result.translations, None, result.alignment, glossary=GLOSSARY)
    assert [[f.code for f in flags if f.code == "term"] for flags in with_glossary] == [["term", "term"], [], []]
    without_terms = tuple(tuple(f for f in flags if f.code != "term") for flags in with_glossary)
    assert without_terms == result.flags
    # the same flags, in the same order, as the call without the keyword
    assert flag_beads(result.source, result.translations, None, result.alignment, glossary=None) == result.flags


def test_flag_text_checks_a_post_edit_against_the_glossary() -> None:
    result = story()
    # the translator fixes the term: no term error
    fixed = EN[0].replace("Kiev", "Kyiv")
    assert not [f for f in flag_text(result, 0, fixed, glossary=GLOSSARY) if f.code == "term"]
    # a post-edit that drops a required term gets an error on save
    dropped = EN[1].replace("United Nations experts", "Experts")
    flags = flag_text(result, 1, dropped, glossary=GLOSSARY)
    assert Flag("term", "error", "glossary: 'Nations unies' must be 'United Nations' (or 'U.N.', 'UN')") in flags
    assert flags[0].severity == "error"
    # without a glossary, flag_text is what it was
    assert flag_text(result, 1, dropped) == tuple(f for f in flags if f.code != "term")


def test_flag_terms_recomputes_only_the_term_flags() -> None:
    result = story()
    decoded = (Translation(EN[0], unk=("¤",)), *result.translations[1:])
    flagged = RunResult(
        result.source,
        decoded,
        None,
        result.alignment,
        None,
        Signature(),
        flag_beads(result.source, decoded, None, result.alignment),
    )
    with_glossary = flag_beads(result.source, decoded, None, result.alignment, glossary=GLOSSARY)
    assert flag_terms(flagged, GLOSSARY) == with_glossary  # an entry added: the other beads' violations appear
    assert any(f.code == "unknown-characters" for f in with_glossary[0])
    again = RunResult(result.source, decoded, None, result.alignment, None, Signature(), with_glossary)
    assert flag_terms(again, None) == flagged.flags  # and go away with it
    smaller = Glossary.of([UN])
    assert flag_terms(again, smaller) == flag_beads(result.source, decoded, None, result.alignment, glossary=smaller)
