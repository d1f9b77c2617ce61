"""Where glossary terms occur: inflected and elided French forms, whole words only, case rules, longest match,
and the English checks (a required term used, a forbidden term present). Sentences are from WMT newstest (2013,
2014) unless marked otherwise."""

from __future__ import annotations

import pytest

from aligner.terms import Entry, Glossary, TermMatch, find_occurrences, find_terms, forbidden_present, target_used

UN = Entry("Organisation des Nations unies", ("United Nations",), ("U.N.", "UN"))
NATIONS_UNIES = Entry("Nations unies", ("United Nations",), ("U.N.",))
ONU = Entry("ONU", ("U.N.",), ("UN", "United Nations"), case_sensitive=True)
KIEV = Entry("Kiev", ("Kyiv",), forbidden=("Kiev",))
COSMODROME = Entry("cosmodrome", ("spaceport",), forbidden=("cosmodrome",))
FOREIGN_MINISTRY = Entry("ministère des Affaires étrangères", ("Foreign Ministry",), ("Foreign Office",))
MINISTERE = Entry("ministère", ("ministry",))
ETATS_UNIS = Entry("États-Unis", ("United States",), ("U.S.",))
GLOSSARY = Glossary.of([UN, NATIONS_UNIES, ONU, KIEV, COSMODROME, FOREIGN_MINISTRY, MINISTERE, ETATS_UNIS])


