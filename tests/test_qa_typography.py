"""Quotes, brackets and repeated words (``aligner.qa.typography``): other quoting styles, glosses and punctuated
repeats are not flagged (issue 16's measurement found pofilter's versions wrong on most of what they flagged);
unpaired marks and real doubled words of Google's and Bing's English still are.

Each table row names, after ``#``, the change to the code that makes it fail."""

from __future__ import annotations

from functools import lru_cache
from itertools import islice

import pytest

from aligner.qa.checks import check_pair
from aligner.qa.typography import (
    check_brackets,
    check_capitalisation,
    check_end_punctuation,
    check_quotes,
    check_repetition,
)
from conftest import DATA, needs_shared

LIG = DATA / "lig-postedit-fren"
LIG_LINES = 8681  # lines 8,682–10,881 are another issue's held-out split: never read


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


RIGHT = [
    # another quoting style, « » as ' ' (mutation: flag when the MT has fewer double marks than the source, as
    # pofilter's doublequoting did)
    ("quotes", "le sens du mot « solidarité » reste", "the meaning of the word 'solidarity' remains"),
    # English quotes French reported speech, over several sentences (mutation: flag whenever the MT's marks are odd)
    (
        "quotes",
        "Et si ce qui se passe en Irak n'est pas réglé, cela va s'étendre.",
        '"And if Iraq is not handled, it will spread.',
    ),
    ("quotes", "« Nous partons demain.", '"We leave tomorrow.'),  # (mutation: the source's odd count not excused)
    # a quotation of several sentences, English style: opened here, closed in the next sentence, or closed here,
    # opened in the previous one (newstest2014; mutation: ``_runs_over`` returns False)
    ("quotes", "Il l'avait dit: \"Malko Linge n'a pas d'âge\".", 'He said it himself: "Malko Linge is ageless.'),
    ("quotes", '"Ou soit il le vendait", explique Paul Arsenault.', 'or sell it," explains Paul Arsenault.'),
    # quotes dropped around a word (mutation: flag when the MT has fewer marks than the source, as pofilter did)
    ("quotes", 'Spectaculaire saut en "wingsuit" au-dessus de Bogota', "Spectacular Wingsuit Jump Over Bogota"),
    # a gloss added, a parenthesis dropped (mutation: compare the bracket counts of source and MT, as pofilter did)
    ("brackets", "C'est à l'ARS de décider.", "It is for the regional health agency (ARS) to decide."),
    ("brackets", "Les objectifs du millénaire (OMD) ont 12 ans.", "The millennium development goals are 12 years old."),
    # repeats with punctuation between (mutation: ``_runs`` ignores punctuation; for the first, which mirrors the
    # source, the source's repeats ignored too: pofilter's doublewords)
    ("repeated-word", "Elle, elle, ne fait pas partie d'une alliance.", "It, it, is not part of an alliance."),
    (
        "repeated-word",
        "La réponse, certainement, tient un peu des deux.",
        "The answer, surely, surely stands a little of both.",
    ),
    (
        "repeated-word",
        "la modernisation de la Turquie, une Turquie moderne",
        "modernization of Turkey, Turkey and a modern",
    ),
    # a repeat the source makes too (mutation: ``source_shapes`` ignored)
    ("repeated-word", "C'est très très bien.", "It is very very good."),
    # English doubles (mutation: ``_ENGLISH_DOUBLES`` emptied)
    ("repeated-word", "Il avait eu assez.", "He had had enough."),
    # the same final punctuation, written differently (mutations: closing marks not skipped in ``_final_punctuation``;
    # "..." not read as an ellipsis)
    ("end-punctuation", "Il a dit « oui ».", 'He said "yes."'),
    ("end-punctuation", "Ils devront payer les pots cassés…", "They will have to pay the price..."),
    # Google's space before the full stop is the same full stop (mutation: pofilter's endpunc back)
    ("end-punctuation", "Elle requiert l'appui des médias.", "It requires the support of the media ."),
    # a lower-case French start capitalised in English (mutation: the reverse direction flagged too, as pofilter did)
    (
        "capitalisation",
        '"nous devons examiner tous les aspects", a dit M. Cole.',
        '"We need to look at all aspects," said Cole.',
    ),
]


@pytest.mark.parametrize(("code", "source", "mt"), RIGHT)
def test_right_typography_is_not_flagged(code: str, source: str, mt: str) -> None:
    assert code not in {f.code for f in check_pair(source, mt)}


# errors of Google's and Bing's English (0-based LIG line, system, code, part of the reason)
REAL = [
    # an opening " closed by ' (mutation: the odd-count rule of ``check_quotes`` removed)
    (158, "google", "quotes", "without its pair"),
    (6851, "google", "quotes", "without its pair"),
    # the closing " dropped before the attribution (mutation: ``_runs_over`` ignores where the source's quote closes)
    (6522, "bing", "quotes", "without its pair"),
    # « moteur » → "" (mutation: ``_empty_quotation`` returns False)
    (1514, "bing", "quotes", "empty quotation"),
    # 2 ( and 3 ) (mutation: ``check_brackets`` compares nothing when the source has brackets)
    (7465, "bing", "brackets", "2 '(' and 3 ')'"),
    # a phrase twice (mutation: ``repeats`` looks at single words only)
    (5328, "bing", "repetition", "the world of"),
    # doubled words (mutations: a word the source has is excused, as before: "Mentefering Mentefering"; doubled
    # single words not reported)
    (1584, "google", "repeated-word", "mentefering mentefering"),
    (4212, "bing", "repeated-word", "was was"),
    (5221, "google", "repeated-word", "the the"),
]


@needs_shared
@pytest.mark.parametrize(("line", "system", "code", "reason"), REAL)
def test_real_typography_errors_are_flagged(line: int, system: str, code: str, reason: str) -> None:
    data = lig()
    flags = [f for f in check_pair(data["source"][line], data[system][line]) if f.code == code]
    assert flags and reason in flags[0].reason, (data["source"][line], data[system][line])


def test_ends_and_starts() -> None:
    # mutations: ``check_end_punctuation`` returns None; ``check_capitalisation`` returns None
    end = check_end_punctuation("Les rats aussi ont des sensations", "Rats also have sensations.")
    assert end is not None and end.reason == "the source ends with no final punctuation, the MT with '.'"
    assert check_end_punctuation("Que faire ?", "What to do.") is not None
    start = check_capitalisation("Le Thin White Duke a prévu de rééditer cet album.", "the Thin White Duke planned it.")
    assert start is not None and start.severity == "info"


def test_planted() -> None:
    # mutations: ``check_quotes`` returns None; ``check_brackets`` reads "(" only; repetition severities swapped
    quotes = check_quotes("Il a dit « oui », puis il est parti.", 'He said "yes, then he left.')
    assert quotes is not None and quotes.severity == "warning"
    brackets = check_brackets("Le G8 [huit pays] se réunit.", "The G8 [eight countries meets.")
    assert brackets is not None and brackets.code == "brackets"
    [word] = check_repetition("Le dollar s'était dévalorisé.", "The dollar was was devalued.")
    assert (word.code, word.severity) == ("repeated-word", "warning")
    [loop] = check_repetition("x", "It is is is done.")
    assert (loop.code, loop.severity) == ("repetition", "error")
