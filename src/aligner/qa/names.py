"""The ``missing-name`` check: a proper name or acronym of the source that the MT lacks in any form.

A name counts as present when the MT has

1. the name itself, or without accents (Québec → Quebec);
2. a word sharing its first five letters (Serbie → Serbian, Européens → Europeans);
3. an English form from the curated exonym table (``exonyms.py``: Kiev → Kyiv, Cracovie → Krakow, ONU → UN);
4. one of its translations in the project's lexical table (Poutine → Putin, Beyrouth → Beirut);
5. a word within a small edit distance (rapidfuzz ratio ≥ 80) once both are spelt alike: French
   transliterations of Russian, Arabic or Ukrainian names differ from the English ones by rule (ou → u, tch → ch,
   ch → sh, dj → j, -ine → -in), so Ioutchenko → Yushchenko, Khrouchtchev → Khrushchev, Arbil → Erbil match.

Exonyms need the table or the fuzzy rule because English and French name many places differently, and a
name flag on every Kyiv teaches translators to ignore the flag. Titles and honorifics (M., Mme, Dr, Président)
are not names. The check stays ``info``: French names are often rightly translated away (Hexagone → France).
"""

from __future__ import annotations

import re
import zlib
from functools import lru_cache

from ..alignment.lexicon import default_lexicon_path, strip_accents
from ..errors import AlignmentError, ModelError
from ..results import Flag
from .exonyms import EXONYMS
from .untranslated import FRENCH_ONLY

_CAPITAL = re.compile(r"\b([A-ZÀ-Ý][\w'’-]*[\w])\b", re.UNICODE)
# titles and honorifics, capitalised in French before a name (the name itself is checked)
_TITLES = frozenset(
    strip_accents(w)
    for w in "m mm mme mmes mlle mlles me dr pr st ste sr mgr président présidente professeur sénateur sénatrice "
    "député ministre roi reine prince princesse général colonel capitaine maître monsieur madame mademoiselle "
    "saint sainte md mds mrd".split()  # with Md$ and Mrd, the French billion
) | frozenset(strip_accents(w) for w in FRENCH_ONLY | {"un", "en", "ce", "pas", "non", "sur", "de", "l", "d"})
_ABBREVIATED_TITLES = frozenset("m mm mme mmes mlle mlles me dr pr st ste sr mgr".split())
# English function words the lexical table lists as "translations" of names (kiev → the): never evidence
_ENGLISH_STOP = frozenset(
    "the a an of in on at to for by from with and or but is are was were be been it its he she his her they "
    "their this that these those as not no s mr mrs ms".split()
)
_MIN_P = 0.02  # the lexical table keeps p(en|fr) ≥ 0.02: every kept translation is a candidate form
_FUZZY = 80.0


@lru_cache(maxsize=1)
def _lexicon_table() -> dict[str, dict[str, float]]:
    """The project's lexical table. A missing or damaged table is an error, not a silent skip: without it every
    translated name (Poutine → Putin) would be flagged, or the check would quietly do less than it says."""
    from ..alignment.bitext import load_lexicon

    path = default_lexicon_path()
    try:
        return load_lexicon(path).table
    except AlignmentError as exc:  # no file there
        raise ModelError(
            f"{path}: the lexical table the QA name check reads is missing ({exc}); reinstall aligner, rebuild it "
            "with `python models/build_lexicon.py`, or point $ALIGNER_LEXICON at a good copy"
        ) from None
    except (OSError, EOFError, zlib.error, ValueError) as exc:  # unreadable, not gzip, truncated, not TSV
        raise ModelError(
            f"{path}: the lexical table the QA name check reads is damaged ({type(exc).__name__}: {exc}); "
            "reinstall aligner, rebuild it with `python models/build_lexicon.py`, or point $ALIGNER_LEXICON at "
            "a good copy"
        ) from None


def _fold(text: str) -> str:
    return strip_accents(text).lower()


def _spelling(word: str) -> str:
    """A spelling key that French and English transliterations of one name share (both sides get it)."""
    w = _fold(word)
    for a, b in (("tch", "ch"), ("dj", "j"), ("sch", "sh"), ("ch", "sh"), ("ou", "u"), ("kh", "h"), ("ph", "f"),
                 ("th", "t"), ("gu", "g"), ("qu", "k"), ("y", "i"), ("w", "v"), ("c", "k"), ("q", "k")):  # fmt: skip
        w = w.replace(a, b)
    w = re.sub(r"ine$", "in", w)
    w = re.sub(r"(.)\1+", r"\1", w)  # doubled letters
    return re.sub(r"e$", "", w)


def _has_form(form: str, mt_fold: str, mt_words: set[str]) -> bool:
    if " " in form or "." in form:
        return re.search(r"(?<!\w)" + re.escape(form) + r"s?(?!\w)", mt_fold) is not None
    return form in mt_words or form + "s" in mt_words


def _present(name: str, mt_fold: str, mt_words: set[str], mt_names: set[str]) -> bool:
    """Whether ``name`` is in the MT in any form; ``mt_names``: the spelling keys of its capitalised words."""
    table = _lexicon_table()
    folded = _fold(name)
    forms = EXONYMS.get(folded, ())
    if any(_has_form(f, mt_fold, mt_words) for f in forms):
        return True
    for part in [p for p in re.split(r"[-'’]", name) if len(p) > 1 and p.isalpha()]:
        f = _fold(part)
        if f in mt_words or (len(f) >= 5 and any(w.startswith(f[:5]) for w in mt_words)):
            return True  # the name itself, or a form sharing its first five letters (Serbie → Serbian)
        if any(_has_form(e, mt_fold, mt_words) for e in EXONYMS.get(f, ())):
            return True
        translations = [
            _fold(e)
            for e, p in table.get(part.lower(), {}).items()
            if p >= _MIN_P and len(e) >= 2 and e not in _ENGLISH_STOP
        ]
        if any(w == e or (len(e) >= 4 and w.startswith(e)) for e in translations for w in mt_words):
            return True  # a translation of it (Poutine → Putin)
        if len(f) >= 4 and mt_names:
            from rapidfuzz import fuzz, process

            if process.extractOne(_spelling(part), mt_names, scorer=fuzz.ratio, score_cutoff=_FUZZY) is not None:
                return True  # a transliteration (Ioutchenko → Yushchenko)
    return False


