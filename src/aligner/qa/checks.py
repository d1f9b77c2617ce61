"""Quality-assurance checks on each bead: where a translator should look first, and why.

Every flag has a code, a severity (``error``: the meaning is likely wrong; ``warning``: check it;
``info``: worth a glance) and a one-line reason. Checks compare the French source with the MT of
the same sentences; two more compare the MT with the reference through the alignment.

The checks live in their own modules: ``numbers`` (figures, times of day, scale words), ``untranslated``
(French left in the English), ``names`` (names and acronyms, with an exonym table), ``typography`` (quotes,
brackets, repeated words, and translate-toolkit's ``pofilter`` for final punctuation, initial capitals and
unchanged text), ``terms`` (a desk's glossary, only when one is given); the length check is here. Each was
measured for precision on real MT and on human translations (``eval/qa/``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from ..alignment.beads import Alignment
from ..reading.document import Document, Kind
from ..results import SEVERITIES, BeadTexts, Flag, RunResult
from ..terms import Glossary
from ..translation.base import Translation
from .names import check_names
from .numbers import check_numbers, numbers
from .terms import check_terms
from .typography import (
    _checker,
    check_brackets,
    check_capitalisation,
    check_end_punctuation,
    check_quotes,
    check_repetition,
    pofilter_flags,
)
from .untranslated import check_untranslated

__all__ = [
    "_checker",
    "check_bead",
    "check_brackets",
    "check_capitalisation",
    "check_end_punctuation",
    "check_length",
    "check_names",
    "check_numbers",
    "check_pair",
    "check_quotes",
    "check_repetition",
    "check_terms",
    "check_untranslated",
    "flag_beads",
    "flag_terms",
    "flag_text",
    "numbers",
]

# ----------------------------------------------------------------------------------------------- length

_BRACKETED = re.compile(r"\s*(?:\([^()]*\)|\[[^\[\]]*\])")
# English characters per French character, over LIG's post-edited news (lines 1–8,681): English runs ~11 % shorter
ENGLISH_PER_FRENCH = 0.885
# below this many characters of difference from the expected length, a short sentence's length says nothing:
# "Il s'agit donc d'une histoire qui n'en est pas une." → "So, a non-story, then." (43 %) and "Elle aurait pu être
# gravement blessée ou pire." → "The potential was there that she could have been very seriously injured or worse."
# (176 %, 42 characters more than expected) are good translations
MIN_LENGTH_GAP = 50


def check_length(source: str, mt: str) -> Flag | None:
    s, t = len(source.strip()), len(mt.strip())
    if s and not t:
        return Flag("dropped", "error", "the source sentence has no MT")
    if t and not s:
        return Flag("added", "error", "MT with no source sentence")
    if not re.search(r"[()\[\]]", source):
        # a gloss the translation adds in brackets (DGSE (Directorate General for External Security)) is not content
        # the MT invents
        t = len(_BRACKETED.sub("", mt).strip())
    ratio = t / max(s, 1)
    if abs(t - ENGLISH_PER_FRENCH * s) < MIN_LENGTH_GAP:
        return None
    # outside 0.45–1.6 content is usually lost or invented (a model's loop, a sentence cut at the length cap)
    if ratio < 0.45:
        return Flag("too-short", "warning", f"the MT is {ratio:.0%} of the source's length: content may be dropped")
    if ratio > 1.6:
        return Flag("too-long", "warning", f"the MT is {ratio:.0%} of the source's length: content may be added")
    return None


# ----------------------------------------------------------------------------------------------- per bead

CHECKS: tuple[Callable[[str, str], Flag | None], ...] = (
    check_numbers,
    check_untranslated,
    check_length,
    check_quotes,
    check_brackets,
    check_names,
    check_end_punctuation,
    check_capitalisation,
)


def check_pair(source: str, mt: str) -> list[Flag]:
    """Every check on one source/MT pair (a bead's sentences joined)."""
    flags = [f for check in CHECKS if (f := check(source, mt)) is not None]
    if source.strip() and mt.strip():
        flags += check_repetition(source, mt)
        flags += pofilter_flags(source, mt)
    return flags


def check_bead(
    source: str, mt: str, reference: str | None, has_reference: bool, *, glossary: Glossary | None = None
) -> list[Flag]:
    """Flags of one bead. With a reference: MT that no reference sentence matches and reference content the MT
    does not cover are flagged too. With a glossary: its terms in the source, required or forbidden in the MT
    (``term`` errors); without one the flags are exactly those of a run before glossaries existed."""
    flags = check_pair(source, mt) if source or mt else []
    if glossary is not None and source:
        flags += check_terms(source, mt, glossary)
    if has_reference:
        if source and not reference:
            flags.append(Flag("no-reference", "info", "no reference sentence matches this source sentence"))
        if reference and not source:
            flags.append(Flag("reference-only", "warning", "reference content with no source sentence: MT lacks it"))
    order = {s: k for k, s in enumerate(SEVERITIES)}
    return sorted(flags, key=lambda f: (order[f.severity], f.code))


def flag_beads(
    source: Document,
    translations: Sequence[Translation],
    reference: Document | None,
    alignment: Alignment,
    *,
    glossary: Glossary | None = None,
) -> tuple[tuple[Flag, ...], ...]:
    """QA flags of every bead: source ↔ MT checks, decoding problems, reference coverage, and the glossary's terms
    when one is given (``term``)."""
    src = [s.text for s in source.sentences]
    mt = [t.text for t in translations]
    ref = None if reference is None else [s.text for s in reference.sentences]
    out = []
    for bead in alignment.beads:
        texts = BeadTexts.of(bead, src, mt, ref)
        flags = (
            []
            if _copied(source, bead.left)
            else check_bead(texts.source, texts.mt, texts.reference or "", reference is not None, glossary=glossary)
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


def flag_text(result: RunResult, bead: int, text: str, *, glossary: Glossary | None = None) -> tuple[Flag, ...]:
    """The flags of bead ``bead`` (0-based) of ``result`` with its English replaced by ``text`` (a translator's
    post-edit): the same checks as on the MT, by the same code, minus those about how the MT was decoded (length
    cap, unknown characters, split), which say nothing about a text a person wrote. ``glossary``: the review's
    terminology (a post-edit that drops a required term gets a ``term`` error)."""
    texts = result.texts(bead)
    if _copied(result.source, result.beads[bead].left):
        return ()
    return tuple(check_bead(texts.source, text, texts.reference or "", result.reference is not None, glossary=glossary))


def flag_terms(result: RunResult, glossary: Glossary | None) -> tuple[tuple[Flag, ...], ...]:
    """``result.flags`` with the ``term`` flags of every bead's MT recomputed for ``glossary`` (None: removed), the
    other flags as they were, in the order ``flag_beads`` gives: what the review page shows after a translator adds
    an entry to the review's glossary (the run's flags were made with the run's glossary, if any), without rerunning
    the other checks. Equal to ``flag_beads(..., glossary=glossary)`` on the same run."""
    order = {s: k for k, s in enumerate(SEVERITIES)}
    out = []
    for bead, flags in enumerate(result.flags):
        checked = [f for f in flags if f.code not in _DECODING and f.code != "term"]
        decoding = [f for f in flags if f.code in _DECODING]
        texts = result.texts(bead)
        if glossary is not None and texts.source and not _copied(result.source, result.beads[bead].left):
            checked += check_terms(texts.source, texts.mt, glossary)
        out.append(tuple(sorted(checked, key=lambda f: (order[f.severity], f.code)) + decoding))
    return tuple(out)


_DECODING = frozenset({"length-limit", "unknown-characters", "split"})  # flag_beads adds these after check_bead's
