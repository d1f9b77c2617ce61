"""The ``untranslated`` / ``partly-untranslated`` checks (``aligner.qa.untranslated``): English words that are
also French words, loanwords, names and titles are no evidence (issue 16); French really left in Google's and
Bing's English still is.

Each table row names, after ``#``, the change to the code that makes it fail."""

from __future__ import annotations

from functools import lru_cache
from itertools import islice

import pytest

from aligner.qa.checks import check_pair
from aligner.qa.untranslated import check_untranslated, french_words
from conftest import DATA, needs_shared

LIG = DATA / "lig-postedit-fren"
LIG_LINES = 8681  # lines 8,682–10,881 are another issue's held-out split: never read
UNTRANSLATED = {"untranslated", "partly-untranslated"}


@lru_cache(maxsize=1)
def lig() -> dict[str, list[str]]:
    def read(name: str) -> list[str]:
        with (LIG / name).open(encoding="utf-8") as fh:
            return [line.rstrip("\n") for line in islice(fh, LIG_LINES)]

    return {
        "source": read("src-ref-all.fr"),
        "google": read("output_Google_Translator.en"),
        "bing": read("output_Bing_Translator.en"),
    }


ENGLISH = [
    # English words that are French words too (mutation: "son", "car", "plus", "sans" or "pour" back in FRENCH_ONLY)
    ("Son fils conduisait la voiture de son père.", "His son was driving his father's car."),
    ("Il a pris sa voiture car il pleuvait.", "He took his car because it was raining."),
    ("Versez l'eau pour le thé.", "Pour the water for the tea."),
    ("Le prix est de dix euros, plus les taxes.", "The price is ten euros plus taxes."),
    ("Le logo utilise une police sans empattement.", "The logo uses a sans serif typeface."),
    # an acronym is not a French word (mutation: capitals no longer excluded in ``french_words``)
    ("Les actions de SA ont chuté, sa filiale aussi.", "Shares in SA fell, and so did its subsidiary."),
    # loans (mutation: LOAN_PHRASES without "vis-à-vis", or its hyphens no longer allowed to be spaced)
    ("Sa dépendance vis-à-vis de l'argent privé.", "Its dependence vis-à-vis private money."),
    ("Sa dépendance vis-à-vis de l'argent privé.", "Its dependence vis - à - vis private money."),
    ("Un café sur la façade.", "A café on the façade."),  # (mutation: LOANWORDS emptied)
    # names (mutation: ``_inside_name`` returns False)
    (
        "Les citoyens ont appris que les lacs à la Pêche et des Piles continueront d'approvisionner la ville.",
        "The townsfolk have learnt that Lac à la Pêche and Lac des Piles will continue to supply the town.",
    ),
    (
        "Les gouvernements tels que celui de Kim Jong Il sont rares.",
        "Governments such as that of Kim Jong Il are rare.",
    ),
    # a hyphenated name, spaced (mutation: "Belle - île" no longer closed up into one name)
    ("Il est allé à Belle-Île.", "He went to Belle - île."),
    # a title kept in French, in quotes (mutation: the quoted-title rule in ``french_words`` removed)
    ('Le monumental "Lieux de mémoire" a aussi contribué.', 'The monumental "Lieux de mémoire" has also contributed.'),
    # a French-looking word the source does not have (mutation: the source-word condition removed)
    ("Le décor était superbe.", "The set was superb, très chic."),
]


@pytest.mark.parametrize(("source", "mt"), ENGLISH)
def test_english_is_not_flagged_as_french(source: str, mt: str) -> None:
    assert not {f.code for f in check_pair(source, mt)} & UNTRANSLATED, french_words(source, mt)


# French left in real MT (0-based LIG line, system, code, a word the reason must name)
REAL = [
    # mutation: the "five French words" clause of ``check_untranslated`` removed (then only partly-untranslated)
    (7336, "google", "untranslated", "sélection"),
    # mutation: accented words no longer evidence (``_is_french`` reads FRENCH_ONLY only)
    (7904, "bing", "partly-untranslated", "bâillonnera"),
    (1850, "google", "partly-untranslated", "marchéisations"),
    # mutation: tokens no longer split at apostrophes ("qu'incontestée" one word, not in the source's words)
    (4595, "google", "partly-untranslated", "incontestée"),
    # mutation: "de la" after a capitalised word excused as a name (the rule before issue 16's fix looked back)
    (6187, "bing", "partly-untranslated", "la réglementation"),
    # mutation: "dit" removed from FRENCH_ONLY
    (2267, "bing", "partly-untranslated", "dit"),
]


@needs_shared
@pytest.mark.parametrize(("line", "system", "code", "word"), REAL)
def test_french_left_in_real_mt_is_flagged(line: int, system: str, code: str, word: str) -> None:
    data = lig()
    flags = [f for f in check_pair(data["source"][line], data[system][line]) if f.code in UNTRANSLATED]
    assert [f.code for f in flags] == [code] and word in flags[0].reason, (data["source"][line], data[system][line])


def test_a_copied_sentence_is_untranslated() -> None:
    # mutation: the 30 % share rule removed (two French words in six would pass)
    flag = check_untranslated("Le président a dit que les négociations sont terminées.", "The président a dit que.")
    assert flag is not None and flag.code == "untranslated" and flag.severity == "error"
    assert check_untranslated("Il a dit oui.", "He said yes.") is None
