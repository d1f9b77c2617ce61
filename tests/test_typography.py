"""Typography on both sides of the model: Moses normalisation of the French, English conventions for the MT."""

from __future__ import annotations

import pytest

from aligner.reading.typography import english_typography, normalize_source

NBSP = "\u00a0"
NNBSP = "\u202f"  # narrow no-break space, French typography before ; ! ? and inside « »
THIN = "\u2009"
ZWSP = "\u200b"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ""),
        ("  Il pleut.  ", "Il pleut."),  # stripped
        (f"Il{NBSP}pleut{NNBSP}fort{THIN}ici.", "Il pleut fort ici."),  # every no-break / thin space is a space
        (f"mot{ZWSP}collé", "motcollé"),  # a zero-width space is dropped, not turned into a space
        ("Il dit : oui ; non", "Il dit: oui; non"),  # Moses: no space before : and ;
        (f"Il dit{NBSP}: oui", "Il dit: oui"),
        (f"Il dit{NNBSP}: oui", "Il dit: oui"),
        ("«oui»", '"oui"'),  # guillemets without inner spaces
        ("« oui »", '" oui "'),  # with plain inner spaces Moses keeps the spaces (only NBSPs are absorbed)
        (f"«{NNBSP}oui{NNBSP}»", '"oui"'),  # U+202F plays U+00A0's role in French typography: absorbed too
        ("“oui” „non”", '"oui" "non"'),  # every double quote is straight
        ("L’homme d’État", "L'homme d'État"),  # apostrophe between letters
        ("PARIS (AP) — Le président", "PARIS (AP) - Le président"),  # em dash → spaced hyphen
        ("50 % des voix", "50% des voix"),
        ("Et puis…", "Et puis..."),
    ],
)
def test_normalize_source(text: str, expected: str) -> None:
    assert normalize_source(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"Il a dit{NBSP}: «{NBSP}oui{NBSP}».", 'Il a dit: "oui".'),
        (f"Quoi{NBSP}?", "Quoi?"),
    ],
)
def test_normalize_source_applies_moses_rules_for_no_break_spaces(text: str, expected: str) -> None:
    """French typography puts NBSPs inside « » and before ? !; Moses (run on the raw OPUS text, before
    SentencePiece folds the NBSPs) removes them. Fails if the folding happens first."""
    assert normalize_source(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ""),
        ("  He left.  ", "He left."),
        ("He  left   early.", "He left early."),  # runs of spaces collapse
        # no space before : ; ? ! — plain, no-break and narrow no-break
        ("Why ?", "Why?"),
        ("Really !", "Really!"),
        ("Note : this ; that", "Note: this; that"),
        (f"Why{NBSP}?", "Why?"),
        (f"Why{NNBSP}?", "Why?"),
        (f"He{NBSP}left.", "He left."),
        # guillemets left over from the French, with and without inner (no-break) spaces
        ("He said « yes »", "He said “yes”"),
        ("He said «yes»", "He said “yes”"),
        (f"He said «{NBSP}yes{NBSP}»", "He said “yes”"),
        (f"He said «{NNBSP}yes{NNBSP}»", "He said “yes”"),
        (f"Il dit{NBSP}: «{NBSP}oui{NBSP}»{NBSP}!", "Il dit: “oui”!"),  # the docstring's example
        # straight quotes are paired: opening after a space or an opening bracket/dash, closing otherwise
        ('"Yes" he said', "“Yes” he said"),
        ('He said ("yes")', "He said (“yes”)"),
        ('She said — "no"', "She said — “no”"),
        # apostrophes in contractions and after a plural's s
        ("don't", "don’t"),
        ("It's here", "It’s here"),
        ("rock'n'roll", "rock’n’roll"),
        ("the players' union", "the players’ union"),
        ("the Jones'", "the Jones’"),
        # AP style: period and comma inside the closing quote
        ('He said "yes".', "He said “yes.”"),
        ('"Yes", he said.', "“Yes,” he said."),
        ("He said «yes».", "He said “yes.”"),
        ('He said " yes " .', "He said “yes.”"),  # Moses-tokenized quotes and period
        ("It costs 3 , 4 or 5 .", "It costs 3, 4 or 5."),  # a detached comma or period is re-attached
    ],
)
def test_english_typography(text: str, expected: str) -> None:
    assert english_typography(text) == expected


def test_english_typography_two_quotations_in_one_sentence() -> None:
    assert english_typography('He said "yes" and "no".') == "He said “yes” and “no.”"


@pytest.mark.parametrize(
    "typeset",
    [
        "He said: “yes.” It’s the players’ union.",
        "“Yes,” he said. “Really?”",
        "Why? Because — as the minister put it — “nothing changes.”",
        "The 1990s’ end, rock’n’roll and the Joneses’ house.",
        "A plain sentence with no quotes at all.",
    ],
)
def test_english_typography_is_idempotent_on_typeset_text(typeset: str) -> None:
    """Already-typeset English comes out unchanged (a second pass must never move quotes or punctuation again)."""
    assert english_typography(typeset) == typeset
    assert english_typography(english_typography(typeset)) == typeset


@pytest.mark.parametrize(
    "raw",
    ['He said "yes".', "He said « yes » !", "the players' union , they said", '" Yes " , he said .'],
)
def test_english_typography_twice_is_once(raw: str) -> None:
    once = english_typography(raw)
    assert english_typography(once) == once
