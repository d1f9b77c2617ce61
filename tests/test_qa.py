"""QA checks: each with a positive and a negative case from real copy (LIG: French source and Google's
2015 MT; the example story) plus planted cases. The checks' own tables are in tests/test_qa_*.py."""

from __future__ import annotations

from functools import lru_cache
from itertools import islice

import pytest

from aligner.qa.checks import check_bead, check_length, check_numbers, check_pair, check_repetition, numbers
from aligner.translation.frontend import MarianTranslator
from conftest import DATA, SEED, SEED_REFERENCE, needs_shared

LIG = DATA / "lig-postedit-fren"
LIG_LINES = 8681  # lines 8,682–10,881 are another issue's held-out split: never read


@lru_cache(maxsize=1)
def lig() -> tuple[list[str], list[str]]:
    def read(name: str) -> list[str]:
        with (LIG / name).open(encoding="utf-8") as fh:
            return [line.rstrip("\n") for line in islice(fh, LIG_LINES)]

    return read("src-ref-all.fr"), read("output_Google_Translator.en")


def codes(source: str, mt: str) -> set[str]:
    return {f.code for f in check_pair(source, mt)}


# (check code, LIG line where Google's MT has the problem, LIG line where it does not)
REAL = [
    ("numbers", 3446, 200),  # "3 200 kilomètres" → "3.200 kilometers"; "années 1990" → "1990s" is fine
    ("numbers", 317, 316),  # "0,010 €" → "€ 0,010"; "3 kilos" → "three kilograms" is fine (AP style)
    ("unchanged", 7709, 1),  # the whole French sentence copied through
    ("partly-untranslated", 7709, 2),
    ("repeated-word", 770, 2),  # "countries countries"
    ("repeated-word", 1584, 1),  # "Mentefering Mentefering"
    ("quotes", 158, 5),  # 'dividende démographique' → "demographic dividend '
    ("end-punctuation", 0, 1),  # a headline given a period
]


@needs_shared
@pytest.mark.parametrize(("code", "positive", "negative"), REAL)
def test_checks_on_real_machine_translation(code: str, positive: int, negative: int) -> None:
    src, mt = lig()
    assert code in codes(src[positive], mt[positive]), (src[positive], mt[positive])
    assert code not in codes(src[negative], mt[negative]), (src[negative], mt[negative])


@needs_shared
def test_brackets_and_length_on_real_copy_with_planted_damage() -> None:
    src, mt = lig()
    assert "(" in src[1718] and "brackets" not in codes(src[1718], mt[1718])
    assert "brackets" in codes(src[1718], mt[1718].replace(")", ""))
    assert not codes(src[1], mt[1]) & {"too-short", "too-long", "dropped"}
    assert "too-short" in codes(src[1], " ".join(mt[1].split()[:5]) + ".")
    assert "too-long" in codes(src[5], mt[5] + " " + mt[6] + " " + mt[7])
    assert "dropped" in codes(src[1], "")


@needs_shared
def test_names_on_the_example_story(tiny_translator: MarianTranslator) -> None:
    from aligner.reading.reader import read_document

    source = read_document(SEED, lang="fr")
    reference = read_document(SEED_REFERENCE, lang="en")
    fr = next(s.text for s in source.sentences if "s’est rendu en Russie" in s.text)
    en = next(s.text for s in reference.sentences if "traveled to Russia" in s.text)
    # the human translation keeps every name (Poutine → Putin through the lexical table, Russie → Russia by prefix)
    assert "missing-name" not in codes(fr, en)
    # the tiny model's English does not
    mt = tiny_translator.translate([fr])[0].text
    flags = [f for f in check_pair(fr, mt) if f.code == "missing-name"]
    assert flags and "Poutine" in flags[0].reason
    # capitals in a header are not acronyms
    assert "missing-name" not in codes("CE QU’IL FAUT SAVOIR :", "WHAT TO KNOW:")


LENGTH_RIGHT = [
    # short sentences: their length says nothing (mutation: MIN_LENGTH_GAP = 0)
    ("Il s'agit donc d'une histoire qui n'en est pas une.", "So, a non-story, then."),
    ("La chute de l'ONU", "The fall of the United Nations."),
    # a gloss in brackets is not invented content (mutation: the MT's bracketed text counted)
    (
        "Comment se sont passés les examens médicaux et le debriefing DGSE ?",
        "How did the medical examinations and the debriefing with the DGSE (Directorate General for External "
        "Security) go?",
    ),
]


@pytest.mark.parametrize(("source", "mt"), LENGTH_RIGHT)
def test_length_of_good_translations_is_not_flagged(source: str, mt: str) -> None:
    assert check_length(source, mt) is None


def test_numbers_planted() -> None:
    assert check_numbers("De 1950-1953, la guerre de Corée", "From 1950-53, the Korean War") is None
    flag = check_numbers("650 morts", "560 dead")
    assert flag is not None and flag.severity == "error" and "650" in flag.reason and "560" in flag.reason
    assert check_numbers("3,5 millions et 1 000 personnes", "3.5 million and 1,000 people") is None
    assert check_numbers("12,5 %", "125%") is not None
    assert numbers("le 1er janvier 2024", "fr") == numbers("January 1st, 2024", "en")


def test_repetition_planted() -> None:
    [loop] = check_repetition("Les négociations sont terminées.", "The talks are over over over over over.")
    assert loop.code == "repetition" and loop.severity == "error" and "repeated 5 times" in loop.reason
    assert check_repetition("Il avait eu assez.", "He had had enough.") == []
    [phrase] = check_repetition("x", "The government said the government said the government said that.")
    assert "the government said" in phrase.reason


def test_untranslated_planted() -> None:
    assert "untranslated" in codes("Le président a dit que les négociations sont terminées.",
                                   "The président a dit que les négociations sont terminées.")  # fmt: skip
    assert not codes("Il a dit oui.", "He said yes.") & {"untranslated", "partly-untranslated"}


def test_reference_coverage_and_order() -> None:
    flags = check_bead("", "", "An extra reference sentence.", True)
    assert [f.code for f in flags] == ["reference-only"]
    flags = check_bead("Il a dit 650.", "He said 560", "", True)
    assert [f.severity for f in flags] == sorted([f.severity for f in flags], key=["error", "warning", "info"].index)
    assert {"numbers", "no-reference", "end-punctuation"} <= {f.code for f in flags}
    assert all(f.reason and f.code and f.severity in ("error", "warning", "info") for f in flags)
