"""Checks on the shape of the text: quotes, brackets, repeated words, and translate-toolkit's ``pofilter`` tests.

Quotes and brackets are ours: French and English news quote differently (« » and “ ” or ' '; a French quote
without marks, closed by "a-t-il dit", is quoted in English; a quote that runs over several sentences opens in
one and closes in another) and translators add or drop a parenthetical, so comparing marks one by one (as
pofilter's ``doublequoting`` and ``brackets`` do) flags correct translations. What is wrong in any style is a
quote or bracket opened and not closed (or the reverse) in the MT where the source's are balanced, or an
emptied quotation.

Repeated words are ours too: pofilter's ``doublewords`` reads through punctuation ("surely, surely", "It, it,"
for "Elle, elle,"). A word or phrase repeated back to back, with nothing between, is the MT's error
(``repeated-word``: one word twice; ``repetition``: a phrase twice, or anything three times: the loop of a
neural model), unless the source repeats itself too.

pofilter (translate-toolkit's ``StandardChecker``) still runs ``endpunc``, ``startcaps`` and ``unchanged``, on
text whose French and English typography has been made comparable first (« » and “ ” → ", no space before
? ! : ;, AP-style punctuation inside quotes moved out).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from ..results import Flag

# ----------------------------------------------------------------------------------------------- quotes

_DOUBLE_MARKS = re.compile(r"``|''|[\"“”«»„]")
_SINGLE_QUOTE = re.compile(r"(?<![^\W\d_])['‘’`]|['‘’`](?![^\W\d_])")  # not between two letters: not an apostrophe


def _double_marks(text: str) -> list[str]:
    return _DOUBLE_MARKS.findall(text)


def check_quotes(source: str, mt: str) -> Flag | None:
    src_marks, mt_marks = _double_marks(source), _double_marks(mt)
    source_quotes = bool(src_marks) or bool(_SINGLE_QUOTE.search(source))
    if not source_quotes or len(src_marks) % 2:
        return None  # nothing quoted, or a quotation that runs on into another sentence
    if len(mt_marks) % 2 and not _runs_over(source, mt):
        return Flag(
            "quotes",
            "warning",
            f"a quotation mark without its pair in the MT ({len(mt_marks)} double quotes; "
            f"the source's {len(src_marks)} pair up)",
        )
    if _empty_quotation(mt) and not _empty_quotation(source):
        return Flag("quotes", "warning", "an empty quotation in the MT: the quoted words are outside the marks")
    return None


_OPENING = re.compile(r"(?:^|(?<=[\s(:—–-]))[\"“«„](?=\w)")
_CLOSING = re.compile(r"(?<=[\w.,!?…)])[\"”»](?=[\s.,;:!?)—–-]|$)")


def _runs_over(source: str, mt: str) -> bool:
    """The MT's unpaired quotation mark belongs to a quotation of several sentences, as English quotes them: the
    source's quotation closes at its end and the MT's last mark opens one that runs on ("Like all heroes, Malko
    Linge is ageless.), or the source's quotation opens at its start and the MT's first mark closes one that began
    before (…which is what happened," explains Paul Arsenault.)."""
    src_marks = list(_DOUBLE_MARKS.finditer(source))
    mt_marks = list(_DOUBLE_MARKS.finditer(mt))
    if not src_marks or not mt_marks:
        return False
    last, first = mt_marks[-1], mt_marks[0]
    source_closes_at_end = not source[src_marks[-1].end() :].strip(" .!?…\u00a0\u202f")
    source_opens_at_start = not source[: src_marks[0].start()].strip()
    if source_closes_at_end and _OPENING.match(mt, last.start()):
        return True
    return source_opens_at_start and _CLOSING.match(mt, first.start()) is not None


def _empty_quotation(text: str) -> bool:
    marks = list(re.finditer(r"[\"“”]", text))
    pairs = zip(marks[::2], marks[1::2])
    return any(not text[a.end() : b.start()].strip() for a, b in pairs)


# ----------------------------------------------------------------------------------------------- brackets


def check_brackets(source: str, mt: str) -> Flag | None:
    for opening, closing in (("(", ")"), ("[", "]")):
        if source.count(opening) != source.count(closing):
            continue  # a list item "a)", or a parenthesis that closes in another sentence
        n_open, n_close = mt.count(opening), mt.count(closing)
        if n_open != n_close:
            return Flag(
                "brackets",
                "warning",
                f"unbalanced brackets in the MT: {n_open} {opening!r} and {n_close} {closing!r} (the source's pair up)",
            )
    return None


# ----------------------------------------------------------------------------------------------- repetition

_TOKEN = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*|[^\w\s]", re.UNICODE)
# English doubles that are right: "what he had had", "that that", laughter, farewells
_ENGLISH_DOUBLES = frozenset("had that ha bye blah bla".split())


def _runs(text: str) -> list[list[str]]:
    """The text's words, lower-cased, in runs that punctuation separates."""
    runs: list[list[str]] = [[]]
    for token in _TOKEN.findall(text.lower()):
        if token[0].isalnum():
            runs[-1].append(token)
        elif runs[-1]:
            runs.append([])
    return [r for r in runs if r]


def repeats(text: str) -> list[tuple[int, int, str]]:
    """Back-to-back repeats in ``text``: (phrase size in words, times, phrase), longest stretch first."""
    found: dict[str, tuple[int, int, str]] = {}
    for words in _runs(text):
        for size in range(1, 7):
            i = 0
            while i + 2 * size <= len(words):
                phrase = words[i : i + size]
                if phrase != words[i + size : i + 2 * size] or any(c.isdigit() for w in phrase for c in w):
                    i += 1
                    continue
                times = 2
                while words[i + times * size : i + (times + 1) * size] == phrase:
                    times += 1
                key = " ".join(phrase)
                if key not in found or found[key][1] < times:
                    found[key] = (size, times, key)
                i += times * size
    return sorted(found.values(), key=lambda r: (-r[0] * r[1], r[0]))


@lru_cache(maxsize=8192)
def _source_repeats(source: str) -> tuple[frozenset[tuple[int, int]], str]:
    """The source's repeat shapes and its word runs as one text, read once per source sentence (a bead is checked
    again on every save of its post-edit)."""
    return frozenset((size, times) for size, times, _ in repeats(source)), " | ".join(
        " ".join(r) for r in _runs(source)
    )


def check_repetition(source: str, mt: str) -> list[Flag]:
    """``repetition`` (error): a phrase of 2–6 words twice in a row, or anything three times; ``repeated-word``
    (warning): one word twice in a row. Not when the source repeats itself the same way ("très très")."""
    source_shapes, source_text = _source_repeats(source)
    flags: list[Flag] = []
    phrases = []
    words = []
    for size, times, phrase in repeats(mt):
        if (size, times) in source_shapes or f"{phrase} {phrase}" in source_text:
            continue
        if size == 1 and times == 2:
            if phrase not in _ENGLISH_DOUBLES and len(phrase) > 1:
                words.append(phrase)
        else:
            phrases.append((phrase, times))
    if phrases:
        phrase, times = phrases[0]
        flags.append(Flag("repetition", "error", f"“{phrase}” repeated {times} times in a row"))
    if words:
        flags.append(Flag("repeated-word", "warning", "doubled word: " + ", ".join(f"“{w} {w}”" for w in words)))
    return flags


# ----------------------------------------------------------------------------------------------- ends and starts

_CLOSERS = re.compile(r"[\s\"'’”»)\]]+$")


def _final_punctuation(text: str) -> str:
    """The sentence's final punctuation, past closing quotes and brackets: "." for "yes." and for "yes".; "…" for
    an ellipsis however written; "" for none."""
    t = _CLOSERS.sub("", text)
    if t.endswith(("...", "…")):
        return "…"
    return t[-1] if t and t[-1] in ".?!:;," else ""


def check_end_punctuation(source: str, mt: str) -> Flag | None:
    """Different final punctuation: a headline given a full stop, a question made a statement, a list's colon lost.
    Ours rather than pofilter's ``endpunc``, which also flags Google's "the media ." for "médias." and an ellipsis
    written "..." for "…"."""
    src, out = _final_punctuation(source), _final_punctuation(mt)
    if src == out or not source.strip() or not mt.strip():
        return None
    shown = {"": "no final punctuation"}
    return Flag(
        "end-punctuation",
        "info",
        f"the source ends with {shown.get(src, repr(src))}, the MT with {shown.get(out, repr(out))}",
    )


def _first_letter(text: str) -> str:
    m = re.search(r"[^\W\d_]", text)
    return m.group(0) if m else ""


def check_capitalisation(source: str, mt: str) -> Flag | None:
    """The MT starts in lower case where the source starts with a capital. Not the reverse: a French sentence that
    starts in lower case is mostly a typo of the source or a quotation that English rightly capitalises
    (\"nous devons… → \"We need…), and pofilter's ``startcaps``, which flags both, was wrong on nine in ten."""
    src, out = _first_letter(source), _first_letter(mt)
    if not src or not out or re.match(r"\W*\d", mt):
        return None
    if src.isupper() and out.islower():
        return Flag("capitalisation", "info", "the MT starts in lower case, the source with a capital")
    return None


# ----------------------------------------------------------------------------------------------- translate-toolkit


def comparable(text: str) -> str:
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
    ("unchanged", "unchanged", "error"),
)


def pofilter_flags(source: str, mt: str) -> list[Flag]:
    from translate.filters import checks

    checker = _checker()
    src, out = comparable(source), comparable(mt)
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
        # these tests of one pair, a leak across a batch of 100,000 stories
        checker.results_cache.clear()
    return flags
