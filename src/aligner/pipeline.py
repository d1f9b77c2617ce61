"""One story through the whole path: read → translate → align → score → check (→ estimate the risk), as plain data.

``run_story`` is pure apart from the translator it is given: no files are read or written here (a run directory
is written and read by ``aligner.results.rundir``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .alignment.beads import Alignment, identity_alignment
from .alignment.bitext import BitextCosts, align_bitext
from .errors import InputError
from .qa import flag_beads
from .quality import GlassBox, GlassBoxSentence, RiskEstimator
from .quality.glassbox import glassbox_signals
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


@dataclass(frozen=True)
class RiskOptions:
    """How ``run_story`` estimates the risk of each bead and word: the fitted ``estimator``; a ``second_opinion``
    (another system's translations, or a second model) whose agreement with the MT is a signal; ``glassbox``: also
    compute the MT model's token log-probabilities and the agreement of its ``nbest`` hypotheses (recorded per bead;
    only a translator that can score its output, a MarianMT model, has them)."""

    estimator: RiskEstimator
    second_opinion: Translator | None = None
    glassbox: bool = False
    nbest: int = 4

    def settings(self, translator: Translator) -> Signature:
        """``translator``'s signature with the risk settings (``risk``, ``second``): they decide the run too."""
        risk = self.estimator.model.id + ("+glass-box" if self.glassbox and isinstance(translator, GlassBox) else "")
        second = ""
        if self.second_opinion is not None:
            sig = self.second_opinion.signature
            second = f"{sig.model}@{sig.revision}" if sig.revision else sig.model
        return replace(translator.signature, risk=risk, second_opinion=second)


class AssessingTranslator:
    """A translator whose runs come with a risk estimate: ``run_story(doc, AssessingTranslator(t, risk))`` is
    ``run_story(doc, t, risk=risk)``. How the risk settings reach a batch's executors, which hand ``run_story``
    a translator and nothing else; its signature carries them, so a batch reruns a story made with other ones."""

    def __init__(self, inner: Translator, risk: RiskOptions) -> None:
        self.inner = inner
        self.risk = risk

    @property
    def signature(self) -> Signature:
        return self.risk.settings(self.inner)

    def translate(self, texts: Sequence[str]) -> list[Translation]:
        return self.inner.translate(texts)


def make_assessing_translator(
    *,
    risk: bool = True,
    risk_model: str | Path | None = None,
    second_opinion: str | Path | None = None,
    second_opinion_model: str | None = None,
    glassbox: bool = False,
    **spec: Any,
) -> Translator:
    """``make_translator(**spec)``, with the risk settings a batch's executors pass on (``risk=False``: the plain
    translator). ``second_opinion``: existing translations of another system (JSONL, or an index of one);
    ``second_opinion_model``: a second MarianMT model run with the same engine settings."""
    from .translation import make_translator

    translator = make_translator(**spec)
    if not risk:
        return translator
    second: Translator | None = None
    if second_opinion is not None:
        second = make_translator(translations=second_opinion, sources=spec.get("sources"))
    elif second_opinion_model is not None:
        options = {k: v for k, v in spec.items() if k not in ("translations", "memory", "progress", "sources")}
        second = make_translator(**{**options, "model": second_opinion_model})
    return AssessingTranslator(translator, RiskOptions(RiskEstimator.load(risk_model), second, glassbox))


def _job_sentences(doc: Document) -> list[int]:
    """The sentence id of each text ``translation_jobs`` sends to the translator, in order."""
    return [s.id for p in doc.paragraphs if p.kind.translatable for s in p.sentences]


def assess_run(
    result: RunResult, translator: Translator, risk: RiskOptions, *, settings: Signature | None = None
) -> RunResult:
    """``result`` with its ``quality`` (risk per bead and word), its signature and identity naming the risk
    settings; nothing else changes. ``settings``: the run's settings before the risk (default: the translator's;
    ``run_story`` gives them with the glossary it checked)."""
    base = settings if settings is not None else translator.signature
    source = result.source
    second = None
    if risk.second_opinion is not None:
        second = [t.text for t in translate_document(source, risk.second_opinion)]
    glassbox: list[GlassBoxSentence | None] | None = None
    if risk.glassbox and isinstance(translator, GlassBox):
        ids = _job_sentences(source)
        made = [i for i in ids if result.translations[i].origin == "mt"]
        header = {s.id for p in source.paragraphs if p.kind is Kind.HEADER for s in p.sentences}
        jobs = translation_jobs(source)
        job_of = dict(zip(ids, jobs))
        targets = [_sentence_case(result.mt[i]) if i in header else result.mt[i] for i in made]
        signals = glassbox_signals(translator, [job_of[i] for i in made], targets, nbest=risk.nbest)
        glassbox = [None] * len(source.sentences)
        for i, g in zip(made, signals):
            glassbox[i] = g
    named = risk.settings(translator)
    quality = risk.estimator.assess(result, second=second, second_name=named.second_opinion, glassbox=glassbox)
    signature = replace(result.signature, risk=named.risk, second_opinion=named.second_opinion)
    identity = Identity.of(
        source, result.reference, replace(base, risk=named.risk, second_opinion=named.second_opinion)
    )
    return replace(result, quality=quality, signature=signature, identity=identity)


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
    risk: RiskOptions | None = None,
) -> RunResult:
    """Translate ``source``; align the MT with the reference and score it (when there is one); flag every bead;
    with ``risk`` (or an ``AssessingTranslator``), estimate the risk of every bead and MT word, which changes
    nothing else.

    ``glossary``: the terminology the QA checks (default: the one the translator obeys, ``make_translator(glossary=
    ...)``); the run's signature and identity name it, so that a batch redoes its stories when it changes."""
    if isinstance(translator, AssessingTranslator):
        risk = risk or translator.risk
        translator = translator.inner
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
    settings = run_settings(translator, glossary)
    identity = Identity.of(source, reference, settings)
    signature = run_signature(translator, alignment, glossary)
    result = RunResult(source, translations, reference, alignment, scores, signature, flags, identity)
    return assess_run(result, translator, risk, settings=settings) if risk is not None else result
