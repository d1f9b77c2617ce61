"""Where a glossary's terms occur: French terms in a source sentence, English terms in a translation.

Matching is word by word. A word is a maximal run of letters and digits (apostrophes, hyphens, dots and spaces split
words), so a term never matches inside a longer word ("Kiev" is not found in "Kievan"). Two words match when

- they are equal ignoring case and accents ("Etats-Unis" matches "États-Unis": French capitals often drop them), or
- simplemma (a maintained dictionary lemmatiser, 54 languages) gives them a common lemma ("cosmodromes" →
  "cosmodrome", "unies" / "unis" → "unir", "chevaux" → "cheval"; English "ministers" → "minister") and they share
  their first three letters, which keeps lemma collisions out ("été" and "est" both lemmatise to "être"), or
- simplemma does not know the word (a name, a rare noun) and it differs by a regular plural: French -s/-x, English
  -s/-es/-ies ("spaceports" → "spaceport").

Between the words of a multi-word term the text may have any spaces or a hyphen where the term has a space or hyphen
("Nations unies" = "Nations-Unies"); any other punctuation breaks the term ("Kiev, Moscou" is not "Kiev Moscou").
A French term may follow an elided article or preposition ("l'Organisation des Nations unies", "d'Ukraine"), but a
word cut by an apostrophe inside a longer word does not count ("hui" in "aujourd'hui"). In English a term may be
followed by a possessive ("Kyiv's"). Case is ignored unless the entry is case-sensitive; then the letters the two
words share must have the same case, and an all-capitals term word ("ONU") needs an all-capitals text word.
Overlapping matches: the longest (in characters) wins, then the leftmost, then the first entry in the glossary.

What this does not catch (a glossary should list these as entries of their own):
- irregular forms whose first three letters differ from the term's ("yeux" for "œil"), and forms simplemma does
  not have that are not regular plurals;
- a term with words inserted or reordered ("Organisation mondiale de la santé" is not found in "Organisation de la
  santé mondiale"; "ministre des Affaires étrangères" not in "ministre français des Affaires étrangères");
- abbreviations and synonyms ("ONU" for "Organisation des Nations unies");
- verb and adjective forms that share a lemma and three letters with a term word can over-match ("unit", the verb,
  matches the word "unies" of a term: harmless inside "Nations unies", wrong for a one-word term "unies");
- a term is found in one part of a hyphenated compound ("pro-Kiev" contains "Kiev"): meant for names, wrong for a
  term that is the tail of an unrelated compound.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from .glossary import Entry, Glossary

__all__ = ["TermMatch", "find_occurrences", "find_terms", "forbidden_present", "target_used"]

_WORD = re.compile(r"[^\W_]+")
_APOSTROPHES = "'’ʼ‘`´"
_HYPHENS = "-‐‑‒–"
# French words that elide before a vowel: "l'Organisation", "qu'Israël", "jusqu'à"
_ELIDED = frozenset({"l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu", "presqu"})
_MIN_PREFIX = 3


@dataclass(frozen=True)
class TermMatch:
    """A glossary term found in a French text: characters ``start:end`` (0-based, half-open) and its entry."""

    start: int
    end: int
    entry: Entry


@dataclass(frozen=True)
class _Word:
    start: int
    end: int
    surface: str  # as written (case-sensitive checks)
    folded: str  # NFC, case-folded


@dataclass(frozen=True)
class _Term:
    words: tuple[_Word, ...]
    gaps: tuple[str, ...]  # normalised separators between consecutive words


@dataclass(frozen=True)
class _Index:
    """The French terms of a glossary, parsed, and their positions by the lookup keys of their first word."""

    terms: tuple[_Term, ...]
    by_first_key: dict[str, tuple[int, ...]]


def _build_index(entries: Sequence[Entry]) -> _Index:
    terms = tuple(_parse(e.source) for e in entries)
    by_key: dict[str, list[int]] = {}
    for n, term in enumerate(terms):
        if term.words:
            for key in _keys(term.words[0].folded, "fr"):
                by_key.setdefault(key, []).append(n)
    return _Index(terms, {k: tuple(v) for k, v in by_key.items()})


# ----------------------------------------------------------------------------------------------- words


def _words(text: str) -> list[_Word]:
    return [
        _Word(m.start(), m.end(), m.group(), unicodedata.normalize("NFC", m.group()).casefold())
        for m in _WORD.finditer(text)
    ]


def _gap(text: str) -> str:
    """A separator reduced to what matters: spaces and hyphens are one kind, apostrophes another, the rest kept."""
    out: list[str] = []
    for c in text:
        if c.isspace() or c in _HYPHENS:
            c = " "
        elif c in _APOSTROPHES:
            c = "'"
        if not (c == " " and out and out[-1] == " "):
            out.append(c)
    return "".join(out)


@lru_cache(maxsize=4096)
def _parse(term: str) -> _Term:
    words = tuple(_words(term))
    return _Term(words, tuple(_gap(term[a.end : b.start]) for a, b in itertools.pairwise(words)))


def _strip_accents(word: str) -> str:
    if word.isascii():
        return word
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


@lru_cache(maxsize=200_000)
def _keys(folded: str, lang: str) -> frozenset[str]:
    """The forms a word is looked up by: itself, without accents, its lemma, and (when simplemma does not know it) the
    word without a regular plural ending."""
    import simplemma

    bare = _strip_accents(folded)
    lemma = simplemma.lemmatize(folded, lang=lang).casefold()
    keys = {bare, _strip_accents(lemma)}
    if lemma == folded and len(bare) > 3:
        if lang == "fr" and bare[-1] in "sx":
            keys.add(bare[:-1])
        elif lang == "en" and bare.endswith("s"):
            keys.add(bare[:-1])
            if bare.endswith("ies"):
                keys.add(bare[:-3] + "y")
            elif bare.endswith("es"):
                keys.add(bare[:-2])
    return frozenset(keys)


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def _same_word(text: _Word, term: _Word, lang: str, case_sensitive: bool) -> bool:
    a, b = _strip_accents(text.folded), _strip_accents(term.folded)
    if a != b:
        if not (_keys(text.folded, lang) & _keys(term.folded, lang)):
            return False
        if _common_prefix(a, b) < min(_MIN_PREFIX, len(a), len(b)):
            return False
    if case_sensitive:
        k = _common_prefix(a, b)
        if _strip_accents(text.surface[:k]) != _strip_accents(term.surface[:k]):
            return False
        if len(term.surface) > 1 and term.surface.isupper() and not text.surface.isupper():
            return False
    return True


def _boundaries_ok(text: str, start: int, end: int, lang: str) -> bool:
    """The match is not the tail or head of a word cut by an apostrophe ("hui" of "aujourd'hui")."""
    if start >= 2 and text[start - 1] in _APOSTROPHES and text[start - 2].isalnum():
        before = _WORD.findall(text[max(0, start - 12) : start - 1])
        if lang != "fr" or not before or before[-1].casefold() not in _ELIDED:
            return False
    if lang == "fr" and end + 1 < len(text) and text[end] in _APOSTROPHES and text[end + 1].isalnum():
        return False
    return True


def _match_at(
    words: Sequence[_Word], i: int, term: _Term, text: str, lang: str, case_sensitive: bool
) -> tuple[int, int] | None:
    n = len(term.words)
    if not n or i + n > len(words):
        return None
    for k in range(n):
        if not _same_word(words[i + k], term.words[k], lang, case_sensitive):
            return None
        if k and _gap(text[words[i + k - 1].end : words[i + k].start]) != term.gaps[k - 1]:
            return None
    start, end = words[i].start, words[i + n - 1].end
    return (start, end) if _boundaries_ok(text, start, end, lang) else None


# ----------------------------------------------------------------------------------------------- public


def find_terms(glossary: Glossary, text: str) -> list[TermMatch]:
    """The glossary's French terms in ``text``, in text order, none overlapping (the longest wins, then the leftmost,
    then the first entry). Spans are 0-based, half-open character offsets into ``text``.

    Matches whole words, inflected forms (simplemma lemmas sharing three letters; regular plurals of unknown words),
    accents dropped on capitals, hyphen for space, after an elided article ("l'Organisation"). Does not catch:
    irregular forms whose first three letters differ ("yeux"/"œil"), words inserted into or reordered within a
    term, abbreviations and synonyms ("ONU" for "Organisation des Nations unies"); and it finds a term that is part
    of a longer name ("Albert Londres") or one part of a hyphenated compound ("pro-Kiev"). The module docstring has
    the details."""
    if not glossary.entries or not text:
        return []
    index = glossary._index
    words = _words(text)
    found: list[tuple[int, int, int]] = []  # (start, end, entry index)
    for i, word in enumerate(words):
        seen: set[int] = set()
        for key in _keys(word.folded, "fr"):
            for n in index.by_first_key.get(key, ()):
                if n in seen:
                    continue
                seen.add(n)
                span = _match_at(words, i, index.terms[n], text, "fr", glossary.entries[n].case_sensitive)
                if span is not None:
                    found.append((span[0], span[1], n))
    found.sort(key=lambda f: (-(f[1] - f[0]), f[0], f[2]))
    kept: list[tuple[int, int, int]] = []
    for start, end, n in found:
        if all(end <= s or start >= e for s, e, _ in kept):
            kept.append((start, end, n))
    return [TermMatch(s, e, glossary.entries[n]) for s, e, n in sorted(kept)]


def find_occurrences(term: str, text: str, *, lang: str = "en", case_sensitive: bool = False) -> list[tuple[int, int]]:
    """Character spans (0-based, half-open) where ``term`` occurs in ``text`` under the same rules as
    :func:`find_terms` (inflection by ``lang``'s lemmas, whole words, case as asked), left to right, not
    overlapping."""
    parsed = _parse(term)
    words = _words(text)
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        span = _match_at(words, i, parsed, text, lang, case_sensitive)
        if span is None:
            i += 1
            continue
        spans.append(span)
        i += len(parsed.words)
    return spans


def target_used(entry: Entry, english: str) -> bool:
    """Whether ``english`` uses one of the entry's preferred or admitted terms (inflected: "spaceports" uses
    "spaceport"; whole words; the entry's case rule)."""
    return any(find_occurrences(t, english, lang="en", case_sensitive=entry.case_sensitive) for t in entry.targets)


def forbidden_present(entry: Entry, english: str) -> list[str]:
    """The entry's forbidden terms that ``english`` contains, in the entry's order (same rules as
    :func:`target_used`). A forbidden term that is also inside a required one is not reported where the required
    term covers it ("Kiev" is not flagged inside a required "Kiev Post")."""
    allowed = [s for t in entry.targets for s in find_occurrences(t, english, case_sensitive=entry.case_sensitive)]
    out = []
    for term in entry.forbidden:
        spans = find_occurrences(term, english, case_sensitive=entry.case_sensitive)
        if any(not any(a <= s and e <= b for a, b in allowed) for s, e in spans):
            out.append(term)
    return out
