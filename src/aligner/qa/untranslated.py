"""The ``untranslated`` / ``partly-untranslated`` checks: French left in the English.

Evidence is a word of the MT that

- also occurs in the source (French left in the English was copied from it: an English word that merely looks
  French, or a name the source does not contain, is no evidence), and
- is French and not English: a French function word from a list that leaves out the words English has too
  (*son*, *car*, *plus*, *sans*, *pour*, *pas*, *fait*, *sous*, *avant*, *a*, *on*, *me*…), or a lower-case
  word with a French accent that English has not borrowed (*façade*, *café*, *régime*, *vis-à-vis*… are
  English),

and is not part of a name or title kept in French on purpose: words between capitalised words (Lac à la
Pêche, Comité de la Réglementation) or inside a short quoted title copied from the source ("Lieux de mémoire").
Acronyms in capitals (UN, CE) are never evidence.

What it cannot see: a copied French word without an accent that is not a function word (*pouffait*,
*matinier*): telling it from an English word needs an English dictionary, which the package does not ship.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..results import Flag

# French function words that are not also English words (son, car, plus, sans, pour, pas, fait, sous, avant,
# au, ce, a, on, me, dire, est (est.), ne (NE), un (UN) stay out: they are common English or acronyms)
FRENCH_ONLY = frozenset(
    "le la les des du aux une sont était étaient été avec dans sur qui que qu ces cette leur leurs nous vous ils "
    "elles mais ou où donc très aussi selon lors depuis après chez entre vers contre avoir être faire dit comme "
    "dont notre votre nos vos elle il sa ses lui cet ont avait avaient peut doit fut puis encore alors parce "
    "jusqu lorsque ainsi autres tous toutes même déjà plusieurs quelques pourquoi toujours ni quand est-ce".split()
)
# accented words English has borrowed, in English copy as they are
LOANWORDS = frozenset(
    "café cafés cliché clichés résumé résumés naïve naïveté façade façades rôle rôles élite élites régime régimes "
    "détente entrée entrées protégé protégés protégée fiancé fiancée décor début débuts débutante débâcle déjà "
    "exposé exposés communiqué communiqués née crème première premières soirée soirées séance séances "
    "émigré émigrés attaché attachés cortège château châteaux pâté purée sautéed fête fêtes soufflé époque "
    "blasé risqué cliché passé naïf touché fracas mêlée habitué habitués répertoire ingénue manqué divorcée "
    "éclat élan étude études àpropos détour détours décolleté dénouement doppelgänger über señor".split()
)
# French phrases English copy uses as they are (spaced hyphens, as some MT writes them, are closed up first)
LOAN_PHRASES = (
    "vis-à-vis", "tête-à-tête", "laissez-faire", "savoir-faire", "raison d'être", "coup d'état", "coups d'état",
    "fait accompli", "déjà vu", "à la", "cause célèbre", "bête noire", "par excellence", "joie de vivre",
    "pièce de résistance", "ménage à trois", "femme fatale", "esprit de corps", "agent provocateur",
    "enfant terrible", "nouveau riche", "film noir", "art déco", "haute couture", "idée fixe", "crème de la crème",
    "belle époque", "c'est la vie", "je ne sais quoi", "noblesse oblige", "plus ça change", "mot juste",
    "trompe-l'œil", "son et lumière", "chargé d'affaires", "papier-mâché", "à propos", "au pair", "en route",
    "en masse", "tour de force", "mise en scène", "bon vivant", "nom de guerre", "objet d'art", "pied-à-terre",
)  # fmt: skip

_TOKEN = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)
_ACCENT = re.compile(r"[éèêëàâùûôîïçœ]")  # not ü, ö: Hungarian, German and Turkish names have them
_QUOTED = re.compile(r"[\"“«']\s*([^\"“”«»']{2,80}?)\s*[\"”»']")


# name particles: a function word followed (past these) by a capitalised word is part of a name
_PARTICLES = frozenset(
    "le la les l de d des du à au aux sur sous en et di da del della van von der den y e of and el al".split()
)


def _loan_phrases() -> re.Pattern[str]:
    def pattern(phrase: str) -> str:
        return re.escape(phrase).replace("'", "['’]").replace(r"\-", r"\s*-\s*").replace(r"\ ", r"\s+")

    return re.compile(r"(?<![\w'’])(?:" + "|".join(pattern(p) for p in LOAN_PHRASES) + r")(?![\w'’])", re.IGNORECASE)


_LOANS = _loan_phrases()


def _is_french(part: str) -> bool:
    low = part.lower()
    return low in FRENCH_ONLY or (bool(_ACCENT.search(low)) and low not in LOANWORDS)


@lru_cache(maxsize=8192)
def _words(source: str) -> frozenset[str]:
    """The source's words, lower-cased: read once per sentence (a bead is checked again on every save)."""
    return frozenset(w.lower() for w in re.findall(r"[^\W\d_]+", source))


def french_words(source: str, mt: str) -> list[str]:
    """The words of ``mt`` that are French left untranslated (see the module's docstring), in order."""
    source_words = _words(source)
    text = _LOANS.sub(lambda m: " " * len(m.group(0)), mt)  # "vis-à-vis", also as "vis - à - vis"
    text = re.sub(r"\b([A-ZÀ-Ý][^\W\d_]*)\s+-\s+(?=[^\W\d_])", r"\1-", text)  # "Belle - île": a name, spaced
    # a short title in quotes, capitalised and copied from the source, is kept in French on purpose
    for m in _QUOTED.finditer(text):
        title = m.group(1)
        if title[:1].isupper() and len(title.split()) <= 8 and title.lower() in source.lower():
            text = text[: m.start(1)] + " " * len(title) + text[m.end(1) :]
    tokens = [m.group(0) for m in _TOKEN.finditer(text)]
    found: list[str] = []
    for k, token in enumerate(tokens):
        parts = [p for p in re.split(r"['’-]", token) if p]
        if token[:1].isupper() and "-" in token:
            continue  # Belle-Île, Saint-Pierre-de-Chartreuse: a name
        evidence = [
            p for p in parts if p.lower() in source_words and _is_french(p) and not (p.isupper() and len(p) > 1)
        ]
        if not evidence:
            continue
        if all(p.lower() in FRENCH_ONLY for p in evidence) and _inside_name(tokens, k):
            continue
        if any(p[:1].isupper() and p.lower() not in FRENCH_ONLY for p in evidence):
            continue  # Éveil, Américain: a capitalised accented word is a name or a title's word
        found.append(token)
    return found


def _inside_name(tokens: list[str], k: int) -> bool:
    """A function word in a name: before a capitalised word (Lac à la Pêche, le Havre, Le Baiser de la Femme
    Araignée, Partido de la Revolución), or capitalised after one (Kim Jong Il)."""
    j = k + 1
    while j < len(tokens) and tokens[j].lower() in _PARTICLES:
        j += 1
    if tokens[k].lower() in _PARTICLES and j < len(tokens) and tokens[j][:1].isupper():
        return True
    return tokens[k][:1].isupper() and k > 0 and tokens[k - 1][:1].isupper()


def check_untranslated(source: str, mt: str) -> Flag | None:
    words = _TOKEN.findall(mt)
    if not words:
        return None
    french = french_words(source, mt)
    if not french:
        return None
    sample = " ".join(french[:6])
    if len(french) >= 5 or (len(french) >= 2 and len(french) / len(words) >= 0.3):
        return Flag("untranslated", "error", f"French left in the English: {sample}")
    return Flag("partly-untranslated", "warning", f"French words in the English: {sample}")
