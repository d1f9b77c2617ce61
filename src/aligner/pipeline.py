"""One story through the whole path: read → translate → align → score → check, as plain data.

``run_story`` is pure apart from the translator it is given: no files are read or written here (a run directory
is written and read by ``aligner.results.rundir``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from .alignment.beads import Alignment, identity_alignment
from .alignment.bitext import BitextCosts, align_bitext
from .errors import InputError
from .qa import flag_beads
from .reading.document import Document, Kind
from .results import Identity, RunResult
from .scoring.metrics import score_document
from .signature import Signature
from .translation.base import Translation, Translator, glossary_of

if TYPE_CHECKING:
    from .terms import Glossary


def _sentence_case(text: str) -> str:
    low = text.lower()
    return low[:1].upper() + low[1:]


def translation_jobs(doc: Document) -> list[str]:
    """The texts ``translate_document`` sends to the translator, in order."""
    return [
        _sentence_case(s.text) if p.kind is Kind.HEADER else s.text
        for p in doc.paragraphs
        if p.kind.translatable
        for s in p.sentences
    ]


def translate_document(doc: Document, translator: Translator) -> tuple[Translation, ...]:
    """One ``Translation`` per source sentence, in sentence-id order.

    Prose, bullets and headers are translated in one batch; all-caps headers are translated in
    sentence case (models handle capitals poorly) and upper-cased again; bylines are copied.
    """
    done = iter(translator.translate(translation_jobs(doc)))
    out: list[Translation] = []
    for p in doc.paragraphs:
        for s in p.sentences:
            if not p.kind.translatable:
                out.append(Translation(s.text))
                continue
            t = next(done)
            out.append(replace(t, text=t.text.upper()) if p.kind is Kind.HEADER else t)
    return tuple(out)


def run_settings(translator: Translator, glossary: Glossary | None = None) -> Signature:
    """The translator's settings, naming ``glossary`` when the run checks one that the translator was not given."""
    settings = translator.signature
    if glossary is not None and glossary is not glossary_of(translator):
        from .translation.terms import glossary_tag

        settings = replace(settings, glossary=glossary_tag(glossary))
    return settings


def run_signature(translator: Translator, alignment: Alignment, glossary: Glossary | None = None) -> Signature:
    """The one place a run's signature is put together: the translator's settings (and glossary) and the
    aligner's."""
    return run_settings(translator, glossary).with_alignment(alignment.method, alignment.settings, alignment.lexicon)


def align_story(
    source: Document, mt: tuple[str, ...], reference: Document | None, *, costs: BitextCosts | None = None
) -> Alignment:
    """French source + MT ↔ reference sentences (bitext); without a reference, one bead per source sentence."""
    if reference is None:
        return identity_alignment(len(source.sentences))
    if not reference.sentences:
        raise InputError(f"reference {reference.id}: no sentences to align with")
    return align_bitext(
        [s.text for s in source.sentences],
        [s.text for s in reference.sentences],
        mt=mt,
        french_paragraphs=[s.paragraph for s in source.sentences],
        english_paragraphs=[s.paragraph for s in reference.sentences],
        costs=costs,
    )


def run_story(
    source: Document,
    translator: Translator,
    reference: Document | None = None,
    *,
    costs: BitextCosts | None = None,
    glossary: Glossary | None = None,
) -> RunResult:
    """Translate ``source``; align the MT with the reference and score it (when there is one); flag every bead.

    ``glossary``: the terminology the QA checks (default: the one the translator obeys, ``make_translator(glossary=
    ...)``); the run's signature and identity name it, so that a batch redoes its stories when it changes."""
    if glossary is None:
        glossary = glossary_of(translator)
    translations = translate_document(source, translator)
    mt = tuple(t.text for t in translations)
    alignment = align_story(source, mt, reference, costs=costs)
    scores = None
    if reference is not None:
        scores = score_document(
            alignment, mt, [s.text for s in reference.sentences], [s.paragraph for s in source.sentences]
        )
    flags = flag_beads(source, translations, reference, alignment, glossary=glossary)
    identity = Identity.of(source, reference, run_settings(translator, glossary))
    signature = run_signature(translator, alignment, glossary)
    return RunResult(source, translations, reference, alignment, scores, signature, flags, identity)
