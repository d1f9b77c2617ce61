"""Sentence segmentation for French and English wire copy.

A rule-based splitter in the tradition of the Moses ``split-sentences.perl`` script
(non-breaking prefixes per language), tuned for news copy that has itself been through machine
translation: a period followed by a lower-case word is *not* a boundary ("resterait toujours
debout. avec Moscou" is one sentence), French spacing around « » and before ? ! is understood,
and abbreviations (M., Mme, St., U.S., J.-C.), initials and decimal numbers never end a sentence.

Sentences are returned as substrings of the input with their inner spacing and typography intact.
"""

from __future__ import annotations

import re

TERMINATORS = ".!?…"
CLOSERS = "»”\"’')]"
OPENERS = "«“\"‘'([—–-"

_COMMON = {
    # initials-like and titles shared by both languages
    "Dr",
    "St",
    "Ste",
    "Mt",
    "No",
    "Nos",
    "Vol",
    "vol",
    "p",
    "pp",
    "cf",
    "ch",
    "fig",
    "Fig",
}
NONBREAKING = {
    "fr": _COMMON
    | {
        "M",
        "MM",
        "Mme",
        "Mmes",
        "Mlle",
        "Mlles",
        "Me",
        "Mgr",
        "Pr",
        "Dre",
        "av",
        "apr",
        "env",
        "janv",
        "févr",
        "avr",
        "juil",
        "sept",
        "oct",
        "nov",
        "déc",
        "art",
        "chap",
        "n°",
        "éd",
        "boul",
        "bd",
        "Cie",
        "Gén",
        "Lt",
        "Col",
        "Cdt",
        "Sgt",
    },
    "en": _COMMON
    | {
        "Mr",
        "Mrs",
        "Ms",
        "Messrs",
        "Prof",
        "Sr",
        "Jr",
        "Gen",
        "Col",
        "Lt",
        "Sgt",
        "Capt",
        "Cmdr",
        "Adm",
        "Gov",
        "Sen",
        "Rep",
        "Rev",
        "Hon",
        "Pres",
        "Supt",
        "Det",
        "Insp",
        "Jan",
        "Feb",
        "Mar",
        "Apr",
        "Aug",
        "Sep",
        "Sept",
        "Oct",
        "Nov",
        "Dec",
        "Inc",
        "Corp",
        "Co",
        "Ltd",
        "Bros",
        "vs",
        "Ave",
        "Blvd",
        "Rd",
        "Ft",
        "approx",
        "est",
        "e.g",
        "i.e",
        "a.m",
        "p.m",
    },
}

_WS = re.compile(r"\s+")
_ACRONYM = re.compile(r"^(?:[A-Za-z]\.)+[A-Za-z]$")  # U.S, a.m, e.g
_HYPHEN_INITIALS = re.compile(r"^(?:[A-Z]\.-)+[A-Z]$")  # J.-C, J.-P
_LETTER = re.compile(r"^[^\W\d_]$")  # a single letter: an initial ("George W. Bush")


def _starts_sentence(token: str) -> bool:
    """True when ``token`` can open a sentence: upper-case letter or digit after opening marks."""
    core = token.lstrip(OPENERS)
    if not core:
        return False
    first = core[0]
    return first.isupper() or first.isdigit()


def _is_boundary(left: str, right: str, lang: str) -> bool:
    """Decide whether the whitespace between the tokens ``left`` and ``right`` ends a sentence."""
    stripped = left.rstrip(CLOSERS)
    if not stripped or stripped[-1] not in TERMINATORS:
        return False
    if not _starts_sentence(right):
        return False  # lower case after a period: a stray period in the middle of a sentence
    if stripped[-1] != ".":
        return True  # ! ? … always end a sentence before an upper-case word
    if stripped.endswith(".."):
        return True  # an ellipsis written as dots
    word = stripped[:-1].lstrip(OPENERS)
    if not word:
        return True
    if word in NONBREAKING.get(lang, _COMMON) or _LETTER.match(word):
        return False
    if _ACRONYM.match(word) or _HYPHEN_INITIALS.match(word):
        return False
    return True


def split_sentences(text: str, lang: str = "fr") -> list[str]:
    """Split one paragraph into sentences.

    ``lang`` is ``"fr"`` or ``"en"`` and selects the abbreviation list. Empty or blank input gives
    ``[]``. Joining the result with single spaces gives ``text`` with its whitespace runs folded.
    """
    tokens = [m for m in re.finditer(r"\S+", text)]
    if not tokens:
        return []
    sentences: list[str] = []
    start = tokens[0].start()
    marks = set(TERMINATORS) | set(CLOSERS)
    for i in range(len(tokens) - 1):
        nxt = tokens[i + 1].group()
        if set(nxt) <= set(CLOSERS):
            continue  # a detached closing quote ("national. »") belongs to the sentence before it
        # Look back through detached marks: "vraiment ?" and "national. »" end in their word.
        k = i
        left = tokens[k].group()
        while k > 0 and set(tokens[k].group()) <= marks and tokens[k].start() > start:
            k -= 1
            left = tokens[k].group() + left
        right = nxt
        if set(nxt) <= set(OPENERS) and i + 2 < len(tokens):
            right = nxt + tokens[i + 2].group()  # "« Nous" opens with a detached quote
        if _is_boundary(left, right, lang):
            sentences.append(text[start : tokens[i].end()])
            start = tokens[i + 1].start()
    sentences.append(text[start : tokens[-1].end()])
    return sentences
