"""One story through the whole path: translate → align → score, as plain data.

``process`` is pure apart from the translator it is given: no files are read or written here.
``write_run`` (the I/O edge) writes a run directory atomically: everything goes to a temporary
sibling directory that is renamed into place only when complete, so a failed run leaves nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__
from .align import Alignment, Bead, format_vecalign
from .bitext import BitextCosts, align_bitext
from .document import Document, Kind
from .errors import InputError
from .qa import Flag, check_bead, flag_counts
from .score import DocumentScores, Scores, score_document, with_ours
from .translate import Translation, Translator, translate_detailed

RESULT_SCHEMA = "aligner.run/1"


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
    slots = [(s.id, p.kind) for p in doc.paragraphs for s in p.sentences]
    done = iter(translate_detailed(translator, translation_jobs(doc)))
    out: list[Translation] = []
    for sid, kind in slots:
        if kind.translatable:
            t = next(done)
            out.append(Translation(t.text.upper(), t.unk, t.chunks, t.hit_length_limit) if kind is Kind.HEADER else t)
        else:
            out.append(Translation(doc.sentences[sid].text))
    return tuple(out)


def render_translation(doc: Document, mt: tuple[str, ...]) -> str:
    """The English story in the source's layout: date tag, paragraphs, bullets, breaks, byline."""
    blocks = []
    for para in doc.paragraphs:
        if para.kind is Kind.BREAK:
            blocks.append(para.raw.strip())
        else:
            blocks.append(para.prefix + " ".join(mt[s.id] for s in para.sentences))
    date = doc.meta("date")
    if date and blocks:
        blocks[0] = f"date {date} {blocks[0]}"
    return "\n\n".join(blocks) + "\n"


@dataclass(frozen=True)
class RunResult:
    source: Document
    translations: tuple[Translation, ...]  # one per source sentence
    reference: Document | None
    alignment: Alignment | None  # MT (= source) sentence ids ↔ reference sentence ids
    scores: DocumentScores | None
    signature: Mapping[str, str]  # model, revision, engine, beam, alignment, aligner version
    flags: tuple[tuple[Flag, ...], ...] = ()  # QA flags per bead (per source sentence without a reference)

    @property
    def mt(self) -> tuple[str, ...]:
        return tuple(t.text for t in self.translations)


def qa_flags(
    source: Document, translations: Sequence[Translation], reference: Document | None, alignment: Alignment | None
) -> tuple[tuple[Flag, ...], ...]:
    """QA flags of every bead (or source sentence): source ↔ MT checks, decoding problems, reference coverage."""
    units = (
        [(b.left, b.right) for b in alignment.beads]
        if alignment is not None
        else [((s.id,), ()) for s in source.sentences]
    )
    ref = reference.sentences if reference is not None else ()
    out = []
    for left, right in units:
        src = " ".join(source.sentences[i].text for i in left)
        mt = " ".join(translations[i].text for i in left)
        reftext = " ".join(ref[j].text for j in right)
        # a byline is copied, not translated (translate_document): comparing it with itself flags nothing real
        copied = bool(left) and all(source.paragraphs[source.sentences[i].paragraph].kind is Kind.BYLINE for i in left)
        flags = [] if copied else check_bead(src, mt, reftext, reference is not None)
        for i in left:
            t = translations[i]
            if t.hit_length_limit:
                flags.append(Flag("length-limit", "error", "generation stopped at the length cap: likely a loop"))
            if t.unk:
                flags.append(Flag("unknown-characters", "warning", f"the model cannot read {' '.join(t.unk)!r}"))
            if t.chunks > 1:
                flags.append(Flag("split", "info", f"too long for the model: translated in {t.chunks} parts"))
        out.append(tuple(flags))
    return tuple(out)


def process(
    source: Document,
    translator: Translator,
    reference: Document | None = None,
    *,
    costs: BitextCosts | None = None,
) -> RunResult:
    """Translate ``source``; with a reference, align the MT to it and score it."""
    translations = translate_document(source, translator)
    mt = tuple(t.text for t in translations)
    signature = dict(translator.signature)
    signature["aligner"] = __version__
    alignment = scores = None
    if reference is not None:
        if not reference.sentences:
            raise InputError(f"reference {reference.id}: no sentences to align with")
        ref_texts = [s.text for s in reference.sentences]
        alignment = align_bitext(
            [s.text for s in source.sentences],
            ref_texts,
            mt=mt,
            french_paragraphs=[s.paragraph for s in source.sentences],
            english_paragraphs=[s.paragraph for s in reference.sentences],
            costs=costs,
        )
        signature["alignment"] = alignment.signature()
        scores = score_document(alignment, mt, ref_texts, [s.paragraph for s in source.sentences])
    flags = qa_flags(source, translations, reference, alignment)
    return RunResult(source, translations, reference, alignment, scores, signature, flags)


