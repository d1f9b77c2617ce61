"""The subcommands: each parses nothing itself, builds the library's objects from the arguments, calls the
library once and prints. Heavy modules are imported inside the command that needs them."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..files import write_atomic, write_output
from ..translation import Translator, make_translator
from ..version import VERSION as __version__
from .terms import cmd_terms

if TYPE_CHECKING:
    from ..terms import Glossary


class Progress:
    """A tqdm bar on stderr, created when the amount of work is known; nothing with ``--quiet``."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.bar: Any = None

    def start(self, total: int, desc: str, unit: str = "sent") -> None:
        if self.quiet:
            return
        from tqdm import tqdm

        self.bar = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=False)

    def update(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def translator_options(args: argparse.Namespace, *, typography: bool = True) -> dict[str, Any]:
    """``make_translator``'s keywords from the translation flags (picklable: batch workers get a copy)."""
    return {
        "engine": args.engine,
        "model": args.model,
        "revision": args.revision,
        "beam": args.beam,
        "batch_size": args.batch_size,
        "batch_tokens": args.batch_tokens,
        "compute_type": args.compute_type,
        "device": args.device,
        "threads": args.threads,
        "shortlist": not args.no_shortlist,
        "typography": typography,
        "max_new_tokens": args.max_new_tokens,
        "translations": getattr(args, "translations", None),
        "memory": getattr(args, "memory", None),
        "glossary": glossary_from(args),
    }


def glossary_from(args: argparse.Namespace) -> Glossary | None:
    """The ``--glossary`` files merged (None without any): read once, here, so a bad file stops the command before
    any work and batch workers get the parsed glossary."""
    from ..terms import Glossary, load_glossary

    paths = getattr(args, "glossary", None) or []
    return Glossary.merge([load_glossary(p) for p in paths]) if paths else None


def translator_from(
    args: argparse.Namespace, progress: Progress | None, *, sources: list[str] | None = None, typography: bool = True
) -> Translator:
    """The translator the flags describe (``--translations`` or a model on ``--engine``)."""
    options = translator_options(args, typography=typography)
    return make_translator(**options, progress=progress.update if progress is not None else None, sources=sources)


SECOND_OPINION_INDEX = ".aligner-second-opinion.sqlite"  # a batch's --second-opinion indexed for Ray actors


def risk_spec(args: argparse.Namespace, *, batch_out: Path | None = None, ray: bool = False) -> dict[str, Any]:
    """``make_assessing_translator``'s risk keywords from the risk flags (picklable: batch workers get a copy). For a
    batch (``batch_out``), a second opinion must be JSONL and is indexed once, as ``--translations`` is."""
    if args.no_risk:
        if args.second_opinion or args.second_opinion_model or args.glass_box:
            raise InputError("--no-risk leaves nothing for --second-opinion, --second-opinion-model or --glass-box to "
                             "do; drop one of them")  # fmt: skip
        return {"risk": False}
    if args.glass_box and getattr(args, "translations", None):
        raise InputError("--glass-box reads the MT model's own probabilities: it needs a model (--model), not "
                         "--translations")  # fmt: skip
    out: dict[str, Any] = {"risk": True, "glassbox": args.glass_box}
    if args.second_opinion_model:
        out["second_opinion_model"] = args.second_opinion_model
    if args.second_opinion:
        if batch_out is None:
            out["second_opinion"] = args.second_opinion
        else:
            from ..translation.memory import FileTranslator

            if args.second_opinion.suffix != ".jsonl":
                raise InputError(f"{args.second_opinion}: batches need a JSONL second opinion "
                                 '({"source": ..., "translation": ...} per line)')  # fmt: skip
            index = batch_out / SECOND_OPINION_INDEX if ray else None
            out["second_opinion"] = FileTranslator.from_jsonl(args.second_opinion, index=index).index.path  # type: ignore[union-attr]
    return out


def _command_line(default: str) -> str:
    return "aligner " + " ".join(sys.argv[1:]) if sys.argv[1:] else default


def cmd_run(args: argparse.Namespace) -> int:
    from ..feeds import read_source, run_outputs
    from ..pipeline import make_assessing_translator, run_story, translation_jobs
    from ..results.rundir import write_run

    read = read_source(args.source, lang="fr", presegmented=args.presegmented)
    source = read.document
    reference = read_source(args.ref, lang="en", presegmented=args.presegmented).document if args.ref else None
    if args.out.exists() and (not args.out.is_dir() or any(args.out.iterdir())):
        if not (args.out / "result.json").exists():
            raise InputError(f"{args.out}: exists and is not an aligner run directory; choose another -o")
    progress = Progress(args.quiet)
    jobs = translation_jobs(source)
    translator = make_assessing_translator(**translator_options(args), **risk_spec(args), progress=progress.update,
                                           sources=jobs)  # fmt: skip
    progress.start(len(jobs), "translating")
    try:
        result = run_story(source, translator, reference)
    finally:
        progress.close()
    files: dict[str, bytes] = {}
    if read.item is not None:  # the translated item beside translation.txt, and the original to export it again
        result, files = run_outputs(read.item, result)
    out = write_run(result, args.out, extra=files)
    if result.scores is not None:
        d, b = result.scores.document, result.scores.beads
        ter = f"  TER {b.ter.score:.2f}" if b.ter else ""
        print(
            f"{source.id}: document BLEU {d.bleu.score:.2f}  chrF {d.chrf.score:.2f} | "
            f"aligned beads BLEU {b.bleu.score:.2f}  chrF {b.chrf.score:.2f}{ter}"
        )
    item = f", {', '.join(sorted(files))}" if files else ""
    print(f"wrote {out}/report.html, result.json, translation.txt, alignment.txt{item}")
    return 0


def cmd_translate(args: argparse.Namespace) -> int:
    from ..feeds import read_source, write_item
    from ..pipeline import translate_document, translation_jobs
    from ..reading.document import render_translation

    read = read_source(args.source, lang="fr", presegmented=args.presegmented)
    source = read.document
    progress = Progress(args.quiet)
    translator = translator_from(args, progress)
    progress.start(len(translation_jobs(source)), "translating")
    start = time.perf_counter()
    try:
        translations = translate_document(source, translator)
    finally:
        progress.close()
    seconds = time.perf_counter() - start
    if not args.quiet:
        from ..translation.frontend import MarianTranslator

        pieces = translator.generated if isinstance(translator, MarianTranslator) else 0
        print(
            f"aligner: {len(translations)} sentences, {pieces:,} target pieces in {seconds:.1f} s "
            f"({pieces / max(seconds, 1e-9):,.0f} pieces/s)",
            file=sys.stderr,
        )
    for t in translations:
        if t.unk:
            print(
                f"aligner: warning: the model's vocabulary lacks {' '.join(t.unk)!r}; those characters were dropped",
                file=sys.stderr,
            )
    mt = tuple(t.text for t in translations)
    if read.item is None:
        write_output(args.out, render_translation(source, mt))
        return 0
    output = write_item(read.item, mt)  # the same kind of item, in English
    for note in output.notes:
        print(f"aligner: warning: {read.item.name}: sentence {note.sentence + 1}: {note.message}", file=sys.stderr)
    write_output(args.out, output.data)
    return 0


def cmd_align(args: argparse.Namespace) -> int:
    from ..alignment.beads import format_vecalign
    from ..alignment.bitext import align_bitext
    from ..alignment.galechurch import align_length
    from ..alignment.similarity import align_similarity
    from ..reading.reader import read_document, read_lines
    from ..results import alignment_to_json

    source = read_document(args.src, lang="fr", presegmented=args.presegmented)
    target = read_document(args.tgt, lang="en", presegmented=args.presegmented)
    src = [s.text for s in source.sentences]
    tgt = [s.text for s in target.sentences]
    mt = read_lines(args.mt) if args.mt else None
    if mt is not None and len(mt) != len(src):
        raise InputError(
            f"{args.mt}: {len(mt)} lines but {args.src} has {len(src)} sentences; give one MT line per source sentence"
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
        print(json.dumps(alignment_to_json(alignment), ensure_ascii=False, indent=1))
    else:
        sys.stdout.write(format_vecalign(alignment))
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    from ..reading.reader import read_lines
    from ..scoring.metrics import corpus_scores

    hyp, ref = read_lines(args.hyp), read_lines(args.ref)
    if len(hyp) != len(ref):
        raise InputError(f"{args.hyp}: {len(hyp)} lines but {args.ref} has {len(ref)}; the files must be line-parallel")
    scores = corpus_scores(hyp, ref)
    if args.json:
        print(json.dumps(scores.to_json(), indent=1))
    else:
        for m in (scores.bleu, scores.chrf, scores.ter):
            if m is not None:
                print(f"{m.name} = {m.score:.2f}  {m.signature}")
    return 0


_EVAL_METRICS = ("bleu", "chrf", "chrf++", "ter", "comet")


def cmd_eval(args: argparse.Namespace) -> int:
    from ..reading.reader import read_lines
    from ..scoring.testsets import eval_markdown, evaluate, load_testset, select_hypotheses, translate_testset
    from ..signature import Signature, score_signature
    from ..translation import texts_of

    wanted = [m.strip().lower() for m in args.metrics.split(",") if m.strip()]
    bad = [m for m in wanted if m not in _EVAL_METRICS]
    if bad or not wanted:
        raise InputError(f"--metrics: unknown metric {bad[0] if bad else ''!r}; choose from {', '.join(_EVAL_METRICS)}")
    testset = load_testset(args.testset, args.langpair, args.origlang)
    docs = ""
    if args.first_docs is not None:
        if args.first_docs < 1:
            raise InputError("--first-docs must be at least 1")
        testset = testset.head(args.first_docs)
        docs = f"first{args.first_docs}"
    if args.translations:
        hyps = select_hypotheses(testset, read_lines(args.translations), args.translations)
        system = args.translations.name
        signature = Signature(system=system)
    else:
        progress = Progress(args.quiet)
        translator = translator_from(args, progress, typography=args.english_typography)
        progress.start(len(testset.sources), f"translating {testset.name}")
        try:
            hyps = translate_testset(testset, lambda texts: texts_of(translator.translate(texts)))
        finally:
            progress.close()
        signature = translator.signature
        system = signature.model
    signature = replace(
        signature, test=testset.name, langpair=testset.langpair, origlang=testset.origlang or "", docs=docs
    )
    result = evaluate(
        testset,
        hyps,
        system=system,
        signature=signature,
        comet_checkpoint=args.comet_model,
        want_comet="comet" in wanted,
    )
    if "comet" in wanted and result.comet is None and wanted == ["comet"]:
        raise InputError(result.notes[0])
    for note in result.notes:
        print(f"aligner: {note}", file=sys.stderr)
    report = eval_markdown(result, _command_line("aligner eval"))
    data = json.dumps(result.to_json(), ensure_ascii=False, indent=1) + "\n"
    if args.out:
        if args.out.exists() and not args.out.is_dir():
            raise InputError(f"{args.out}: exists and is not a directory; choose another -o")
        write_atomic(args.out / "translations.txt", "".join(h + "\n" for h in hyps))
        write_atomic(args.out / "result.json", data)
        write_atomic(args.out / "report.md", report)
    if args.report:
        write_atomic(args.report, report)
    if args.json:
        sys.stdout.write(data)
        return 0
    names = {"bleu": "BLEU", "chrf": "chrF2", "chrf++": "chrF2++", "ter": "TER"}
    for m in result.corpus.metrics:
        if any(names[w] == m.name for w in wanted if w in names):
            print(f"{m.name} = {m.score:.2f}  {score_signature(m.signature, result.signature)}")
    if result.comet is not None:
        print(f"COMET = {result.comet:.2f}  {args.comet_model}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from ..reading.reader import read_lines
    from ..scoring.compare import compare_systems, comparison_table

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
        write_atomic(args.out, json.dumps(result.to_json(), ensure_ascii=False, indent=1) + "\n")
    if args.report:
        write_atomic(
            args.report, f"Made by:\n\n    {_command_line('aligner compare')}\n\n{table}\nSignatures:\n\n{sigs}"
        )
    return 0


def cmd_eval_align(args: argparse.Namespace) -> int:
    from ..alignment.bitext import align_bitext
    from ..alignment.galechurch import align_length
    from ..scoring.gold import Book, evaluate_aligner, load_goldset, results_table

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

    tuned = [b for b in args.tuned_on.split(",") if b]
    evaluation = evaluate_aligner(books, run, gold=str(args.gold), tuned_on=tuned)
    if args.json:
        print(json.dumps(evaluation.to_json(), indent=1))
    text = (
        f"aligner {__version__}, `{args.method}` on {args.gold} (vecalign strict/lax scoring; † = tuning book)\n\n"
        f"{results_table(evaluation)}\nSettings: `{evaluation.signature.render()}`\n"
    )
    if not args.json:
        print(text, end="")
    if args.report:
        write_atomic(args.report, f"Made by:\n\n    {_command_line('aligner eval-align')}\n\n{text}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from ..review.export import export_run

    n = export_run(args.rundir, args.format, args.out, db=args.db)
    what = "the reviewed item" if args.format == "item" else f"{n} beads"
    print(f"wrote {what} to {args.out} ({args.format})", file=sys.stderr if str(args.out) == "-" else sys.stdout)
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    import os

    from ..batch import TRANSLATIONS_INDEX, Sequential, count_stories, iter_stories, prepare_output, run_batch
    from ..batch.job import check_story_timeout
    from ..batch.progress import BatchProgress
    from ..pipeline import make_assessing_translator
    from ..translation import prepare
    from ..translation.memory import FileTranslator, TranslationMemory

    if args.translations and args.translations.suffix != ".jsonl":
        raise InputError(
            f"{args.translations}: batches need a JSONL translations file "
            '({"source": ..., "translation": ...} per line)'
        )
    timeout = check_story_timeout(args.story_timeout)  # before anything is made or written
    spec = translator_options(args)
    prepare_output(args.out)
    if args.memory:  # one snapshot for every worker, even if reviewers confirm more meanwhile
        spec["memory"] = TranslationMemory.open(args.memory)
    if args.translations:  # indexed once, on disk; every worker reads the same index (for Ray, in the shared OUT)
        index = args.out / TRANSLATIONS_INDEX if args.ray is not None else None
        spec["translations"] = FileTranslator.from_jsonl(args.translations, index=index).index.path  # type: ignore[union-attr]
    spec |= risk_spec(args, batch_out=args.out, ray=args.ray is not None)
    second_model = spec.get("second_opinion_model")

    def prepare_models() -> None:  # download and convert once, before the workers (or actors) load them
        prepare(**spec)
        if second_model is not None:
            prepare(**{**spec, "model": second_model, "translations": None})

    executor: Any
    if args.ray is not None:
        from ..batch.cluster import RayActors

        if args.ray == "local":
            prepare_models()  # convert once here, not once per actor into the same cache
        executor = RayActors(
            spec,
            address=args.ray,
            actors=args.workers,
            cpus=args.cpus_per_worker,
            story_timeout=timeout,
            make=make_assessing_translator,
        )
    elif args.workers is not None and args.workers > 1:
        from ..batch.workers import Workers

        prepare_models()
        if spec["threads"] is None:
            spec["threads"] = max(1, (os.cpu_count() or 1) // args.workers)
        executor = Workers(spec, args.workers, story_timeout=timeout, make=make_assessing_translator)
    else:
        executor = Sequential(make_assessing_translator(**spec), story_timeout=timeout)
    progress = BatchProgress(count_stories(args.stories)) if not args.quiet else None

    def on_story(story_id: str, status: str) -> None:
        if progress is not None:
            progress.story(status.split(":")[0])
        if status.startswith("failed") or (status.startswith("redone") and progress is not None):
            fresh_line = "\n" if progress is not None and progress.tty else ""
            print(f"{fresh_line}aligner: {story_id}: {status}", file=sys.stderr)

    try:
        report = run_batch(iter_stories(args.stories), args.out, executor, on_story=on_story)
    finally:
        if progress is not None:
            progress.close()
        (args.out / TRANSLATIONS_INDEX).unlink(missing_ok=True)
        (args.out / SECOND_OPINION_INDEX).unlink(missing_ok=True)
    print(f"{report.line()}; summary: {report.summary_path}")
    return 1 if report.failed else 0


def cmd_models(args: argparse.Namespace) -> int:
    from ..translation.models import list_models, pull, resolve_model

    if args.models_command == "convert":
        from ..translation.convert import convert

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


def cmd_review(args: argparse.Namespace) -> int:
    import os

    from ..review.server import Review, open_site, serve
    from ..store import SqliteStore
    from ..translation.memory import TranslationMemory

    site = open_site(args.dir)
    store = SqliteStore(args.db or site.root / "review.sqlite")
    pairs = [(v.source, v.text) for v in store.confirmed()]
    if args.memory:
        extra = TranslationMemory.open(args.memory)
        pairs += [(s, extra.exact(s) or "") for s in extra.sources()]
    memory = TranslationMemory(pairs, name="review")
    reviewer = args.reviewer or os.environ.get("USER") or "reviewer"
    if args.port < 0 or args.port > 65535:
        raise InputError(f"--port {args.port}: give a port from 0 to 65535")

    def announce(url: str) -> None:
        stories = f"{len(site.order)} stories" if site.batch else f"story {site.order[0]}"
        print(f"aligner review: {stories}, database {store.path}; open {url}", flush=True)

    try:
        review = Review(site, store, reviewer, memory, glossary=glossary_from(args))
        serve(review, host=args.host, port=args.port, token=args.token, announce=announce)
    finally:
        store.close()
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
    "review": cmd_review,
    "terms": cmd_terms,
}
