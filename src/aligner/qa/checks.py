"""Quality-assurance checks on each bead: where a translator should look first, and why.

Every flag has a code, a severity (``error``: the meaning is likely wrong; ``warning``: check it;
``info``: worth a glance) and a one-line reason. Checks compare the French source with the MT of
the same sentences; two more compare the MT with the reference through the alignment.

Reused from translate-toolkit's ``pofilter`` (``translate.filters.checks.StandardChecker``), on
text whose French and English typography has been made comparable first (« » and “ ” → ", no
space before ? ! : ;, AP-style punctuation inside quotes moved out): ``brackets``,
``doublequoting``, ``endpunc``, ``startcaps``, ``doublewords``, ``unchanged``. Written here
because pofilter's versions do not fit French → English news: numbers (pofilter flags
1950-1953 → 1950-53 and misses 3,5 → 3.5 as the same number only by luck), untranslated French
left in the English, length ratio, repeated phrases (the OPUS-MT hallucination loop), and names
and acronyms (pofilter asks not to translate acronyms, but ONU → UN is right).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from ..alignment.beads import Alignment
from ..alignment.lexicon import strip_accents
from ..reading.document import Document, Kind
from ..results import SEVERITIES, BeadTexts, Flag, RunResult
from ..translation.base import Translation

# ----------------------------------------------------------------------------------------------- numbers

_NUMBER = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:[ \u00a0\u202f.,]\d{3})+|\d+)(?:[.,](\d+))?"  # 1 000 / 1,000 / 3,5 / 3.5
    r"(?:\s?[-–]\s?(\d+))?"  # a range: 1950-53
    r"(?:s|st|nd|rd|th|er|re|e|ème)?"  # 1990s, 18th, 1er: the same number (a unit after it, 30km, too)
)


def numbers(text: str, lang: str) -> Counter[str]:
    """Numbers as canonical strings: French 3,5 and English 3.5 → "3.5"; 1 000 / 1,000 → "1000";
    a range 1950-53 → "1950", "1953" (the second year completed from the first)."""
    out: Counter[str] = Counter()
    for m in _NUMBER.finditer(text):
        whole, frac, upper = m.group(1), m.group(2), m.group(3)
        sep_thousands = "." if lang == "fr" else ","
        digits = re.sub(r"[ \u00a0\u202f]", "", whole)
        if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", digits):
            # 1.000 (fr) / 1,000 (en) group thousands; the other separator with 3 digits is ambiguous: read as decimal
            if digits[-4] == sep_thousands or digits.count(digits[-4]) > 1:
                digits = digits.replace(",", "").replace(".", "")
            else:
                whole_part, frac = digits[:-4], digits[-3:]
                digits = whole_part
        value = digits + (f".{frac}" if frac else "")
        out[value] += 1
        if upper:
            hi = upper
            if len(hi) < len(digits) and not frac:
                hi = digits[: len(digits) - len(hi)] + hi  # 1950-53 → 1953
            out[hi] += 1
    return out


_SPELLED = {w: str(k) for k, w in enumerate("zero one two three four five six seven eight nine ten".split())}


def check_numbers(source: str, mt: str) -> Flag | None:
    src, out = numbers(source, "fr"), numbers(mt, "en")
    for word in re.findall(r"[a-z]+", mt.lower()):
        if word in _SPELLED and src[_SPELLED[word]] > out[_SPELLED[word]]:
            out[_SPELLED[word]] += 1  # AP style spells out one to nine: 3 kilos → three kilograms
    missing = src - out
    extra = out - src
    if not missing and not extra:
        return None
    parts = []
    if missing:
        parts.append("missing from the MT: " + ", ".join(sorted(missing)))
    if extra:
        parts.append("not in the source: " + ", ".join(sorted(extra)))
    return Flag("numbers", "error", "numbers differ; " + "; ".join(parts))


# ----------------------------------------------------------------------------------------------- untranslated

_FRENCH_WORDS = frozenset(
    "le la les des du au aux un une est sont était été avec pour dans sur par pas qui que qu ne ce cette ces "
    "son sa ses leur leurs nous vous ils elles mais ou donc car très aussi plus selon lors depuis après avant "
    "chez sans sous entre vers contre été avoir être fait faire dit".split()
)
_ENGLISH_WORDS = frozenset("the of and to in is was for on that with as by at from it he she they his her".split())
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def check_untranslated(source: str, mt: str) -> Flag | None:
    if not mt.strip():
        return None
    words = [w.lower() for w in _WORD.findall(mt)]
    if not words:
        return None
    french = [w for w in words if w in _FRENCH_WORDS and w not in _ENGLISH_WORDS]
    accented = [w for w in _WORD.findall(mt) if re.search(r"[éèêàùûôîïç]", w.lower()) and not w[0].isupper()]
    share = (len(french) + len(accented)) / len(words)
    if share >= 0.3 and len(french) + len(accented) >= 2:
        return Flag("untranslated", "error", f"French left in the English: {' '.join((french + accented)[:6])}")
    if share >= 0.12 and len(french) + len(accented) >= 2:
        sample = " ".join((french + accented)[:6])
        return Flag("partly-untranslated", "warning", f"French words in the English: {sample}")
    return None


# ----------------------------------------------------------------------------------------------- length and loops


def check_length(source: str, mt: str) -> Flag | None:
    s, t = len(source.strip()), len(mt.strip())
    if s and not t:
        return Flag("dropped", "error", "the source sentence has no MT")
    if t and not s:
        return Flag("added", "error", "MT with no source sentence")
    if s < 20 and t < 20:
        return None
    ratio = t / max(s, 1)
    # English runs about 10–15 % shorter than French; outside 0.45–1.6 content is usually lost or invented
    if ratio < 0.45:
        return Flag("too-short", "warning", f"the MT is {ratio:.0%} of the source's length: content may be dropped")
    if ratio > 1.6:
        return Flag("too-long", "warning", f"the MT is {ratio:.0%} of the source's length: content may be added")
    return None


def check_repetition(source: str, mt: str) -> Flag | None:
    """A phrase of 1–6 words repeated back to back in the MT (OPUS-MT's loop); the longest repeated stretch wins."""
    words = [w.strip('.,;:!?"“”«»') for w in mt.lower().split()]
    words = [w for w in words if w]
    best: tuple[int, int, int, str] | None = None  # (span, -size, times, phrase)
    for size in range(1, 7):
        for i in range(len(words) - 2 * size + 1):
            a = words[i : i + size]
            if a != words[i + size : i + 2 * size]:
                continue
            phrase = " ".join(a)
            if size == 1 and (len(phrase.strip(".,;:!?")) < 2 or phrase in ("had", "that")):
                continue  # "had had", "that that" are English
            if phrase in source.lower():
                continue  # the source repeats it too
            times = 2
            while words[i + times * size : i + (times + 1) * size] == a:
                times += 1
            key = (size * times, -size, times, phrase)
            if best is None or key > best:
                best = key
    if best is None:
        return None
    _, neg_size, times, phrase = best
    severity = "error" if times >= 3 or -neg_size >= 2 else "warning"
    return Flag("repetition", severity, f"“{phrase}” repeated {times} times in a row")


# ----------------------------------------------------------------------------------------------- names


_CAPITAL = re.compile(r"\b([A-ZÀ-Ý][\w'’-]*[\w])\b", re.UNICODE)


@lru_cache(maxsize=1)
def _lexicon_table() -> dict[str, dict[str, float]]:
    try:
        from ..alignment.bitext import load_lexicon

        return load_lexicon().table
    except Exception:  # no table: names are compared as they are
        return {}


def _fold(text: str) -> str:
    return strip_accents(text).lower()


def check_names(source: str, mt: str) -> Flag | None:
    """Proper names and acronyms of the source (capitalised, not sentence-initial; or ALL CAPS) that the MT lacks
    in any form: the name itself, without accents, or one of its translations in the lexical table."""
    table = _lexicon_table()
    letters = [c for c in source if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) > 0.6 * len(letters):
        return None  # a header in capitals: every word looks like an acronym
    mt_fold = _fold(mt)
    mt_words = set(re.findall(r"\w+", mt_fold))
    missing = []
    for m in _CAPITAL.finditer(source):
        name = m.group(1)
        start = m.start(1)
        before = source[:start].rstrip()
        acronym = name.isupper() and len(name) >= 2
        if not acronym and (not before or before[-1] in '.!?«"“—:–-('):
            continue  # sentence-initial capitals are not evidence of a name
        parts = [p for p in re.split(r"[-'’]", name) if len(p) > 1]
        if not parts:
            continue
        found = False
        for p in parts:
            f = _fold(p)
            if f in mt_words or (len(f) >= 5 and any(w.startswith(f[:5]) for w in mt_words)):
                found = True  # the name itself, or a form sharing its first five letters (Serbie → Serbian)
                break
            likely = [_fold(e) for e, pe in table.get(p.lower(), {}).items() if pe >= 0.05]
            if any(w.startswith(e) for e in likely for w in mt_words):  # a translation of it (Poutine → Putin)
                found = True
                break
        if not found:
            missing.append(name)
    if not missing:
        return None
    kind = "acronym" if all(n.isupper() for n in missing) else "name"
    return Flag(  # info: French names are often translated (Occident → West, Nations unies → UN)
        "missing-name",
        "info",
        f"{kind}{'s' if len(missing) > 1 else ''} in the source but not in the MT: "
        + ", ".join(dict.fromkeys(missing)),
    )


# ----------------------------------------------------------------------------------------------- translate-toolkit


def _comparable(text: str) -> str:
    """French and English typography made comparable for pofilter's checks."""
    t = text.replace("«", '"').replace("»", '"').replace("“", '"').replace("”", '"').replace("’", "'")
    t = re.sub(r"[ \u00a0\u202f]+([?!:;])", r"\1", t)
    t = re.sub(r'"\s+', '"', t) if t.count('"') % 2 == 0 else t
    t = re.sub(r'\s+"(?=[.,?!]|$)', '"', t)
    t = re.sub(r'([.,?!])"(\s*)$', r'"\1\2', t)  # AP style “yes.” → "yes".
    return t.strip()


@lru_cache(maxsize=1)
def _checker() -> Any:
    from translate.filters import checks

    return checks.StandardChecker()


POFILTER_CHECKS: tuple[tuple[str, str, str], ...] = (
    # (pofilter test, our code, severity)
    ("brackets", "brackets", "warning"),
    ("doublequoting", "quotes", "warning"),
    ("endpunc", "end-punctuation", "info"),
    ("startcaps", "capitalisation", "info"),
    ("doublewords", "repeated-word", "warning"),
    ("unchanged", "unchanged", "error"),
)


def pofilter_flags(source: str, mt: str) -> list[Flag]:
    from translate.filters import checks

    checker = _checker()
    src, out = _comparable(source), _comparable(mt)
    flags = []
    try:
        for test, code, severity in POFILTER_CHECKS:
            if not src or not out:
                continue
            if test == "unchanged" and len(src) < 12:
                continue  # short names and numbers stay as they are
            try:
                getattr(checker, test)(src, out)
            except checks.FilterFailure as failure:
                flags.append(Flag(code, severity, f"{failure} (pofilter {test})"))
    finally:
        # translate-toolkit caches every filtered string in an unbounded dict on the checker: useful across
        # these six tests of one pair, a leak across a batch of 100,000 stories
        checker.results_cache.clear()
    return flags


# ----------------------------------------------------------------------------------------------- per bead

CHECKS = (check_numbers, check_untranslated, check_length, check_repetition, check_names)


def check_pair(source: str, mt: str) -> list[Flag]:
    """Every check on one source/MT pair (a bead's sentences joined)."""
    flags = [f for check in CHECKS if (f := check(source, mt)) is not None]
    if source.strip() and mt.strip():
        flags += pofilter_flags(source, mt)
    return flags


def check_bead(source: str, mt: str, reference: str | None, has_reference: bool) -> list[Flag]:
    """Flags of one bead. With a reference: MT that no reference sentence matches and reference content the MT
    does not cover are flagged too."""
    flags = check_pair(source, mt) if source or mt else []
    if has_reference:
        if source and not reference:
            flags.append(Flag("no-reference", "info", "no reference sentence matches this source sentence"))
        if reference and not source:
            flags.append(Flag("reference-only", "warning", "reference content with no source sentence: MT lacks it"))
    order = {s: k for k, s in enumerate(SEVERITIES)}
    return sorted(flags, key=lambda f: (order[f.severity], f.code))


def flag_beads(
    source: Document, translations: Sequence[Translation], reference: Document | None, alignment: Alignment
) -> tuple[tuple[Flag, ...], ...]:
    """QA flags of every bead: source ↔ MT checks, decoding problems, reference coverage."""
    src = [s.text for s in source.sentences]
    mt = [t.text for t in translations]
    ref = None if reference is None else [s.text for s in reference.sentences]
    out = []
    for bead in alignment.beads:
        texts = BeadTexts.of(bead, src, mt, ref)
        flags = (
            []
            if _copied(source, bead.left)
            else check_bead(texts.source, texts.mt, texts.reference or "", reference is not None)
        )
        for i in bead.left:
            t = translations[i]
            if t.hit_length_limit:
                flags.append(Flag("length-limit", "error", "generation stopped at the length cap: likely a loop"))
            if t.unk:
                flags.append(Flag("unknown-characters", "warning", f"the model cannot read {' '.join(t.unk)!r}"))
            if t.chunks > 1:
                flags.append(Flag("split", "info", f"too long for the model: translated in {t.chunks} parts"))
        out.append(tuple(flags))
    return tuple(out)


def _copied(source: Document, ids: Sequence[int]) -> bool:
    """A byline is copied, not translated: comparing it with itself flags nothing real."""
    return bool(ids) and all(source.paragraphs[source.sentences[i].paragraph].kind is Kind.BYLINE for i in ids)


def flag_text(result: RunResult, bead: int, text: str) -> tuple[Flag, ...]:
    """The flags of bead ``bead`` (0-based) of ``result`` with its English replaced by ``text`` (a translator's
    post-edit): the same checks as on the MT, by the same code, minus those about how the MT was decoded (length
    cap, unknown characters, split), which say nothing about a text a person wrote."""
    texts = result.texts(bead)
    if _copied(result.source, result.beads[bead].left):
        return ()
    return tuple(check_bead(texts.source, text, texts.reference or "", result.reference is not None))