# words inside one French name (Plateau du Golan, Cour européenne des Droits de l'Homme); not "et", "à": Bush et
# Blair, Sarkozy à Paris are two names
_JOINERS = re.compile(r"(?:\s*(?:de|du|des|d['’]|la|le|les|l['’])\s*)*\s*", re.IGNORECASE)
_ACRONYM = re.compile(r"\b([A-Z]{2,})s?\b")
_SMALL_WORDS = frozenset("of the and for on in to at de du des la le".split())


def _expansions(mt: str) -> set[str]:
    """The sorted initials of every stretch of capitalised words in the MT: Democratic Republic of Congo → "CDR"."""
    out = set()
    for run in re.finditer(r"[A-Z][\w'’-]*(?:\s+(?:(?:of|the|and|for|on|in)\s+)*[A-Z][\w'’-]*)+", mt):
        initials = [w[0] for w in run.group(0).split() if w.lower() not in _SMALL_WORDS]
        for i in range(len(initials)):  # every stretch: "Mission in the Democratic Republic of Congo" holds DRC
            for j in range(i + 2, len(initials) + 1):
                out.add("".join(sorted(initials[i:j])))
    return out


@lru_cache(maxsize=8192)
def _source_names(source: str) -> tuple[tuple[tuple[str, ...], str], ...] | None:
    """The source's names, each the capitalised words that make it (see ``check_names``) and its text in the
    source, or None for a header in capitals; read once per source sentence (a bead is checked again on every save
    of its post-edit)."""
    letters = [c for c in source if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) > 0.6 * len(letters):
        return None
    groups: list[list[tuple[int, int, str]]] = []
    for m in _CAPITAL.finditer(source):
        name = m.group(1)
        before = source[: m.start(1)].rstrip()
        acronym = name.isupper() and len(name) >= 2
        after_title = re.search(r"(?:^|\W)(\w+)\.$", before)
        if after_title and _fold(after_title.group(1)) in _ABBREVIATED_TITLES:
            pass  # M. Dupont: the full stop ends the title, not a sentence
        elif not acronym and (not before or before[-1] in '.!?«"“—:–-(…·•*'):
            continue  # sentence-initial capitals are not evidence of a name
        if _fold(name) in _TITLES or not [p for p in re.split(r"[-'’]", name) if len(p) > 1 and p.isalpha()]:
            continue  # a title, an article (La chauve-souris), a code (G-8)
        joined = groups and not acronym and not groups[-1][-1][2].isupper()
        if joined and _JOINERS.fullmatch(source[groups[-1][-1][1] : m.start(1)]):
            groups[-1].append((m.start(1), m.end(1), name))
        else:
            groups.append([(m.start(1), m.end(1), name)])
    # each name as its words and as the source writes it (Corée du Sud, not "Corée Sud": the flag quotes it)
    return tuple((tuple(n for _, _, n in group), source[group[0][0] : group[-1][1]]) for group in groups)


@lru_cache(maxsize=8192)
def _source_acronyms(source: str) -> frozenset[str]:
    return frozenset(_ACRONYM.findall(source))


def check_names(source: str, mt: str) -> Flag | None:
    """Proper names and acronyms of the source (capitalised, not sentence-initial; or ALL CAPS) that the MT lacks
    in any form (see the module's docstring). Capitalised words joined by de, du, la… make one name: it is present
    when any of its words is (Plateau du Golan → Golan Heights, Prix Nobel → Nobel laureates). An acronym is present
    as itself, as an English acronym the source does not have (PDG → CEO, NTIC → ICT: counted one for one), or
    spelt out (RDC → Democratic Republic of Congo, GP → Grand Prix)."""
    groups = _source_names(source)
    if groups is None:
        return None  # a header in capitals: every word looks like an acronym
    mt_fold = _fold(mt)
    mt_words = set(re.findall(r"\w+", mt_fold))
    mt_names = {_spelling(w) for w in re.findall(r"[^\W\d_]+", mt) if len(w) >= 4 and w[0].isupper()}
    missing = []
    acronyms = []
    for names, text in groups:
        if any(_present(n, mt_fold, mt_words, mt_names) for n in names):
            continue
        if names[0].isupper() and len(names[0]) >= 2:
            acronyms.append(names[0])
        else:
            missing.append(text)
    if acronyms:
        source_acronyms = _source_acronyms(source)
        english = [a for a in _ACRONYM.findall(mt) if a not in source_acronyms]
        spelt = _expansions(mt)
        left = [a for a in acronyms if "".join(sorted(a)) not in spelt]
        missing += left[len(english) :]
    if not missing:
        return None
    kind = "acronym" if all(n.isupper() for n in missing) else "name"
    return Flag(  # info: French names are often translated (Occident → West, Nations unies → UN)
        "missing-name",
        "info",
        f"{kind}{'s' if len(missing) > 1 else ''} in the source but not in the MT: "
        + ", ".join(dict.fromkeys(missing)),
    )
