"""A glossary obeyed by the MT: find where a decoded sentence breaks it, and what to force in a re-decode.

Detect and re-decode (Bogoychev & Chen, WMT 2023): the sentence is decoded as usual; when its English lacks a
required target term (fewer uses than the French has occurrences) or holds a forbidden one, it is decoded again
with a target prefix: the first output up to the violation, then the term, then free decoding, with the entry's
forbidden terms suppressed. Where the term belongs in the first output is found by word alignment with the
project's lexical table (``aligner.alignment.lexicon``): the English words linked to the French term's words are
replaced; when none are, the term goes after the English of the nearest linked French word before it (or before
that of the nearest one after it), else at the same relative position as in the French.

Pure functions over texts: the engines' part (prefixes and suppressed sequences as pieces, decoding, scores) is
``aligner.translation.frontend``'s and ``…backends``'. Spans are half-open character offsets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..alignment.lexicon import strip_accents

if TYPE_CHECKING:
    from ..alignment.lexicon import Lexicon
    from ..terms import Entry, Glossary, TermMatch

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_OPENERS = "([{\"'“‘«/-–—"
_CLOSERS = ",.;:!?)]}»”’'%"
_NEXT = re.compile(r"\s*(?:[^\W_]+|[^\w\s]+)")
MIN_LINK = 0.05  # p(en|fr) from which a French word and an English word are taken as translations of each other
# function words link to everything; they never place a term
_FRENCH_STOP = frozenset(
    "le la les l de du des d et à au aux en un une pour par sur dans avec ou que qui ce cette ces son sa ses".split()
)
_ENGLISH_STOP = frozenset(
    "the a an of to in and is for on at by with from that it as be this or are was has have its".split()
)


def glossary_tag(glossary: Glossary) -> str:
    """How a signature names a glossary: the first 16 hex digits of its sha256 and its entry count
    (``3f2a…#57``)."""
    return f"{glossary.sha256[:16]}#{len(glossary.entries)}"


@dataclass(frozen=True)
class Violation:
    """A glossary entry a decoded sentence breaks. ``french``: the source term's span in the French;
    ``english``: where its translation is (or belongs) in the English: the words a re-decode replaces
    (``start == end``: nothing to replace, the term goes there); ``forbidden``: the forbidden terms found
    (empty: the required term is missing)."""

    entry: Entry
    french: tuple[int, int]
    english: tuple[int, int]
    forbidden: tuple[str, ...] = ()


def _spans(forms: Iterable[str], text: str, case_sensitive: bool) -> list[tuple[int, int]]:
    """Where any of ``forms`` occurs in the English ``text`` (as the glossary matches English: whole words,
    inflected, accents folded; ``aligner.terms.find_occurrences``), longest form first, without overlaps."""
    from ..terms import find_occurrences

    taken: list[tuple[int, int]] = []
    for form in sorted({f for f in forms if f.strip()}, key=len, reverse=True):
        for s, e in find_occurrences(form, text, lang="en", case_sensitive=case_sensitive):
            if all(e <= a or s >= b for a, b in taken):
                taken.append((s, e))
    return sorted(taken)


def uses(entry: Entry, english: str) -> int:
    """How many times ``english`` uses one of the entry's accepted target terms (preferred or admitted)."""
    return len(_spans(entry.targets, english, entry.case_sensitive))


def term_success(matches: Sequence[TermMatch], english: str) -> tuple[int, int]:
    """(occurrences whose required term is used, occurrences): each source occurrence of an entry counts once,
    and is a success when the English uses the entry's target terms at least as often (WMT 2023's term
    success rate, per occurrence)."""
    counts: dict[int, tuple[Entry, int]] = {}
    for m in matches:
        entry, n = counts.get(id(m.entry), (m.entry, 0))
        counts[id(m.entry)] = (entry, n + 1)
    used = sum(min(n, uses(entry, english)) for entry, n in counts.values())
    return used, sum(n for _, n in counts.values())


def breaches(matches: Sequence[TermMatch], english: str) -> int:
    """How badly ``english`` breaks the glossary: required-term occurrences not used plus forbidden terms
    present (0: obeyed)."""
    used, total = term_success(matches, english)
    return total - used + len(forbidden_found(matches, english))


def forbidden_found(matches: Sequence[TermMatch], english: str) -> list[str]:
    """The forbidden terms of the matched entries that ``english`` contains."""
    from ..terms import forbidden_present

    seen: set[int] = set()
    out: list[str] = []
    for m in matches:
        if id(m.entry) not in seen:
            seen.add(id(m.entry))
            out.extend(forbidden_present(m.entry, english))
    return out


class Links:
    """Word links between a French sentence and its English: lexical-table translations (p(en|fr) ≥
    ``MIN_LINK``) and identical words (names, numbers); function words are never linked."""

    def __init__(self, lexicon: Lexicon | None, french: str, english: str) -> None:
        self.fr = [(m.start(), m.end(), m.group().lower()) for m in _WORD.finditer(french)]
        self.en = [(m.start(), m.end(), m.group().lower()) for m in _WORD.finditer(english)]
        self.french_length = len(french)
        self.english_length = len(english)
        table = lexicon.table if lexicon is not None else {}
        self.of: list[list[int]] = []  # English word indices linked to each French word
        for _, _, f in self.fr:
            if f in _FRENCH_STOP:
                self.of.append([])
                continue
            candidates = table.get(f) or table.get(strip_accents(f)) or {}
            plain = strip_accents(f)
            self.of.append(
                [
                    j
                    for j, (_, _, e) in enumerate(self.en)
                    if e not in _ENGLISH_STOP and (candidates.get(e, 0.0) >= MIN_LINK or (len(e) > 1 and e == plain))
                ]
            )

    def _expected(self, char: int) -> int:
        """The English word index at the same relative position as French character ``char``."""
        if not self.en:
            return 0
        return min(len(self.en) - 1, round(len(self.en) * char / max(1, self.french_length)))

    def place(self, span: tuple[int, int]) -> tuple[int, int]:
        """Where the translation of the French ``span`` is, or belongs, in the English (a character span)."""
        if not self.en:
            return (0, 0)
        inside = [k for k, (s, e, _) in enumerate(self.fr) if s >= span[0] and e <= span[1]]
        expected = self._expected(span[0])
        linked = sorted({j for k in inside for j in self.of[k]})
        if linked:
            # clusters of linked words at most two words apart; the one nearest where the term is expected
            clusters: list[list[int]] = [[linked[0]]]
            for j in linked[1:]:
                if j - clusters[-1][-1] <= 2:
                    clusters[-1].append(j)
                else:
                    clusters.append([j])
            best = min(clusters, key=lambda c: min(abs(j - expected) for j in c))
            return (self.en[best[0]][0], self.en[best[-1]][1])
        before = [k for k, (_, e, _) in enumerate(self.fr) if e <= span[0]]
        for k in reversed(before):  # after the English of the nearest linked French word before the term
            if self.of[k]:
                j = min(self.of[k], key=lambda j: abs(j - expected))
                return (self.en[j][1], self.en[j][1])
        after = [k for k, (s, _, _) in enumerate(self.fr) if s >= span[1]]
        for k in after:  # before the English of the nearest linked French word after it
            if self.of[k]:
                j = min(self.of[k], key=lambda j: abs(j - expected))
                return (self.en[j][0], self.en[j][0])
        if span[0] == 0:
            return (0, 0)
        return (self.en[expected][0], self.en[expected][0])


def violations(matches: Sequence[TermMatch], french: str, english: str, lexicon: Lexicon | None) -> list[Violation]:
    """The entries ``english`` breaks, each where its fix goes, in English order (overlapping ones: the first).

    A forbidden term found is replaced where it is. A required term missing (the English uses the entry's
    terms fewer times than the French has occurrences) is forced at the place of the occurrences whose aligned
    English lacks it, first ones first."""
    from ..terms import forbidden_present

    by_entry: dict[int, list[TermMatch]] = {}
    for m in sorted(matches, key=lambda m: m.start):
        by_entry.setdefault(id(m.entry), []).append(m)
    links: Links | None = None
    found: list[Violation] = []
    for group in by_entry.values():
        entry = group[0].entry
        bad = forbidden_present(entry, english)
        if bad:
            spans = _spans(bad, english, entry.case_sensitive)
            if spans:
                first = group[0]
                found.append(Violation(entry, (first.start, first.end), spans[0], tuple(bad)))
                continue
        missing = len(group) - uses(entry, english)
        if missing <= 0:
            continue
        if links is None:
            links = Links(lexicon, french, english)
        accepted = _spans(entry.targets, english, entry.case_sensitive)
        for m in group:
            place = links.place((m.start, m.end))
            if any(s < place[1] and e > place[0] for s, e in accepted) and place[0] != place[1]:
                continue  # this occurrence's English already uses the term
            found.append(Violation(entry, (m.start, m.end), place))
            missing -= 1
            if missing == 0:
                break
    found.sort(key=lambda v: v.english)
    kept: list[Violation] = []
    for v in found:
        if not kept or (v.english[0] >= kept[-1].english[1] and v.english != kept[-1].english):
            kept.append(v)
    return kept


def _join(text: str, term: str) -> str:
    """``term`` after ``text``, a space between them unless ``text`` ends with one or an opening bracket or quote,
    or ``term`` starts with closing punctuation."""
    if not text or not term or text[-1].isspace() or text[-1] in _OPENERS or term[0] in _CLOSERS:
        return text + term
    return text + " " + term


def forced_text(english: str, fixes: Sequence[Violation], *, variant: int = 0) -> str:
    """The English a re-decode is forced to start with: ``english`` up to each violation, the entry's preferred
    term (its ``variant``-th, or its last) instead of the words there (an entry without a preferred term: nothing
    instead of its forbidden term), and after the last term only the next word or punctuation of ``english``."""
    out = ""
    cursor = 0
    for v in fixes:
        preferred = v.entry.preferred
        term = preferred[min(variant, len(preferred) - 1)] if preferred else ""
        segment = english[cursor : v.english[0]]
        prefix = _join(out, segment.lstrip()) if cursor else segment  # after a term: one space, or none before ","
        if not term:  # an entry that only forbids: the English up to the forbidden term, the decoder writes the rest
            out = prefix
            cursor = v.english[1]
            continue
        prefix = prefix.rstrip()
        if not prefix and not v.entry.case_sensitive and english[:1].isupper():
            term = term[:1].upper() + term[1:]  # a sentence starts with a capital
        out = _join(prefix, term)
        cursor = v.english[1]
    if fixes and fixes[-1].entry.preferred:
        # the first output's next word (or punctuation) after the last term: the decoder goes on from a word
        # boundary instead of gluing pieces onto the term ("North Korea" + "n" is no longer the term)
        following = _NEXT.match(english[cursor:])
        if following:
            out = _join(out, following.group().lstrip())
    return out


def suppressed_forms(matches: Sequence[TermMatch]) -> list[str]:
    """The forbidden terms of every matched entry, in the casings the decoder may write them (an entry that is
    not case-sensitive: as written, capitalised, lower-case)."""
    out: dict[str, None] = {}
    for m in matches:
        for term in m.entry.forbidden:
            forms = [term] if m.entry.case_sensitive else [term, term[:1].upper() + term[1:], term.lower()]
            out.update(dict.fromkeys(f for f in forms if f.strip()))
    return list(out)


def segmentations(text: str, vocabulary: set[str], *, limit: int = 32) -> list[tuple[str, ...]]:
    """Ways to write ``text`` as pieces of ``vocabulary`` (spaces as ``▁``), fewest pieces first, at most
    ``limit``: a forbidden term is suppressed in every spelling the decoder could use, not only SentencePiece's
    own."""
    text = text.replace(" ", "\u2581")
    longest = max((len(p) for p in vocabulary), default=0)
    best: list[list[tuple[str, ...]]] = [[] for _ in range(len(text) + 1)]
    best[len(text)] = [()]
    for i in range(len(text) - 1, -1, -1):
        ways: list[tuple[str, ...]] = []
        for j in range(i + 1, min(len(text), i + longest) + 1):
            piece = text[i:j]
            if piece in vocabulary:
                ways.extend((piece, *rest) for rest in best[j])
        ways.sort(key=len)
        best[i] = ways[:limit]
    return best[0]