def _signed(scores: Scores, ours: Mapping[str, str]) -> dict[str, Any]:
    out = scores.as_dict()
    for metric in out.values():
        metric["signature"] = with_ours(str(metric["signature"]), ours)
    return out


def _doc_json(doc: Document) -> dict[str, Any]:
    return {
        "id": doc.id,
        "lang": doc.lang,
        "metadata": dict(doc.metadata),
        "paragraphs": [
            {"id": p.id, "kind": p.kind.value, "prefix": p.prefix, "sentences": [s.id for s in p.sentences]}
            for p in doc.paragraphs
        ],
        "sentences": [{"id": s.id, "paragraph": s.paragraph, "text": s.text} for s in doc.sentences],
    }


def _bead_json(k: int, bead: Bead, result: RunResult) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": k,
        "kind": bead.kind,
        "source": list(bead.left),
        "mt": list(bead.left),
        "reference": list(bead.right),
        "confidence": bead.score,
    }
    if result.scores is not None:
        s = result.scores.per_bead[k]
        out["bleu"] = round(s.bleu, 4)
        out["chrf"] = round(s.chrf, 4)
    if k < len(result.flags):
        out["flags"] = [f.as_dict() for f in result.flags[k]]
    return out


def result_json(result: RunResult) -> dict[str, Any]:
    """The ``result.json`` document (schema ``aligner.run/1``, described in the README)."""
    ours = dict(result.signature)
    data: dict[str, Any] = {
        "schema": RESULT_SCHEMA,
        "signature": ours,
        "source": _doc_json(result.source),
        "mt": [
            {
                "id": i,
                "text": t.text,
                "unk": list(t.unk),
                "chunks": t.chunks,
                "hit_length_limit": t.hit_length_limit,
            }
            for i, t in enumerate(result.translations)
        ],
        "reference": _doc_json(result.reference) if result.reference else None,
        "beads": [],
        "scores": None,
        "qa": {
            "units": "beads" if result.alignment is not None else "sentences",
            "counts": flag_counts(result.flags),
            "flags": [[f.as_dict() for f in flags] for flags in result.flags],
        },
    }
    if result.alignment is not None and result.scores is not None:
        data["beads"] = [_bead_json(k, b, result) for k, b in enumerate(result.alignment.beads)]
        data["scores"] = {
            "document": _signed(result.scores.document, ours),
            "beads": _signed(result.scores.beads, ours),
            "paragraphs": [
                {"paragraph": p.paragraph, "beads": list(p.beads), **_signed(p.scores, ours)}
                for p in result.scores.per_paragraph
            ],
            "by_length": [
                {
                    "reference_words": b.label,
                    "beads": list(b.segments),
                    **(_signed(b.scores, ours) if b.scores else {}),
                }
                for b in result.scores.by_length
            ],
            "worst_beads": list(result.scores.worst_beads),
        }
    return data


def alignment_text(result: RunResult) -> str:
    """vecalign-style lines; without a reference, the 1-1 source ↔ MT pairs."""
    if result.alignment is not None:
        return format_vecalign(result.alignment)
    return "".join(f"[{i}]:[{i}]:0.000000\n" for i in range(len(result.translations)))


def write_run(result: RunResult, outdir: str | Path, *, overwrite: bool = True) -> Path:
    """Write translation.txt, alignment.txt, result.json and report.html into ``outdir`` atomically."""
    from .report import render_report

    out = Path(outdir)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a directory; choose another -o")
    if out.exists() and not overwrite:
        raise InputError(f"{out}: already exists; remove it or pass another -o")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        (tmp / "translation.txt").write_text(render_translation(result.source, result.mt), encoding="utf-8")
        (tmp / "alignment.txt").write_text(alignment_text(result), encoding="utf-8")
        data = result_json(result)
        (tmp / "result.json").write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        (tmp / "report.html").write_text(render_report(result), encoding="utf-8")
        os.chmod(tmp, 0o755)
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
