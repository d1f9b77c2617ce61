"""The ``aligner`` command: parses arguments, builds objects, calls the library.

User errors (``AlignerError``) end with one line on stderr and exit code 2, no traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .errors import AlignerError, InputError
from .models import DEFAULT_MODEL, DEFAULT_REVISION


def _add_model_args(p: argparse.ArgumentParser, *, translations: bool = True) -> None:
    g = p.add_argument_group("translation")
    g.add_argument("--model", default=DEFAULT_MODEL, help=f"hub id or model folder (default {DEFAULT_MODEL})")
    g.add_argument("--revision", default=DEFAULT_REVISION, help="hub branch, tag or commit sha (default main)")
    if translations:
        g.add_argument(
            "--translations",
            type=Path,
            help="use existing translations instead of a model: one line per source sentence, or JSONL "
            'records {"source": ..., "translation": ...}',
        )
    g.add_argument(
        "--engine",
        choices=["auto", "ctranslate2", "transformers"],
        default="auto",
        help="auto (default): ctranslate2 when installed, the fastest here (the model is converted once into "
        "~/.cache/aligner), else transformers",
    )
    g.add_argument(
        "--compute-type",
        default="auto",
        help="auto (default): int8 with ctranslate2 on CPU, int8_float16 on CUDA, float32 with transformers; "
        "float32 is exact; transformers also takes int8 (CPU) and bfloat16",
    )
    g.add_argument("--beam", type=int, default=4, help="beam size; 1 = greedy (default 4)")
    g.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="most sentences per batch (default: transformers 16; ctranslate2 32 ÷ beam, at least 8)",
    )
    g.add_argument(
        "--batch-tokens",
        type=int,
        default=None,
        help="most padded source tokens per batch (default: transformers no limit; ctranslate2 1024 ÷ beam)",
    )
    g.add_argument(
        "--no-shortlist",
        action="store_true",
        help="ctranslate2: score every target piece at each step instead of the lexicon shortlist",
    )
    g.add_argument(
        "--max-new-tokens",
        type=int,
        default=None,
        help="stop each translation after this many pieces (default: 2 × source + 16); a cut one is flagged",
    )
    g.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    g.add_argument("--threads", type=int, default=None, help="CPU cores to use (default: the engine's choice)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aligner", description="Translate French wire copy to English, align it with a reference, score it."
    )
    parser.add_argument("--version", action="version", version=f"aligner {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="translate, align and score one story; write a run directory")
    p.add_argument("source", type=Path, help="French story (plain text)")
    p.add_argument("--ref", type=Path, help="English reference of the story (plain text)")
    p.add_argument("-o", "--out", type=Path, required=True, help="output directory")
    p.add_argument("--presegmented", action="store_true", help="inputs hold one sentence per line")
    _add_model_args(p)

    p = sub.add_parser("translate", help="translate one story, keeping its layout")
    p.add_argument("source", type=Path)
    p.add_argument("-o", "--out", type=Path, help="output file (default: stdout)")
    p.add_argument("--presegmented", action="store_true", help="the input holds one sentence per line")
    _add_model_args(p, translations=False)

    p = sub.add_parser("align", help="align a French text with its English translation and print the beads")
    p.add_argument("--src", type=Path, required=True, help="left text (French source)")
    p.add_argument("--tgt", type=Path, required=True, help="right text (English reference)")
    p.add_argument("--mt", type=Path, help="MT of --src, one line per source sentence (helps bitext)")
    p.add_argument(
        "--method",
        choices=["bitext", "length", "similarity"],
        default="bitext",
        help="bitext: lexical table + length (+ MT) (default); length: Gale–Church only; similarity: MT ↔ English only",
    )
    p.add_argument("--presegmented", action="store_true", help="inputs hold one sentence per line")
    p.add_argument("--json", action="store_true", help="JSON instead of vecalign's [i]:[j]:cost lines")
    p.add_argument("--ratio", type=float, default=1.0, help="length-only mode: target chars per source char")

    p = sub.add_parser("score", help="BLEU, chrF and TER of line-parallel files (as the sacrebleu CLI)")
    p.add_argument("--hyp", type=Path, required=True)
    p.add_argument("--ref", type=Path, required=True)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("eval", help="translate and score a standard test set (sacreBLEU's, offline from $SACREBLEU)")
    p.add_argument("testset", help="a test set sacreBLEU knows: wmt14, wmt13, …")
    p.add_argument("-l", "--langpair", default="fr-en", help="language pair (default fr-en)")
    p.add_argument("--origlang", help="only documents first written in this language (as sacrebleu --origlang)")
    p.add_argument(
        "--metrics",
        default="bleu,chrf,chrf++,ter",
        help="comma-separated: bleu, chrf, chrf++, ter, comet (default bleu,chrf,chrf++,ter)",
    )
    p.add_argument("--first-docs", type=int, help="only the first N documents (a quick check, not a published score)")
    p.add_argument("--comet-model", type=Path, help="local COMET checkpoint (…/checkpoints/model.ckpt), never fetched")
    p.add_argument("-o", "--out", type=Path, help="write translations.txt, result.json and report.md here")
    p.add_argument("--report", type=Path, help="also write the markdown report to this file (e.g. under eval/)")
    p.add_argument("--json", action="store_true", help="print result.json instead of the score lines")
    p.add_argument(
        "--english-typography",
        action="store_true",
        help="curly quotes and ’ in the output (off: the model's own straight quotes, as WMT references have)",
    )
    _add_model_args(p)

    p = sub.add_parser("compare", help="compare systems on one reference: scores, paired bootstrap and AR p-values")
    p.add_argument("systems", type=Path, nargs="+", help="system outputs, line-parallel with --ref; first = baseline")
    p.add_argument("--ref", type=Path, required=True, help="reference, one segment per line")
    p.add_argument("--metrics", default="bleu,chrf,ter", help="comma-separated: bleu, chrf, chrf++, ter")
    p.add_argument("--paired-bs-n", type=int, default=1000, help="bootstrap resamples (0: skip; default 1000)")
    p.add_argument("--paired-ar-n", type=int, default=10000, help="randomisation trials (0: skip; default 10000)")
    p.add_argument("--lowercase", action="store_true", help="case-insensitive BLEU and chrF (sacrebleu -lc)")
    p.add_argument("--jobs", type=int, default=1, help="worker processes for the tests (default 1)")
    p.add_argument("-o", "--out", type=Path, help="save the comparison as JSON here")
    p.add_argument("--report", type=Path, help="save the markdown table here")

    p = sub.add_parser("eval-align", help="align gold sets (TransRead layout) and print vecalign strict/lax P/R/F1")
    p.add_argument("gold", type=Path, help="folder of B.fr, B.en, B.links.tsv (+ B.fr.ids, B.en.ids)")
    p.add_argument("--books", help="comma-separated book names (default: all)")
    p.add_argument("--method", choices=["bitext", "length"], default="bitext", help="aligner (default bitext)")
    p.add_argument("--no-paragraphs", action="store_true", help="ignore B.*.ids paragraph anchors")
    p.add_argument("--tuned-on", default="", help="comma-separated books the costs were tuned on (marked †)")
    p.add_argument("--report", type=Path, help="write the markdown table here (e.g. eval/alignment/...)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("export", help="export a run directory's beads: TMX, XLIFF, TSV or JSONL")
    p.add_argument("rundir", type=Path, help="a directory written by `aligner run` (or a batch's stories/ID)")
    p.add_argument("--format", choices=["tmx", "xliff", "tsv", "jsonl"], required=True)
    p.add_argument("-o", "--out", type=Path, required=True, help="output file")

    p = sub.add_parser("batch", help="run many stories (folder of .txt or a .jsonl), resumable")
    p.add_argument("stories", type=Path, help="folder of NAME.txt (+ NAME.en.txt references) or a JSONL file")
    p.add_argument("-o", "--out", type=Path, required=True)
    _add_model_args(p)

    p = sub.add_parser("models", help="download or list models")
    msub = p.add_subparsers(dest="models_command", required=True)
    pull = msub.add_parser("pull", help="download a MarianMT model (into the HF cache, or --dir)")
    pull.add_argument("model", nargs="?", default=DEFAULT_MODEL)
    pull.add_argument("--revision", default=DEFAULT_REVISION)
    pull.add_argument("--dir", type=Path, help="download into this folder instead of the HF cache")
    msub.add_parser("list", help="models in the HF cache and in ./models")
    conv = msub.add_parser("convert", help="convert a MarianMT model to CTranslate2 (int8 by default)")
    conv.add_argument("model", nargs="?", default=DEFAULT_MODEL, help="hub id or model folder")
    conv.add_argument("--revision", default=DEFAULT_REVISION)
    conv.add_argument("--quantization", default="int8", help="int8 (default), float32, float16, int8_float32, …")
    conv.add_argument("-o", "--out", type=Path, required=True, help="output folder (then --model FOLDER)")
    conv.add_argument("--no-shortlist", action="store_true", help="do not write the lexicon shortlist vmap.txt")
    return parser


class _Progress:
    """A tqdm bar on stderr, created when the amount of work is known."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.bar: Any = None

    def start(self, total: int, desc: str) -> None:
        if self.quiet:
            return
        from tqdm import tqdm

        self.bar = tqdm(total=total, desc=desc, unit="sent", file=sys.stderr, leave=False)

    def update(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _engine(requested: str) -> str:
    if requested != "auto":
        return requested
    try:
        import ctranslate2  # noqa: F401
    except ImportError:
        return "transformers"
    return "ctranslate2"


def _marian(args: argparse.Namespace, progress: _Progress, *, typography: bool = True) -> Any:
    engine = _engine(args.engine)
    fast = engine == "ctranslate2"
    options: dict[str, Any] = {
        "revision": args.revision,
        "beam": args.beam,
        "batch_size": args.batch_size,
        "batch_tokens": args.batch_tokens,
        "compute_type": args.compute_type,
        "max_new_tokens": args.max_new_tokens,
        "device": args.device,
        "threads": args.threads,
        "typography": typography,
        "progress": progress.update,
    }
    if fast:
        from .fast import CTranslate2Translator

        return CTranslate2Translator(args.model, shortlist=not args.no_shortlist, **options)
    from .translate import MarianTranslator

    return MarianTranslator(args.model, **options)


def _read(path: Path, lang: str, presegmented: bool) -> Any:
    from .reader import read_document

    return read_document(path, lang=lang, presegmented=presegmented)


def cmd_run(args: argparse.Namespace) -> int:
    from .pipeline import process, translation_jobs, write_run
    from .translate import open_translations

    source = _read(args.source, "fr", args.presegmented)
    reference = _read(args.ref, "en", args.presegmented) if args.ref else None
    if args.out.exists() and any(args.out.iterdir()) and not (args.out / "result.json").exists():
        raise InputError(f"{args.out}: exists and is not an aligner run directory; choose another -o")
    progress = _Progress(args.quiet)
    if args.translations:
        translator = open_translations(args.translations, translation_jobs(source))
    else:
        translator = _marian(args, progress)
    progress.start(len(translation_jobs(source)), "translating")
    try:
        result = process(source, translator, reference)
    finally:
        progress.close()
    out = write_run(result, args.out)
    if result.scores is not None:
        d, b = result.scores.document, result.scores.beads
        ter = f"  TER {b.ter.score:.2f}" if b.ter else ""
        print(
            f"{source.id}: document BLEU {d.bleu.score:.2f}  chrF {d.chrf.score:.2f} | "
            f"aligned beads BLEU {b.bleu.score:.2f}  chrF {b.chrf.score:.2f}{ter}"
        )
    print(f"wrote {out}/report.html, result.json, translation.txt, alignment.txt")
    return 0


def cmd_translate(args: argparse.Namespace) -> int:
    from .pipeline import render_translation, translate_document, translation_jobs

    source = _read(args.source, "fr", args.presegmented)
    progress = _Progress(args.quiet)
    translator = _marian(args, progress)
    progress.start(len(translation_jobs(source)), "translating")
    start = time.perf_counter()
    try:
        translations = translate_document(source, translator)
    finally:
        progress.close()
    seconds = time.perf_counter() - start
    if not args.quiet:
        pieces = getattr(translator, "generated", 0)
        print(
            f"aligner: {len(translations)} sentences, {pieces:,} target pieces in {seconds:.1f} s "
            f"({pieces / max(seconds, 1e-9):,.0f} pieces/s)",
            file=sys.stderr,
        )
    text = render_translation(source, tuple(t.text for t in translations))
    for t in translations:
        if t.unk:
            print(
                f"aligner: warning: the model's vocabulary lacks {' '.join(t.unk)!r}; those characters were dropped",
                file=sys.stderr,
            )
    if args.out:
        tmp = args.out.with_name(args.out.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(args.out)
    else:
        sys.stdout.write(text)
    return 0


def cmd_align(args: argparse.Namespace) -> int:
    from .align import align_length, align_similarity, format_vecalign
    from .bitext import align_bitext
    from .reader import decode, read_bytes

    source = _read(args.src, "fr", args.presegmented)
    target = _read(args.tgt, "en", args.presegmented)
    src = [s.text for s in source.sentences]
    tgt = [s.text for s in target.sentences]
    mt = None
    if args.mt:
        mt = [line for line in decode(read_bytes(args.mt), args.mt).rstrip("\n").split("\n")]
        if len(mt) != len(src):
            raise InputError(
                f"{args.mt}: {len(mt)} lines but {args.src} has {len(src)} sentences; give one MT line "
                "per source sentence"
            )
    if args.method == "similarity":
        if mt is None:
            raise InputError("--method similarity compares MT with the English: give --mt FILE")
        alignment = align_similarity(mt, tgt)
    elif args.method == "length":
        alignment = align_length(src, tgt, ratio=args.ratio)
    else:
        alignment = align_bitext(
            src,
            tgt,
            mt=mt,
            french_paragraphs=[s.paragraph for s in source.sentences],
            english_paragraphs=[s.paragraph for s in target.sentences],
        )
    if args.json:
        beads = [
            {"src": list(b.left), "tgt": list(b.right), "kind": b.kind, "confidence": b.score} for b in alignment.beads
        ]
        print(json.dumps({"signature": alignment.signature(), "beads": beads}, ensure_ascii=False, indent=1))
    else:
        sys.stdout.write(format_vecalign(alignment))
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    from .reader import decode, read_bytes
    from .score import corpus_scores

    hyp = decode(read_bytes(args.hyp), args.hyp).rstrip("\n").split("\n")
    ref = decode(read_bytes(args.ref), args.ref).rstrip("\n").split("\n")
    if len(hyp) != len(ref):
        raise InputError(f"{args.hyp}: {len(hyp)} lines but {args.ref} has {len(ref)}; the files must be line-parallel")
    scores = corpus_scores(hyp, ref)
    if args.json:
        print(json.dumps(scores.as_dict(), indent=1))
    else:
        for m in (scores.bleu, scores.chrf, scores.ter):
            if m is not None:
                print(f"{m.name} = {m.score:.2f}  {m.signature}")
    return 0


_EVAL_METRICS = ("bleu", "chrf", "chrf++", "ter", "comet")


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluate import (
        eval_json,
        eval_markdown,
        evaluate,
        load_testset,
        read_lines,
        select_hypotheses,
        translate_testset,
    )
    from .score import with_ours

    wanted = [m.strip().lower() for m in args.metrics.split(",") if m.strip()]
    bad = [m for m in wanted if m not in _EVAL_METRICS]
    if bad or not wanted:
        raise InputError(f"--metrics: unknown metric {bad[0] if bad else ''!r}; choose from {', '.join(_EVAL_METRICS)}")
    testset = load_testset(args.testset, args.langpair, args.origlang)
    ours: dict[str, str] = {"test": testset.name, "langpair": testset.langpair}
    if testset.origlang:
        ours["origlang"] = testset.origlang
    if args.first_docs is not None:
        if args.first_docs < 1:
            raise InputError("--first-docs must be at least 1")
        testset = testset.head(args.first_docs)
        ours["docs"] = f"first{args.first_docs}"
    if args.translations:
        hyps = select_hypotheses(testset, read_lines(args.translations), args.translations)
        system = args.translations.name
        ours["system"] = system
    else:
        progress = _Progress(args.quiet)
        translator = _marian(args, progress, typography=args.english_typography)
        progress.start(len(testset.sources), f"translating {testset.name}")
        try:
            hyps = translate_testset(testset, translator.translate)
        finally:
            progress.close()
        system = translator.resolved.model_id
        ours.update(translator.signature)
    ours["aligner"] = __version__
    result = evaluate(
        testset, hyps, system=system, ours=ours, comet_checkpoint=args.comet_model, want_comet="comet" in wanted
    )
    if "comet" in wanted and result.comet is None and wanted == ["comet"]:
        raise InputError(result.notes[0])
    for note in result.notes:
        print(f"aligner: {note}", file=sys.stderr)
    command = "aligner " + " ".join(sys.argv[1:]) if sys.argv[1:] else "aligner eval"
    if args.out:
        if args.out.exists() and not args.out.is_dir():
            raise InputError(f"{args.out}: exists and is not a directory; choose another -o")
        _write_atomic(args.out / "translations.txt", "".join(h + "\n" for h in hyps))
        _write_atomic(args.out / "result.json", json.dumps(eval_json(result), ensure_ascii=False, indent=1) + "\n")
        _write_atomic(args.out / "report.md", eval_markdown(result, command))
    if args.report:
        _write_atomic(args.report, eval_markdown(result, command))
    if args.json:
        print(json.dumps(eval_json(result), ensure_ascii=False, indent=1))
        return 0
    names = {"bleu": "BLEU", "chrf": "chrF2", "chrf++": "chrF2++", "ter": "TER"}
    for m in result.corpus.metrics:
        if any(names[w] == m.name for w in wanted if w in names):
            print(f"{m.name} = {m.score:.2f}  {with_ours(m.signature, ours)}")
    if result.comet is not None:
        print(f"COMET = {result.comet:.2f}  {args.comet_model}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from .evaluate import compare_systems, comparison_table, read_lines

    refs = read_lines(args.ref)
    systems = [(str(p), read_lines(p)) for p in args.systems]
    for name, lines in systems:
        if len(lines) != len(refs):
            raise InputError(
                f"{name}: {len(lines)} lines but {args.ref} has {len(refs)}; the files must be line-parallel"
            )
    metrics = [m.strip().lower() for m in args.metrics.split(",") if m.strip()]
    result = compare_systems(
        refs,
        systems,
        metrics=metrics,
        bs_samples=args.paired_bs_n,
        ar_trials=args.paired_ar_n,
        lowercase=args.lowercase,
        jobs=args.jobs,
    )
    table = comparison_table(result)
    sigs = "".join(f"- {k}: `{v}`\n" for k, v in result.signatures.items())
    print(table + "\n" + sigs, end="")
    if args.out:
        _write_atomic(args.out, json.dumps(result.as_dict(), ensure_ascii=False, indent=1) + "\n")
    if args.report:
        command = "aligner " + " ".join(sys.argv[1:]) if sys.argv[1:] else "aligner compare"
        _write_atomic(args.report, f"Made by:\n\n    {command}\n\n{table}\nSignatures:\n\n{sigs}")
    return 0


def cmd_eval_align(args: argparse.Namespace) -> int:
    from .align import align_length
    from .bitext import align_bitext
    from .goldsets import Book, evaluate_aligner, load_goldset, results_table

    books = load_goldset(args.gold, [b.strip() for b in args.books.split(",")] if args.books else None)

    def run(book: Book) -> Any:
        if args.method == "length":
            return align_length(book.french, book.english)
        return align_bitext(
            book.french,
            book.english,
            french_paragraphs=None if args.no_paragraphs else book.french_paragraphs,
            english_paragraphs=None if args.no_paragraphs else book.english_paragraphs,
        )

    results, micro = evaluate_aligner(books, run)
    tuned = [b for b in args.tuned_on.split(",") if b]
    if args.json:
        out = {
            "schema": "aligner.eval-align/1",
            "gold": str(args.gold),
            "method": args.method,
            "signature": results[0].signature if results else "",
            "aligner": __version__,
            "tuned_on": tuned,
            "books": [{"book": r.book, "seconds": round(r.seconds, 3), **_align_scores(r.scores)} for r in results],
            "micro": _align_scores(micro),
        }
        print(json.dumps(out, indent=1))
    table = results_table(results, micro, tuned_on=tuned)
    settings = results[0].signature if results else ""
    text = (
        f"aligner {__version__}, `{args.method}` on {args.gold} (vecalign strict/lax scoring; † = tuning book)\n\n"
        f"{table}\nSettings: `{settings}`\n"
    )
    if not args.json:
        print(text, end="")
    if args.report:
        command = "aligner " + " ".join(sys.argv[1:]) if sys.argv[1:] else "aligner eval-align"
        _write_atomic(args.report, f"Made by:\n\n    {command}\n\n{text}")
    return 0


def _align_scores(s: Any) -> dict[str, float]:
    names = ("precision_strict", "recall_strict", "f1_strict", "precision_lax", "recall_lax", "f1_lax")
    return {k: round(getattr(s, k), 4) for k in names}


def cmd_export(args: argparse.Namespace) -> int:
    from .export import export_run

    n = export_run(args.rundir, args.format, args.out)
    print(f"wrote {n} beads to {args.out} ({args.format})")
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    from .batch import iter_stories, run_batch
    from .translate import FileTranslator, MemoTranslator

    items = list(iter_stories(args.stories))
    progress = _Progress(args.quiet)
    if args.translations:
        if args.translations.suffix != ".jsonl":
            raise InputError(
                f"{args.translations}: batches need a JSONL translations file "
                '({"source": ..., "translation": ...} per line)'
            )
        inner: Any = FileTranslator.from_jsonl(args.translations)
    else:
        inner = _marian(args, progress)
    translator = MemoTranslator(inner)
    progress.start(len(items), "stories")
    progress_unit = progress.update

    def on_story(story_id: str, status: str) -> None:
        progress_unit(1)
        if status.startswith("failed"):
            print(f"aligner: {story_id}: {status}", file=sys.stderr)

    if hasattr(inner, "progress"):
        inner.progress = None  # the bar counts stories here
    try:
        report = run_batch(iter(items), translator, args.out, on_story=on_story)
    finally:
        progress.close()
    print(f"{report.done} done, {report.skipped} already done, {report.failed} failed; summary: {report.summary_path}")
    return 1 if report.failed else 0


def cmd_models(args: argparse.Namespace) -> int:
    from .models import list_models, pull

    if args.models_command == "convert":
        from .fast import convert
        from .models import resolve_model

        resolved = resolve_model(args.model, revision=args.revision)
        out = convert(resolved.path, args.out, args.quantization, shortlist=not args.no_shortlist)
        print(f"{args.model} ({resolved.revision}) converted to CTranslate2 {args.quantization} in {out}")
        return 0
    if args.models_command == "pull":
        folder = pull(args.model, revision=args.revision, local_dir=args.dir)
        print(f"{args.model} ({args.revision}) is in {folder}")
        return 0
    listing = list_models()
    if not listing:
        print("no models in the Hugging Face cache or in ./models; `aligner models pull` downloads one")
    for m in listing:
        print(f"{m.model_id}\t{m.revision}\t{m.size_bytes / 1e6:.1f} MB\t{m.path}")
    return 0


COMMANDS = {
    "run": cmd_run,
    "translate": cmd_translate,
    "align": cmd_align,
    "score": cmd_score,
    "eval": cmd_eval,
    "compare": cmd_compare,
    "eval-align": cmd_eval_align,
    "export": cmd_export,
    "batch": cmd_batch,
    "models": cmd_models,
}


def _show_warning(message: Any, category: Any, filename: str, lineno: int, file: Any = None, line: Any = None) -> None:
    print(f"aligner: warning: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    warnings.showwarning = _show_warning
    try:
        return COMMANDS[args.command](args)
    except AlignerError as exc:
        print(f"aligner: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("aligner: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
