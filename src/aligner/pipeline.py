"""One story through the whole path: read → translate → align → score → check, as plain data.

``run_story`` is pure apart from the translator it is given: no files are read or written here.
``write_run`` (the I/O edge) writes a run directory atomically: everything goes to a hidden
temporary sibling directory that is renamed into place only when complete, so a failed run leaves
nothing.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from .alignment.beads import Alignment, format_vecalign, identity_alignment
from .alignment.bitext import BitextCosts, align_bitext
from .errors import InputError
from .files import atomic_directory
from .reading.document import Document, Kind
from .results import RunResult
from .review.qa import flag_beads
from .scoring.metrics import score_document
from .signature import Signature
from .translation.base import Translation, Translator


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


def render_translation(doc: Document, mt: tuple[str, ...], *, drop_emptied: bool = False) -> str:
    """The English story in the source's layout: date tag, paragraphs, bullets, breaks, byline. With
    ``drop_emptied``, a paragraph whose sentences are all empty is left out (a post-edit that merged it into the
    paragraph before)."""
    blocks = [
        para.prefix + " ".join(mt[s.id] for s in para.sentences if mt[s.id])
        for para in doc.paragraphs
        if not (drop_emptied and para.sentences and not any(mt[s.id] for s in para.sentences))
    ]
    date = doc.meta("date")
    if date and blocks:
        blocks[0] = f"date {date} {blocks[0]}"
    return "\n\n".join(blocks) + "\n"


def run_signature(translator: Translator, alignment: Alignment) -> Signature:
    """The one place a run's signature is put together: the translator's settings and the aligner's."""
    return translator.signature.with_alignment(alignment.method, alignment.settings, alignment.lexicon)


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
) -> RunResult:
    """Translate ``source``; align the MT with the reference and score it (when there is one); flag every bead."""
    translations = translate_document(source, translator)
    mt = tuple(t.text for t in translations)
    alignment = align_story(source, mt, reference, costs=costs)
    scores = None
    if reference is not None:
        scores = score_document(
            alignment, mt, [s.text for s in reference.sentences], [s.paragraph for s in source.sentences]
        )
    flags = flag_beads(source, translations, reference, alignment)
    return RunResult(source, translations, reference, alignment, scores, run_signature(translator, alignment), flags)


RUN_FILES = ("translation.txt", "alignment.txt", "result.json", "report.html")


def write_run(result: RunResult, outdir: str | Path) -> Path:
    """Write translation.txt, alignment.txt, result.json and report.html into ``outdir`` atomically."""
    from .review.report import render_report

    out = Path(outdir)
    if (out / "review.sqlite").exists():
        raise InputError(
            f"{out}: this run is being reviewed ({out / 'review.sqlite'}); write the new run elsewhere (-o) "
            "so that no review is lost"
        )
    with atomic_directory(out) as tmp:
        (tmp / "translation.txt").write_text(render_translation(result.source, result.mt), encoding="utf-8")
        (tmp / "alignment.txt").write_text(format_vecalign(result.alignment), encoding="utf-8")
        data = json.dumps(result.to_json(), ensure_ascii=False, indent=1) + "\n"
        (tmp / "result.json").write_text(data, encoding="utf-8")
        (tmp / "report.html").write_text(render_report(result), encoding="utf-8")
    return out


def read_run(rundir: str | Path) -> RunResult:
    """The ``RunResult`` of a run directory (``aligner run`` or a batch's ``stories/ID``)."""
    path = Path(rundir) / "result.json"
    if not path.is_file():
        raise InputError(f"{rundir}: no result.json; give a directory written by `aligner run` or a batch story")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return RunResult.from_json(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid JSON ({exc}); rerun `aligner run`") from None
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise InputError(
            f"{path}: not an aligner run result ({type(exc).__name__}: {exc}); rerun `aligner run`"
        ) from None
