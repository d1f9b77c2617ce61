"""Glossary entries learned from post-edits: where translators replaced the same MT word(s) for the same French
word(s) in several beads.

For each confirmed bead (French source, MT, post-edit):

1. **MT ↔ post-edit**: the two English texts are compared word by word (case-folded words, difflib's longest
   matching blocks); each *replacement* of at most ``MAX_WORDS`` MT words by at most ``MAX_WORDS`` post-edit
   words is a candidate. Changes of inflection only ("increase" → "increases", same simplemma lemmas), of case
   only, and replacements made only of frequent function words ("of" → "in") are left out: they are grammar, not
   terminology. Insertions and deletions are left out too: they say nothing about what a French word means.
2. **French ↔ English**: each replaced MT word and each new post-edit word is linked to the French word of the
   source most likely to be its origin, with the project's lexical table (IBM Model 1, ``p(en|fr)``, the one the
   sentence aligner uses), identical spelling (names: "Kiev" ↔ "Kiev") or a shared first five letters (cognates:
   "gouvernement" ↔ "government"), ties broken by relative position in the sentence. The French words linked,
   from first to last (at most ``MAX_WORDS + 1``), are the source term. A replacement no French word links to
   is left out. (The beads are already sentence-aligned; no sentence alignment is needed here.)
3. **Counted**: candidates are grouped by the lemmas of the French words and of the post-edit words ("programme
   → program" and "programmes → programs" are one suggestion), and counted once per bead. A group seen in at
   least ``min_count`` beads is a suggestion. Its *agreement* is the share of all the beads whose French has the
   term's lemmas that have the target's lemmas in their post-edit. Best first: by the beads that agree (count ×
   agreement, rounded down), then the count, then the French term's alphabetical order.

A suggestion shows the French and English as most often written, what the MT had, the count, the agreement and
up to three example beads. It is a proposal for a person: the LIG check of ``eval/terms/suggest-lig.md`` says
how often it is right.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .glossary import Entry, Glossary

__all__ = ["MAX_WORDS", "PostEdit", "Suggestion", "looks_like_verb", "suggest", "suggestions_glossary"]

MAX_WORDS = 3
MIN_LINK = 0.05
CHOICE_P = 0.05  # p(MT word | French word) from which the MT's word counts as a valid translation
SPELLING_SIMILARITY = 0.82  # difflib ratio of the MT and post-edit (accents removed) from which it is a spelling
COGNATE_PREFIX = 5
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class PostEdit:
    """A confirmed bead: its French ``source``, the ``mt`` and the translator's ``post_edit``; ``where`` names it
    in examples (``story#3``, ``line 17``)."""

    source: str
    mt: str
    post_edit: str
    where: str


@dataclass(frozen=True)
class Suggestion:
    """A proposed entry: ``source`` (French) → ``target`` (English) as most often written, the MT it replaced
    (``mt``), in how many beads (``count``) and up to three of them (``examples``). ``agreement``: of the beads
    whose French has the term's words, the share whose post-edit has the target's words (0–1): a translator's
    habit scores high ("programme" → "program"), a choice that depends on the sentence low ("politique" →
    "politics", elsewhere "policy"). ``kind``: the most frequent kind of correction (``spelling``, ``copied``,
    ``fix``, ``choice``; see ``_kind``). ``verb``: the French looks like a verb (see ``looks_like_verb``)."""

    source: str
    target: str
    mt: str
    count: int
    examples: tuple[str, ...]
    agreement: float = 1.0
    kind: str = "fix"
    verb: bool = False

    def line(self) -> str:
        """``French → English``, then tab-separated the count, the agreement, the MT replaced (and what kind of
        correction it was) and the examples."""
        return (
            f"{self.source} → {self.target}\t{self.count}\t{self.agreement:.0%}\t"
            f"MT: {self.mt} ({self.kind}{'; French verb' if self.verb else ''})\t"
            f"{', '.join(self.examples)}"
        )

    def entry(self) -> Entry:
        return Entry(self.source, (self.target,), note=f"suggested: {self.count} post-edits replaced MT {self.mt!r}")


def suggestions_glossary(suggestions: Sequence[Suggestion], source: str = "suggestions") -> Glossary:
    """The suggestions as a glossary (to write as TBX or CSV)."""
    return Glossary.of([s.entry() for s in suggestions], source)


@dataclass(frozen=True)
class _Word:
    start: int
    end: int
    folded: str


def _words(text: str) -> list[_Word]:
    return [_Word(m.start(), m.end(), m.group().casefold()) for m in _WORD.finditer(text)]


def _bare(word: str) -> str:
    if word.isascii():
        return word
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


@lru_cache(maxsize=200_000)
def _lemma(word: str, lang: str) -> str:
    import simplemma

    return str(simplemma.lemmatize(word, lang=lang)).casefold()


def _link(fr: str, en: str, lexicon: Mapping[str, Mapping[str, float]]) -> float:
    a, b = _bare(fr), _bare(en)
    if a == b:
        return 1.0
    p = lexicon.get(fr, {}).get(en, 0.0)
    if p:
        return p
    if len(a) >= COGNATE_PREFIX and len(b) >= COGNATE_PREFIX and a[:COGNATE_PREFIX] == b[:COGNATE_PREFIX]:
        return 0.5
    return 0.0


def _origin(j: int, n_en: int, word: str, french: Sequence[_Word], lexicon: Mapping[str, Mapping[str, float]]) -> int:
    """The index of the French word ``word`` (the ``j``-th of ``n_en`` English words) most likely comes from, or -1."""
    best, best_score = -1, 0.0
    for i, f in enumerate(french):
        p = _link(f.folded, word, lexicon)
        if p < MIN_LINK:
            continue
        score = p * (1 - 0.5 * abs(i / max(len(french), 1) - j / max(n_en, 1)))
        if score > best_score:
            best, best_score = i, score
    return best


def _candidates(
    edit: PostEdit, lexicon: Mapping[str, Mapping[str, float]], function_words: frozenset[str]
) -> Iterable[tuple[str, tuple[str, ...], tuple[str, ...], str, str, str]]:
    """(kind, French lemmas, post-edit lemmas, French as written, post-edit as written, MT as written) per
    replacement."""
    french, mt, pe = _words(edit.source), _words(edit.mt), _words(edit.post_edit)
    if not french or not mt or not pe:
        return
    matcher = difflib.SequenceMatcher(None, [w.folded for w in mt], [w.folded for w in pe], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op != "replace" or i2 - i1 > MAX_WORDS or j2 - j1 > MAX_WORDS:
            continue
        old, new = mt[i1:i2], pe[j1:j2]
        if [_lemma(w.folded, "en") for w in old] == [_lemma(w.folded, "en") for w in new]:
            continue  # inflection only
        if all(w.folded in function_words for w in (*old, *new)):
            continue  # grammar
        if all(w.folded in function_words for w in new):
            continue  # the new words carry no term
        linked = {_origin(i, len(mt), w.folded, french, lexicon) for i, w in zip(range(i1, i2), old)}
        linked |= {_origin(j, len(pe), w.folded, french, lexicon) for j, w in zip(range(j1, j2), new)}
        linked.discard(-1)
        if not linked or max(linked) - min(linked) > MAX_WORDS:
            continue
        span = french[min(linked) : max(linked) + 1]
        if all(_bare(w.folded) in _FRENCH_FUNCTION_WORDS for w in span):
            continue
        yield (
            _kind(span, old, new, lexicon),
            tuple(_lemma(w.folded, "fr") for w in span),
            tuple(_lemma(w.folded, "en") for w in new),
            edit.source[span[0].start : span[-1].end],
            _with_initial_dot(edit.post_edit, new[0].start, new[-1].end),
            edit.mt[old[0].start : old[-1].end],
        )


def _kind(
    french: Sequence[_Word], old: Sequence[_Word], new: Sequence[_Word], lexicon: Mapping[str, Mapping[str, float]]
) -> str:
    """What the translator corrected: ``spelling`` (the MT and post-edit words are near-identical: "programme" →
    "program"), ``copied`` (the MT kept the French word: "sondes", "Kiev"), ``choice`` (the MT's word is one the
    lexical table gives for the French: "safety" for "sécurité"; the post-edit chose another, a choice that often
    depends on the sentence) or ``fix`` (anything else: a mistranslated or mangled word)."""
    mt = " ".join(_bare(w.folded) for w in old)
    if difflib.SequenceMatcher(None, mt, " ".join(_bare(w.folded) for w in new)).ratio() >= SPELLING_SIMILARITY:
        return "spelling"
    bare_french = {_bare(f.folded) for f in french}
    if all(_bare(w.folded) in bare_french for w in old):
        return "copied"
    if any(lexicon.get(f.folded, {}).get(w.folded, 0.0) >= CHOICE_P for f in french for w in old):
        return "choice"
    return "fix"


def looks_like_verb(french: str) -> bool:
    """Whether a word of ``french`` looks like a verb: simplemma gives it an infinitive (-er, -ir, -re, -oir) other
    than itself ("restent" → "rester", "exprimé" → "exprimer"), or it is itself an infinitive in -er or -ir that is
    not a noun in -ier ("payer", "maintenir"; not "immobilier"). Glossaries hold names and nouns; a verb a translator
    changed is nearly always that sentence's wording. Nouns that look like infinitives ("avenir") and participles
    used as adjectives ("marginalisés") are ranked down with them."""
    for word in _words(french):
        lemma = _lemma(word.folded, "fr")
        if lemma != word.folded and lemma.endswith(("er", "ir", "re", "oir")):
            return True
        if lemma == word.folded and word.folded.endswith(("er", "ir")) and not word.folded.endswith("ier"):
            return True
    return False


def _with_initial_dot(text: str, start: int, end: int) -> str:
    """``text[start:end]``, with the dot that ends an initialism ("U.S", "U.N" → "U.S.", "U.N.")."""
    if end < len(text) and text[end] == "." and end - start >= 2 and text[end - 2] == ".":
        end += 1
    return text[start:end]


# French words that are never a term on their own (articles, prepositions, pronouns, auxiliaries), accents removed
_FRENCH_FUNCTION_WORDS = frozenset(
    "le la les l un une des du de d a au aux en dans sur sous par pour avec sans et ou mais ni que qu qui quoi dont "
    "ce cet cette ces se s il elle ils elles on nous vous je j me m te t lui leur leurs son sa ses mon ma mes ton ta "
    "tes notre nos votre vos y ne n pas plus est sont etre avoir a ont ete fait faire tres aussi comme si".split()
)


def suggest(
    post_edits: Iterable[PostEdit],
    *,
    lexicon: Mapping[str, Mapping[str, float]],
    function_words: Iterable[str] = (),
    min_count: int = 2,
) -> list[Suggestion]:
    """Suggestions from confirmed post-edits, best first (see the module docstring). ``lexicon``: ``p(en|fr)`` by
    lower-cased French then English word (``aligner.alignment.lexicon.Lexicon.table``). ``function_words``:
    lower-case English words that never make a term alone (the most frequent English words)."""
    stop = frozenset(function_words)
    lemma_sets: list[tuple[frozenset[str], frozenset[str]]] = []  # per bead: French lemmas, post-edit lemmas
    beads: dict[tuple[tuple[str, ...], tuple[str, ...]], list[str]] = {}
    surfaces: dict[
        tuple[tuple[str, ...], tuple[str, ...]], tuple[Counter[str], Counter[str], Counter[str], Counter[str]]
    ] = {}
    for edit in post_edits:
        lemma_sets.append(
            (
                frozenset(_lemma(w.folded, "fr") for w in _words(edit.source)),
                frozenset(_lemma(w.folded, "en") for w in _words(edit.post_edit)),
            )
        )
        seen = set()
        for kind, fr_key, pe_key, fr, pe, mt in _candidates(edit, lexicon, stop):
            key = (fr_key, pe_key)
            forms = surfaces.setdefault(key, (Counter(), Counter(), Counter(), Counter()))
            forms[0][fr] += 1
            forms[1][pe] += 1
            forms[2][mt] += 1
            forms[3][kind] += 1
            if key not in seen:
                seen.add(key)
                beads.setdefault(key, []).append(edit.where)
    kept = {key: where for key, where in beads.items() if len(where) >= min_count}
    out = []
    for (fr_key, pe_key), where in kept.items():
        fr_lemmas, pe_lemmas = set(fr_key), set(pe_key)
        having = [pe for fr, pe in lemma_sets if fr_lemmas <= fr]
        agree = sum(1 for pe in having if pe_lemmas <= pe)
        fr_forms, pe_forms, mt_forms, kinds = surfaces[(fr_key, pe_key)]
        out.append(
            Suggestion(
                _most_common(fr_forms),
                _most_common(pe_forms),
                _most_common(mt_forms),
                len(where),
                tuple(where[:3]),
                agree / max(len(having), len(where)),
                _most_common(kinds),
                looks_like_verb(_most_common(fr_forms)),
            )
        )
    out.sort(
        key=lambda s: (
            s.kind == "choice",
            s.verb,
            -int(s.count * s.agreement),
            -s.count,
            s.source.casefold(),
            s.target.casefold(),
        )
    )
    return out


def _most_common(forms: Counter[str]) -> str:
    """The most frequent form; among equals, the first seen."""
    return forms.most_common(1)[0][0]