def found(text: str, glossary: Glossary = GLOSSARY) -> list[tuple[str, str]]:
    return [(text[m.start : m.end], m.entry.source) for m in find_terms(glossary, text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # elision and the plural of a name of an institution
        (
            "Le secrétaire général de l'Organisation des Nations unies s'est rendu à Kiev.",
            [("Organisation des Nations unies", UN.source), ("Kiev", "Kiev")],
        ),
        (
            "Des experts des Nations unies accusent le Rwanda, qui le nie farouchement, de soutenir militairement "
            "le M23.",
            [("Nations unies", NATIONS_UNIES.source)],
        ),
        # hyphen for space, and the plural "cosmodromes" (simplemma's lemma)
        (
            "Les Nations-Unies ont inspecté les deux cosmodromes russes.",  # made up
            [("Nations-Unies", NATIONS_UNIES.source), ("cosmodromes", "cosmodrome")],
        ),
        # elided "l'" and "d'" before a term; case-insensitive entry in lower case
        (
            "Cette annonce constitue une mauvaise nouvelle pour le pouvoir ukrainien [...], furieux de la volonté de "
            "Kiev de signer un accord d'association avec l'UE fin novembre.",
            [("Kiev", "Kiev")],
        ),
        # accents dropped on a capital, and the longest match wins over the one-word "ministère"
        (
            "l'opération a suscité un échange entre les Etats-Unis et le ministère des Affaires étrangères allemand",
            [("Etats-Unis", ETATS_UNIS.source), ("ministère des Affaires étrangères", FOREIGN_MINISTRY.source)],
        ),
        ("Le ministère de la Défense a démenti.", [("ministère", "ministère")]),
        ("les ministères de la Défense", [("ministères", "ministère")]),
        # never inside another word
        ("La Rus' kiévienne, ou les Kiévains, ne sont pas Kievlyanin.", []),
        ("Le cosmodromeur n'existe pas.", []),
        ("Aujourd'hui, rien.", []),
        # punctuation between the words breaks a multi-word term
        ("Organisation des Nations, unies", []),
        ("", []),
    ],
)
def test_find_terms(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


def test_case_sensitive_entry_needs_its_case() -> None:
    text = "L'ONU salue les nouveaux objectifs en faveur de la lutte contre la pauvreté"
    assert found(text) == [("ONU", "ONU")]
    # "l'Onu" (newstest2014) is written in title case: the case-sensitive all-capitals "ONU" does not match it
    assert found("la fin des écoutes du quartier général de l'Onu à New York") == []
    lower = Glossary.of([Entry("onu", ("UN",))])
    assert found("la fin des écoutes du quartier général de l'Onu à New York", lower) == [("Onu", "onu")]


def test_case_sensitive_name_keeps_its_capital() -> None:
    glossary = Glossary.of([Entry("Nice", ("Nice",), case_sensitive=True)])
    assert found("Il vit à Nice depuis 2010.", glossary) == [("Nice", "Nice")]
    assert found("Un nice garçon.", glossary) == []


def test_spans_are_half_open_character_offsets() -> None:
    text = "furieux de la volonté de Kiev"
    (match,) = find_terms(GLOSSARY, text)
    assert match == TermMatch(25, 29, KIEV)
    assert text[match.start : match.end] == "Kiev"


def test_longest_match_wins_over_the_term_inside_it() -> None:
    text = "La Mission de l'Organisation des Nations unies en RDC"
    assert found(text) == [("Organisation des Nations unies", UN.source)]


def test_gender_and_number_of_adjectives() -> None:
    glossary = Glossary.of(
        [Entry("État islamique", ("Islamic State",)), Entry("premier ministre", ("prime minister",))]
    )
    assert found("les Etats islamiques et la première ministre", glossary) == [
        ("Etats islamiques", "État islamique"),
        ("première ministre", "premier ministre"),
    ]


def test_lemma_collision_without_shared_prefix_does_not_match() -> None:
    # "été" and "est" are both lemmatised to "être" by simplemma
    glossary = Glossary.of([Entry("été", ("summer",))])
    assert found("Il est parti.", glossary) == []
    assert found("Cet été, il est parti.", glossary) == [("été", "été")]


@pytest.mark.parametrize(
    ("entry", "english", "used"),
    [
        (KIEV, "Kyiv needs cash to pay for its gas imports from Russia.", True),
        (KIEV, "Kyiv's mayor said so.", True),
        (KIEV, "Kiev needs cash to pay for its gas imports from Russia.", False),
        (COSMODROME, "Russia has two spaceports.", True),  # English plural simplemma does not know
        (UN, "The U.N. welcomes new goals.", True),
        (UN, "The United Nations welcomes new goals.", True),
        (UN, "The nations were united.", False),
        (FOREIGN_MINISTRY, "an exchange between the US and the German Foreign Ministry in Berlin", True),
        (FOREIGN_MINISTRY, "the Foreign Ministries of both countries", True),
        (ONU, "the UN headquarters", True),
        (ONU, "the un headquarters", False),  # case-sensitive entry: its English terms keep their case too
        (Entry("cheval", ("horse",)), "Horse meat was found in cans of beef products.", True),
        (Entry("cheval", ("horse",)), "Horsemeat was found.", False),
    ],
)
def test_target_used(entry: Entry, english: str, used: bool) -> None:
    assert target_used(entry, english) is used


@pytest.mark.parametrize(
    ("entry", "english", "present"),
    [
        (KIEV, "Kiev needs cash.", ["Kiev"]),
        (KIEV, "a Kiev-based analyst", ["Kiev"]),  # one part of a compound is still the name
        (KIEV, "Kievan Rus was a federation.", []),
        (KIEV, "Kyiv needs cash.", []),
        (COSMODROME, "the cosmodromes of Baikonur and Plesetsk", ["cosmodrome"]),
        (Entry("Kiev", ("Kiev Post",), forbidden=("Kiev",)), "the Kiev Post reported", []),
    ],
)
def test_forbidden_present(entry: Entry, english: str, present: list[str]) -> None:
    assert forbidden_present(entry, english) == present


def test_find_occurrences_in_english_and_french() -> None:
    assert find_occurrences("spaceport", "spaceports and a spaceport") == [(0, 10), (17, 26)]
    assert find_occurrences("cosmodrome", "les cosmodromes", lang="fr") == [(4, 15)]
    assert find_occurrences("U.N.", "the U.N. said") == [(4, 7)]


def test_empty_glossary_finds_nothing() -> None:
    assert find_terms(Glossary.of([]), "Kiev") == []
